"""Vault test fixtures: the low-cost test KDF (fast suite), a folder with the example inventory,
and a CLI runner with a passphrase in the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.vault.vault import TEST_KDF_CONSENT, TEST_KDF_ENV

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scanner" / "data" / "inventory.example.toml"
PASSPHRASE = "test passphrase: staple battery"
SENTINEL = "SENTINEL-pw-7f3a9c1e-do-not-leak"

_CLEARED = (
    "POSTURE_VAULT",
    "POSTURE_DB",
    "POSTURE_INVENTORY",
    "POSTURE_VAULT_PASSPHRASE",
    "POSTURE_NEW_VAULT_PASSPHRASE",
    "POSTURE_TEST_VAULT_CRASH_AT",
    "POSTURE_KEYRING_TIMEOUT",
)


@pytest.fixture(autouse=True)
def test_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every vault the suite creates uses the cheap test KDF, through its one documented switch."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(TEST_KDF_ENV, TEST_KDF_CONSENT)


@pytest.fixture(autouse=True)
def no_keyring() -> Iterator[None]:
    """The OS keyring is the `fail` backend (as on headless CI) unless a test installs another."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


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


def run_posture(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m scanner ARGS` as a real process, with the test KDF switch and REPO importable."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    full_env[TEST_KDF_ENV] = TEST_KDF_CONSENT
    full_env["PYTHONPATH"] = str(REPO)
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
