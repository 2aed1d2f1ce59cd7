"""The house rules that keep posture easy to change: one-way layers, small functions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_tree(tmp_path: Path) -> Path:
    for name in ("scanner", "checks"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is in the dev extras")
def test_the_layer_contracts_hold_on_the_tree_as_it_is(copy_of_tree: Path) -> None:
    result = _lint_imports(copy_of_tree)
    assert result.returncode == 0, result.stdout


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is in the dev extras")
@pytest.mark.parametrize(
    ("module", "back_import", "complaint"),
    [
        (
            "checks/mfa.py",
            "import scanner.vault.store",
            "checks is not allowed to import scanner.vault",
        ),
        (
            "scanner/engine/run.py",
            "import scanner.report",
            "scanner.engine is not allowed to import",
        ),
        (
            "scanner/core/model.py",
            "import scanner.inventory.accounts",
            "scanner.core is not allowed",
        ),
    ],
)
def test_a_deliberate_back_import_breaks_the_build(
    copy_of_tree: Path, module: str, back_import: str, complaint: str
) -> None:
    target = copy_of_tree / module
    target.write_text(target.read_text() + f"\n{back_import}  # noqa\n")
    result = _lint_imports(copy_of_tree)
    assert result.returncode != 0
    assert complaint in result.stdout


def _functions() -> list[tuple[str, str, int, int]]:
    """(file, function, cyclomatic complexity as radon counts it, lines) for scanner/ and checks/."""
    from radon.complexity import cc_visit

    found = []
    for folder in ("scanner", "checks"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for block in cc_visit(path.read_text(encoding="utf-8")):
                if block.letter == "C":  # a class: its methods are listed on their own
                    continue
                lines = block.endline - block.lineno + 1
                found.append((str(path.relative_to(REPO)), block.name, block.complexity, lines))
    return found


def test_no_function_is_too_complex_or_too_long() -> None:
    pytest.importorskip("radon")
    offenders = [
        f"{file}: {name} (complexity {cc}, {lines} lines)"
        for file, name, cc, lines in _functions()
        if cc > 15 or lines > 80
    ]
    assert offenders == []
