"""Fixtures for the breach tests: the example inventory in a fresh folder, and a state database."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from scanner.inventory.accounts import Inventory
from scanner.services.scan import load

EXAMPLE = Path(__file__).resolve().parents[2] / "scanner" / "data" / "inventory.example.toml"
# The example inventory's "today": every agency contract still runs, two people have left.
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def inventory_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("POSTURE_DB", raising=False)
    monkeypatch.delenv("POSTURE_INVENTORY", raising=False)
    target = tmp_path / "inventory.toml"
    shutil.copyfile(EXAMPLE, target)
    return target


@pytest.fixture
def inventory(inventory_file: Path) -> Inventory:
    return load(inventory_file)


@pytest.fixture
def db_path(inventory_file: Path) -> Path:
    return inventory_file.parent / "posture.db"


def make_read_only(db: Path) -> None:
    """Mark an SQLite file read-only in its header (write version 3), which binds root too.

    SQLite's file format: a write version above 2 means the file must be treated as read-only.
    """
    data = bytearray(db.read_bytes())
    data[18] = 3
    db.write_bytes(bytes(data))
