# `make demo` and `make test` work on a fresh machine: they build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev demo test lint typecheck layers fast bench clean install uninstall

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP)

demo: $(STAMP)
	$(BIN)/posture demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Import direction is part of the design (contracts in pyproject.toml).
layers: $(STAMP)
	$(BIN)/lint-imports

# The whole suite: lint, types, layers, every test (slow ones included).
test: lint typecheck layers
	$(BIN)/python -m pytest -n auto -q

# Everything but the slow property and stress tests.
fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -q -m 'not slow'

# Whole posture processes against the issue-13 targets (several minutes; `--help` for sizes),
# then the library-level scan and vault figures.
bench: $(STAMP)
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/vault.py
	$(BIN)/python bench/scan.py

# `posture` for everyday use, with runtime dependencies only (no test extras such as keyrings.alt):
# pipx when it is installed, else a virtual environment of its own plus a link on ~/.local/bin.
# INSTALL_WITH=venv skips pipx; INSTALL_VENV and INSTALL_BIN move the two places.
INSTALL_WITH ?= $(if $(shell command -v pipx 2>/dev/null),pipx,venv)
INSTALL_VENV ?= $(HOME)/.local/share/posture-scanner/venv
INSTALL_BIN ?= $(HOME)/.local/bin

install:
ifeq ($(INSTALL_WITH),pipx)
	pipx install --force .
else
	$(PYTHON) -m venv --clear $(INSTALL_VENV)
	$(INSTALL_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(INSTALL_VENV)/bin/python -m pip install --quiet .
	mkdir -p $(INSTALL_BIN)
	ln -sf $(INSTALL_VENV)/bin/posture $(INSTALL_BIN)/posture
endif
	@echo "installed: $(INSTALL_BIN)/posture (make sure $(INSTALL_BIN) is on your PATH)"

uninstall:
ifeq ($(INSTALL_WITH),pipx)
	pipx uninstall posture-scanner
else
	rm -f $(INSTALL_BIN)/posture
	rm -rf $(INSTALL_VENV)
endif

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
