"""Options shared by several commands, and the default locations beside the inventory."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

from scanner.errors import UsageError

INVENTORY_ENV = "POSTURE_INVENTORY"

InventoryOption = typer.Option(
    None,
    "--inventory",
    "-i",
    envvar=INVENTORY_ENV,
    help="Inventory file [default: ./inventory.toml].",
)
PolicyOption = typer.Option(None, "--policy", help="Policy file with a [policy] table.")


def inventory_path(*candidates: Path | None) -> Path:
    """The first inventory path given, else ./inventory.toml."""
    for candidate in candidates:
        if candidate is not None:
            return candidate
    return Path("inventory.toml")


def beside_inventory(inventory: Path, name: str, explicit: Path | None, env: str) -> Path:
    """`explicit`, else $env, else `name` in the inventory's folder."""
    if explicit is not None:
        return explicit
    if os.environ.get(env):
        return Path(os.environ[env])
    return inventory.parent / name


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f'{option}: "{value}" is not a date such as 2026-11-23') from None
