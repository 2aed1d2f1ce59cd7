# `make demo` and `make test` work on a fresh machine: they build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev demo test lint typecheck layers fast bench clean

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

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
