"""Vault test fixtures: the low-cost test KDF (fast suite), a folder with the example inventory,
and a CLI runner with a passphrase in the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from tests.conftest import PASSPHRASE, SENTINEL  # noqa: F401 - re-exported for the vault tests
from tests.kdf import TEST_PYTHONPATH

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scanner" / "data" / "inventory.example.toml"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the example inventory as inventory.toml; the current directory."""
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def passphrase_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE


def invoke(*args: str, input: str | None = None) -> Result:
    """`posture ARGS` in process."""
    return CliRunner().invoke(app, list(args), input=input)


def posture_in_process(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`posture ARGS` run in process (typer's CliRunner) in `cwd`, with the same result shape as
    `run_posture`: for tests not about process-level behaviour (a real process costs about
    0.8 s of CPU to start). An exception the CLI did not turn into an exit is raised here, where a
    real process would have printed a traceback."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), input=input, env=env)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(
        list(args), result.exit_code, stdout=result.stdout, stderr=result.stderr
    )


def run_posture(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m scanner ARGS` as a real process, with the test KDF switch and REPO importable."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    full_env["PYTHONPATH"] = TEST_PYTHONPATH
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
