"""`posture breach`: the hacked-account checklist and its incident record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scanner.cli.complete import complete_account
from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    VAULT_ENV,
    VAULT_NAME,
    DbOption,
    InventoryOption,
    NoVaultOption,
    PassphraseFileOption,
    VaultOption,
    beside_inventory,
    inventory_path,
    parse_date,
)
from scanner.cli.records import MarkdownOutputOption, list_records, write_markdown
from scanner.core.actor import actor
from scanner.core.errors import UsageError
from scanner.core.model import Vector

if TYPE_CHECKING:
    from scanner.breach.incidents import Incident, IncidentLog
    from scanner.breach.runbook import Checklist
    from scanner.state.db import StateDB

breach_app = typer.Typer(
    help="Hacked-account response: a tailored checklist, ticked and recorded step by step.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

AccountArgument = typer.Argument(
    ..., help="The account id in the inventory.", autocompletion=complete_account
)
ByOption = typer.Option(None, "--by", help="Who does this [default: your login name].")
NoteOption = typer.Option(None, "--note", help="A note for the record (never a password).")
FORMATS = ("text", "markdown")
VECTORS = tuple(v.value for v in Vector)
VectorOption = typer.Option(
    "unknown",
    "--vector",
    metavar="|".join(VECTORS),
    help="How the attacker got in, as far as you know; unknown keeps every step that may apply.",
)
SinceOption = typer.Option(
    None,
    "--since",
    metavar="DATE",
    help="Look for accounts sharing any value this account had since DATE [default: 30 days ago].",
)


def _db_path(inventory: Path | None, db: Path | None) -> Path:
    return beside_inventory(inventory_path(inventory), DB_NAME, db, DB_ENV)


def _open_log(path: Path, *, create: bool = False, readonly: bool = False) -> IncidentLog | None:
    """The incident log at `path`; None when the database does not exist and may not be created."""
    from scanner.breach.incidents import IncidentLog
    from scanner.state.db import StateDB

    if not create and not path.exists():
        return None
    db: StateDB = StateDB(path, readonly=readonly)
    return IncidentLog(db)


def _tailored(
    account_id: str,
    inventory: Path | None,
    vault: Path | None = None,
    passphrase_file: Path | None = None,
    no_vault: bool = False,
    since: str | None = None,
    vector: str = "unknown",
) -> Checklist:
    """The account's checklist; with the vault open, the accounts sharing its password too."""
    from scanner.breach.runbook import SharedPassword, tailor_checklist
    from scanner.services.breach import shared_with_compromised
    from scanner.services.scan import load
    from scanner.vault.errors import PassphraseUnavailable

    if vector not in VECTORS:
        raise UsageError(f'--vector: "{vector}" is not one of {", ".join(VECTORS)}')
    inventory_file = inventory_path(inventory)
    loaded = load(inventory_file)
    account = loaded.account(account_id)
    vault_file = beside_inventory(inventory_file, VAULT_NAME, vault, VAULT_ENV)
    shared: tuple[SharedPassword, ...] = ()
    if not no_vault and (vault is not None or vault_file.exists()):
        try:
            shared = shared_with_compromised(
                vault_file,
                loaded,
                account,
                since=parse_date(since, "--since"),
                passphrase_file=passphrase_file,
            )
        except PassphraseUnavailable:
            typer.echo(
                "posture: warning: vault not opened (no passphrase source): accounts sharing "
                "this password are not listed; set POSTURE_VAULT_PASSPHRASE or use "
                "--passphrase-file",
                err=True,
            )
    return tailor_checklist(loaded, account, shared_with=shared, vector=Vector(vector))


def _latest_incident(account: str, inventory: Path | None, db: Path | None) -> Incident:
    """The account's open incident, else its latest one, read without writing anything."""
    log = _open_log(_db_path(inventory, db), readonly=True)
    if log is None:
        raise _no_incident(account, "no incident recorded")
    with log.db:
        return log.require_latest(account)


def _no_incident(account_id: str, what: str = "no open incident") -> Exception:
    from scanner.breach.incidents import IncidentError

    return IncidentError(
        f'{what} for account "{account_id}"; start one with: posture breach start {account_id}'
    )


def start(
    account: str = AccountArgument,
    note: str | None = NoteOption,
    by: str | None = ByOption,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
    vault: Path | None = VaultOption,
    passphrase_file: Path | None = PassphraseFileOption,
    no_vault: bool = NoVaultOption,
    since: str | None = SinceOption,
    vector: str = VectorOption,
) -> None:
    """Open an incident for ACCOUNT (one open incident per account) and print its checklist."""
    from scanner.breach.checklist import render_text

    operator = actor(by)
    checklist = _tailored(account, inventory, vault, passphrase_file, no_vault, since, vector)
    log = _open_log(_db_path(inventory, db), create=True)
    assert log is not None  # noqa: S101 - create=True always opens
    with log.db:
        incident = log.start(checklist, by=operator, note=note)
        typer.echo(render_text(checklist, incident), nl=False)


def show(
    account: str = AccountArgument,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """Show ACCOUNT's open incident (else its latest one): every step, ticked or not."""
    from scanner.breach.checklist import render_text
    from scanner.state.chain import warning_at

    incident = _latest_incident(account, inventory, db)
    broken = warning_at(_db_path(inventory, db))
    if broken:
        typer.echo(f"posture: warning: {broken}", err=True)
    typer.echo(render_text(incident.checklist, incident), nl=False)


def done(
    account: str = AccountArgument,
    step: str = typer.Argument(..., help="The step id (or its number) from the checklist."),
    note: str | None = NoteOption,
    by: str | None = ByOption,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """Tick STEP of ACCOUNT's open incident, with the time and who did it."""
    operator = actor(by)
    log = _open_log(_db_path(inventory, db))
    if log is None:
        raise _no_incident(account)
    with log.db:
        incident, tick = log.tick(account, step, by=operator, note=note)
    number = [s.id for s in incident.checklist.steps].index(tick.step_id) + 1
    typer.echo(f"done: step {number} {tick.step_id} at {tick.done_at} by {tick.done_by}")
    typer.echo(f"incident #{incident.id} on {account}: {incident.progress()}")


def close(
    account: str = AccountArgument,
    force: bool = typer.Option(False, "--force", help="Close although required steps are open."),
    reason: str | None = typer.Option(
        None, "--reason", help="Why the incident closes (required with --force)."
    ),
    by: str | None = ByOption,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """Close ACCOUNT's open incident; refused while required steps are open unless forced."""
    operator = actor(by)
    if force and not (reason and reason.strip()):
        raise UsageError("--force needs --reason TEXT: say why required steps stay open")
    log = _open_log(_db_path(inventory, db))
    if log is None:
        raise _no_incident(account)
    with log.db:
        incident = log.close(account, by=operator, force=force, reason=reason)
    open_required = incident.open_required()
    typer.echo(
        f"closed incident #{incident.id} on {account} at {incident.closed_at} by "
        f"{incident.closed_by}: {incident.progress()}"
    )
    if open_required:
        typer.echo(
            f"forced with {len(open_required)} required step"
            f"{'s' if len(open_required) != 1 else ''} open "
            f"({', '.join(s.id for s in open_required)}); reason: {incident.close_reason}"
        )


def list_incidents(
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """List open and closed incidents, open ones first."""
    path = _db_path(inventory, db)
    list_records(path, _open_log(path, readonly=True), "incidents", INCIDENT_HEADERS, _incident_row)


INCIDENT_HEADERS = ("incident", "account", "status", "opened", "closed", "progress")


def _incident_row(i: Incident) -> tuple[str, ...]:
    return (
        f"#{i.id}",
        i.account,
        i.status,
        f"{i.opened_at} {i.opened_by}",
        f"{i.closed_at} {i.closed_by}" if i.closed_at else "",
        i.progress(),
    )


def export(
    account: str = AccountArgument,
    output: Path | None = MarkdownOutputOption,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """Write ACCOUNT's open (else latest) incident as Markdown: checklist and record, for a ticket."""
    from scanner.breach.checklist import render_markdown

    incident = _latest_incident(account, inventory, db)
    text = render_markdown(incident.checklist, incident)
    write_markdown(text, output, f"incident #{incident.id} on {account}")


def checklist(
    account: str = AccountArgument,
    output_format: str = typer.Option("text", "--format", "-f", help="text or markdown."),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    passphrase_file: Path | None = PassphraseFileOption,
    no_vault: bool = NoVaultOption,
    since: str | None = SinceOption,
    vector: str = VectorOption,
) -> None:
    """Print ACCOUNT's tailored checklist without opening an incident (for drills)."""
    from scanner.breach.checklist import render_markdown, render_text

    if output_format not in FORMATS:
        raise UsageError(f'--format: "{output_format}" is not one of {", ".join(FORMATS)}')
    tailored = _tailored(account, inventory, vault, passphrase_file, no_vault, since, vector)
    render = render_text if output_format == "text" else render_markdown
    sys.stdout.write(render(tailored))


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    breach_app.command("start")(guarded(start))
    breach_app.command("show")(guarded(show))
    breach_app.command("done")(guarded(done))
    breach_app.command("close")(guarded(close))
    breach_app.command("list")(guarded(list_incidents))
    breach_app.command("export")(guarded(export))
    breach_app.command("checklist")(guarded(checklist))
    app.add_typer(breach_app, name="breach")
