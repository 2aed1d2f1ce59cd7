"""`posture offboard`: a leaver or an ended agency as a tracked, verified checklist."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    VAULT_ENV,
    VAULT_NAME,
    DbOption,
    InventoryOption,
    PassphraseFileOption,
    VaultOption,
    beside_inventory,
    inventory_path,
    parse_date,
)
from scanner.cli.records import MarkdownOutputOption, list_records, write_markdown
from scanner.core.actor import actor
from scanner.core.errors import UsageError

if TYPE_CHECKING:
    from scanner.offboard.cases import Case, CaseLog

offboard_app = typer.Typer(
    help="Offboarding: a leaver or an ended agency as a tracked checklist, closed only when verified.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

WhoArgument = typer.Argument(..., help="A person id, or agency:ID, from the inventory.")
ByOption = typer.Option(None, "--by", help="Who does this [default: your login name].")
NoteOption = typer.Option(None, "--note", help="A note for the record (never a password).")
AsOfOption = typer.Option(None, "--as-of", help="Judge as of this day (YYYY-MM-DD).")
FORMATS = ("text", "markdown")


def _db_path(inventory: Path | None, db: Path | None) -> Path:
    return beside_inventory(inventory_path(inventory), DB_NAME, db, DB_ENV)


def _open_log(path: Path, *, create: bool = False, readonly: bool = False) -> CaseLog | None:
    """The case log at `path`; None when the database does not exist and may not be created."""
    from scanner.offboard.cases import CaseLog
    from scanner.state.db import StateDB

    if not create and not path.exists():
        return None
    return CaseLog(StateDB(path, readonly=readonly))


def _latest(who: str, inventory: Path | None, db: Path | None) -> Case:
    """The open case of WHO, else the latest one, read without writing anything."""
    from scanner.offboard.cases import no_case

    log = _open_log(_db_path(inventory, db), readonly=True)
    if log is None:
        raise no_case(who, "no offboarding case recorded")
    with log.db:
        return log.require_latest(who)


def _require_log(inventory: Path | None, db: Path | None, who: str) -> CaseLog:
    from scanner.offboard.cases import no_case

    log = _open_log(_db_path(inventory, db))
    if log is None:
        raise no_case(who, "no open offboarding case")
    return log


def checklist(
    who: str = WhoArgument,
    on: str | None = typer.Option(
        None, "--on", help="The last day or contract end [default: recorded, else today]."
    ),
    output_format: str = typer.Option("text", "--format", "-f", help="text or markdown."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Print WHO's offboarding plan without recording anything (run it before the last day)."""
    from scanner.offboard.render import render_markdown, render_text
    from scanner.services.offboard import plan

    if output_format not in FORMATS:
        raise UsageError(f'--format: "{output_format}" is not one of {", ".join(FORMATS)}')
    _, leaver, steps = plan(inventory_path(inventory), who, parse_date(on, "--on"))
    text = render_text(steps, who=leaver) if output_format == "text" else render_markdown(steps)
    sys.stdout.write(text)


def start(
    who: str = WhoArgument,
    on: str | None = typer.Option(
        None,
        "--on",
        help="The last day or contract end the case counts from [default: recorded, else today].",
    ),
    note: str | None = NoteOption,
    by: str | None = ByOption,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """Open an offboarding case for WHO (one open case each) and print its checklist."""
    from scanner.offboard.render import render_text
    from scanner.services.offboard import plan

    operator = actor(by)
    _, leaver, steps = plan(inventory_path(inventory), who, parse_date(on, "--on"))
    log = _open_log(_db_path(inventory, db), create=True)
    assert log is not None  # noqa: S101 - create=True always opens
    with log.db:
        case = log.start(steps, name=leaver.name, starts_on=leaver.on, by=operator, note=note)
    typer.echo(render_text(case.checklist, case), nl=False)


def show(
    who: str = WhoArgument,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """Show WHO's open case (else the latest one): every step, ticked or not."""
    from scanner.offboard.render import render_text

    case = _latest(who, inventory, db)
    typer.echo(render_text(case.checklist, case), nl=False)


def done(
    who: str = WhoArgument,
    step: str = typer.Argument(..., help="The step id (or its number) from the checklist."),
    to: str | None = typer.Option(
        None, "--to", help="The new owner (an active person id): required on transfer steps."
    ),
    note: str | None = NoteOption,
    by: str | None = ByOption,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """Tick STEP of WHO's open case, with the time and who did it."""
    operator = actor(by)
    if to is not None:
        _check_new_owner(inventory, who, to)
    log = _require_log(inventory, db, who)
    with log.db:
        case, tick = log.tick(who, step, by=operator, note=note, handed_to=to)
    number = [s.id for s in case.checklist.steps].index(tick.step_id) + 1
    handed = f" (new owner {to})" if to else ""
    typer.echo(f"done: step {number} {tick.step_id}{handed} at {tick.done_at} by {tick.done_by}")
    typer.echo(f"offboarding case #{case.id} of {who}: {case.progress()}")


def _check_new_owner(inventory: Path | None, who: str, to: str) -> None:
    """The new owner must be an active person of the inventory, and not the leaver."""
    from scanner.core.tomlsource import suggest
    from scanner.services.scan import load

    loaded = load(inventory_path(inventory))
    person = loaded.people.get(to)
    if person is None:
        known = [p.id for p in loaded.people.values() if p.active]
        raise UsageError(f'--to: no person "{to}" in the inventory{suggest(to, known)}')
    if to == who or not person.active:
        raise UsageError(f'--to: "{to}" is leaving or has left; name an active person')


def close(
    who: str = WhoArgument,
    force: bool = typer.Option(False, "--force", help="Close although it is not verified."),
    reason: str | None = typer.Option(
        None, "--reason", help="Why the case closes unverified (required with --force)."
    ),
    as_of: str | None = AsOfOption,
    by: str | None = ByOption,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
    vault: Path | None = VaultOption,
    passphrase_file: Path | None = PassphraseFileOption,
) -> None:
    """Close WHO's case once verified: refused while ACC-002, ACC-003, OWN-002 or OWN-004 still
    name them, or a required step is open, unless --force --reason."""
    from scanner.services.offboard import verify_case

    operator = actor(by)
    if force and not (reason and reason.strip()):
        raise UsageError("--force needs --reason TEXT: say why the case closes unverified")
    inventory_file = inventory_path(inventory)
    db_file = _db_path(inventory, db)
    case = _latest(who, inventory, db)
    if not case.is_open:
        from scanner.offboard.cases import no_case

        raise no_case(who, "no open offboarding case")
    checked = verify_case(
        case,
        inventory_file,
        db=db_file,
        vault=beside_inventory(inventory_file, VAULT_NAME, vault, VAULT_ENV),
        passphrase_file=passphrase_file,
        today=parse_date(as_of, "--as-of"),
        warn=lambda text: typer.echo(f"posture: warning: {text}", err=True),
    )
    log = _require_log(inventory, db, who)
    with log.db:
        closed = log.close(who, by=operator, blockers=checked.blockers, force=force, reason=reason)
    typer.echo(
        f"closed offboarding case #{closed.id} of {who} at {closed.closed_at} by "
        f"{closed.closed_by}: {closed.progress()}"
    )
    if closed.forced:
        typer.echo(f"forced with {len(closed.verification)} item(s) unverified; reason: {reason}")
        for item in closed.verification:
            typer.echo(f"  - {item}")
    else:
        typer.echo(
            f"verified as of {checked.as_of}: no ACC-002, ACC-003, OWN-002 or OWN-004 "
            f"finding names {closed.name}"
        )


def list_cases(
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """List open and closed offboarding cases, open ones first."""
    path = _db_path(inventory, db)
    list_records(path, _open_log(path, readonly=True), "offboarding cases", CASE_HEADERS, _case_row)


CASE_HEADERS = ("case", "who", "status", "counts from", "opened", "closed", "progress")


def _case_row(c: Case) -> tuple[str, ...]:
    return (
        f"#{c.id}",
        c.who,
        c.status,
        c.starts_on.isoformat(),
        f"{c.opened_at} {c.opened_by}",
        f"{c.closed_at} {c.closed_by}" if c.closed_at else "",
        c.progress(),
    )


def export(
    who: str = WhoArgument,
    output: Path | None = MarkdownOutputOption,
    inventory: Path | None = InventoryOption,
    db: Path | None = DbOption,
) -> None:
    """Write WHO's open (else latest) case as Markdown: checklist and record, for a ticket."""
    from scanner.offboard.render import render_markdown

    case = _latest(who, inventory, db)
    text = render_markdown(case.checklist, case)
    write_markdown(text, output, f"offboarding case #{case.id} of {who}")


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    offboard_app.command("checklist")(guarded(checklist))
    offboard_app.command("start")(guarded(start))
    offboard_app.command("show")(guarded(show))
    offboard_app.command("done")(guarded(done))
    offboard_app.command("close")(guarded(close))
    offboard_app.command("list")(guarded(list_cases))
    offboard_app.command("export")(guarded(export))
    app.add_typer(offboard_app, name="offboard")
