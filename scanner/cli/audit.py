"""`posture audit verify`: check the hash chain of audit and incident records."""

from __future__ import annotations

from pathlib import Path

import typer

from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    VAULT_ENV,
    VAULT_NAME,
    DbOption,
    InventoryOption,
    VaultOption,
    beside_inventory,
    inventory_path,
)

audit_app = typer.Typer(
    help="Tamper-evident records: the hash chain over vault audit rows and incident events.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def verify(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
) -> None:
    """Recompute the chain; report edited, deleted or unchained rows and a vault rolled back
    to a revision older than the audit rows saw. Exit 1 when anything is wrong."""
    from scanner.core.errors import StateError
    from scanner.state.chain import verify as verify_chain
    from scanner.state.db import StateDB

    inv = inventory_path(inventory)
    db_path = beside_inventory(inv, DB_NAME, db, DB_ENV)
    vault_path = beside_inventory(inv, VAULT_NAME, vault, VAULT_ENV)
    if not db_path.is_file():
        raise StateError("no state database here: nothing recorded yet", path=db_path)
    with StateDB(db_path, readonly=True) as opened:
        report = verify_chain(opened)
    problems = list(report.problems)
    problems += _rolled_back(vault_path, report.last_revision)
    for problem in problems:
        typer.echo(f"BROKEN: {problem}")
    typer.echo(
        f"{report.entries} chained records; head {report.head}; "
        + ("chain intact" if not problems else f"{len(problems)} problem(s)")
    )
    if problems:
        raise typer.Exit(1)


def _rolled_back(vault_path: Path, seen: dict[str, int]) -> list[str]:
    """The vault file's revision (header only, no passphrase) against the last one recorded."""
    from scanner.core.errors import VaultError
    from scanner.vault import format as fmt
    from scanner.vault import store

    if not vault_path.is_file():
        return []
    from scanner.vault.team import is_team_file, parse_team

    try:
        raw = store.read(vault_path)
        if is_team_file(raw):  # the signature needs the inventory: `vault list` checks it
            team = parse_team(raw, vault_path)
            vault_id, revision = team.vault_id, team.revision
        else:
            header = fmt.parse(raw, vault_path).header
            vault_id, revision = header.vault_id, header.revision
    except VaultError as exc:
        return [f"the vault cannot be read: {exc.message}"]
    last = seen.get(vault_id)
    if last is not None and revision < last:
        return [
            f"the vault is at revision {revision} but revision {last} was recorded: "
            "an older copy replaced it (rollback)"
        ]
    return []


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    audit_app.command("verify")(guarded(verify))
    app.add_typer(audit_app, name="audit")
