"""`posture history`: past scans of an inventory with their scores, changes and a trend."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from scanner.engine.changes import HistoryEntry

from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    DbOption,
    InventoryOption,
    beside_inventory,
    inventory_path,
)


def history(
    inventory_arg: Path | None = typer.Argument(
        None, metavar="[INVENTORY]", help="Inventory file [default: ./inventory.toml]."
    ),
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Show at most this many scans."),
) -> None:
    """List past scans of the inventory: date, score, failures, new and fixed, and a trend."""
    from tabulate import tabulate

    from scanner.state.db import StateDB
    from scanner.state.scans import list_history

    inventory_file = inventory_path(inventory_arg, inventory)
    db_path = beside_inventory(inventory_file, DB_NAME, db, DB_ENV)
    explicit = db is not None or bool(os.environ.get(DB_ENV))
    if not db_path.exists() and not explicit:
        typer.echo(f"no scans recorded yet ({db_path} does not exist); run posture scan first")
        return
    with StateDB(db_path, readonly=True) as state:
        entries = list_history(state, inventory_file, limit)
    if not entries:
        typer.echo(f"no scans of {inventory_file} recorded in {db_path}")
        return
    rows = [_row(entry) for entry in entries]
    lines = [
        f"scan history of {inventory_file} ({db_path})",
        "",
        tabulate(rows, headers=HEADERS, tablefmt="simple", disable_numparse=True),
        "",
        *_trend(entries),
    ]
    typer.echo("\n".join(lines))


HEADERS = (
    *("scan", "finished (UTC)", "as of", "score"),
    *("crit", "high", "med", "low", "suppr", "new", "fixed"),
)


def _row(entry: HistoryEntry) -> tuple[object, ...]:
    scan = entry.scan
    fails = scan.failed_by_severity
    compared = entry.has_previous
    return (
        scan.id,
        f"{scan.finished:%Y-%m-%d %H:%M}",
        scan.as_of.isoformat(),
        f"{scan.score}" + (" (incomplete)" if scan.incomplete else ""),
        *(fails.get(severity, 0) for severity in ("critical", "high", "medium", "low")),
        scan.suppressed,
        len(entry.new) if compared else "-",
        len(entry.fixed) if compared else "-",
    )


def _trend(entries: list[HistoryEntry]) -> list[str]:
    from scanner.state.scans import sparkline

    scores = [e.scan.score for e in entries]
    change = scores[-1] - scores[0]
    lines = [
        f"score trend: {sparkline(scores)}  {scores[0]} -> {scores[-1]} ({change:+d}) "
        f"over {len(scores)} scan{'s' if len(scores) != 1 else ''}"
    ]
    latest = entries[-1]
    if latest.has_previous and (latest.new or latest.fixed):
        lines.append(f"latest scan #{latest.scan.id}, against the one before:")
        lines += [f"  fixed: {f.check_id} on {f.account}: {f.message}" for f in latest.fixed]
        lines += [f"  new:   {f.check_id} on {f.account}: {f.message}" for f in latest.new]
    return lines


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    app.command("history")(guarded(history))
