"""Fixtures for the offboarding tests: the example inventory in a fresh working folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, PASSPHRASE


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding a copy of the example inventory, as the current directory."""
    shutil.copyfile(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_ACTOR", "ana")
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    return tmp_path
