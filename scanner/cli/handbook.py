"""`posture handbook`: the company's social media handbook, and who acknowledged which version."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    DbOption,
    InventoryOption,
    PolicyOption,
    beside_inventory,
    inventory_path,
    parse_date,
)
from scanner.core.errors import UsageError

if TYPE_CHECKING:
    from scanner.handbook.content import Handbook

FORMATS = ("markdown", "html")
handbook_app = typer.Typer(
    help="The social media handbook generated from the inventory and policy; acknowledgements.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def _build(inventory: Path | None, policy: Path | None, as_of: str | None) -> tuple[Path, Handbook]:
    from scanner.handbook.content import build_handbook
    from scanner.inventory.policy import load_policy
    from scanner.services.scan import load

    inventory_file = inventory_path(inventory)
    loaded = load(inventory_file)
    today = parse_date(as_of, "--as-of") or dt.date.today()
    book = build_handbook(loaded, load_policy(loaded.policy_table, policy), today)
    return inventory_file, book


def handbook(
    ctx: typer.Context,
    inventory: Path | None = InventoryOption,
    policy: Path | None = PolicyOption,
    format_: str = typer.Option("markdown", "--format", "-f", help="markdown or html."),
    output: Path | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write here instead of stdout."
    ),
    as_of: str | None = typer.Option(None, "--as-of", metavar="DATE", help="Date it as this day."),
) -> None:
    """Print the handbook (Markdown or a printable HTML page) for the inventory as it is."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"inventory": inventory, "policy": policy, "as_of": as_of}
        return
    from scanner.core.files import atomic_write
    from scanner.handbook.render import render_html, render_markdown

    if format_ not in FORMATS:
        raise UsageError(f'--format: "{format_}" is not one of {", ".join(FORMATS)}')
    if output is not None and (output.is_dir() or not output.resolve().parent.is_dir()):
        raise UsageError(f"--output {output}: name a file in an existing folder")
    _, book = _build(inventory, policy, as_of)
    text = render_html(book) if format_ == "html" else render_markdown(book)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text.encode("utf-8"))
        typer.echo(f"wrote handbook version {book.version} to {output}", err=True)


def _db(ctx: typer.Context, inventory_file: Path, db: Path | None) -> Path:
    return beside_inventory(inventory_file, DB_NAME, db, DB_ENV)


def ack(
    ctx: typer.Context,
    who: str = typer.Argument(..., metavar="PERSON", help="A person id or agency:ID."),
    on: str | None = typer.Option(None, "--on", metavar="DATE", help="The day they acknowledged."),
    by: str | None = typer.Option(None, "--by", metavar="NAME", help="Who records it."),
    db: Path | None = DbOption,
) -> None:
    """Record that PERSON acknowledged the handbook as the inventory and policy generate it now."""
    from scanner.core.actor import actor
    from scanner.engine.facts import HandbookAck
    from scanner.handbook.acks import record_ack
    from scanner.state.db import StateDB

    options = ctx.obj or {}
    day = parse_date(on, "--on") or dt.date.today()
    inventory_file, book = _build(options.get("inventory"), options.get("policy"), on)
    _known_holder(inventory_file, who)
    if day > dt.date.today():
        raise UsageError(f"--on {day}: an acknowledgement cannot be in the future")
    recorder = actor(by)
    with StateDB(_db(ctx, inventory_file, db)) as state:
        record_ack(
            state, HandbookAck(who, book.version, day), by=recorder, at=dt.datetime.now(dt.UTC)
        )
    typer.echo(f"recorded: {who} acknowledged handbook {book.version} on {day} (by {recorder})")


def _known_holder(inventory_file: Path, who: str) -> None:
    from scanner.core.tomlsource import suggest
    from scanner.services.scan import load

    loaded = load(inventory_file)
    agency = loaded.agency_for(who)
    if agency is not None or who in loaded.people:
        return
    known = [*loaded.people, *(a.ref for a in loaded.agencies.values())]
    raise UsageError(f'no person or agency "{who}" in {inventory_file}{suggest(who, known)}')


def status(ctx: typer.Context, db: Path | None = DbOption) -> None:
    """Who has acknowledged which handbook version, and who has not seen the current one."""
    from tabulate import tabulate

    from scanner.handbook.acks import acks_at
    from scanner.inventory import holders
    from scanner.services.scan import load

    options = ctx.obj or {}
    inventory_file, book = _build(options.get("inventory"), options.get("policy"), None)
    loaded = load(inventory_file)
    acks = acks_at(_db(ctx, inventory_file, db))
    today = dt.date.today()
    rows = []
    refs = [*loaded.people, *(a.ref for a in loaded.agencies.values())]
    for ref in refs:
        if not holders.has_access(loaded, ref, today):
            continue
        latest = next(iter(acks.get(ref, ())), None)
        if latest is None:
            state = "never"
        elif latest.version == book.version:
            state = "current"
        else:
            state = "has not seen the current version"
        rows.append(
            (
                ref,
                loaded.holder_name(ref),
                latest.version if latest else "-",
                latest.on.isoformat() if latest else "-",
                state,
            )
        )
    typer.echo(f"handbook version {book.version} (as the inventory and policy generate it now)")
    typer.echo(
        tabulate(
            rows,
            headers=["who", "name", "acknowledged", "on", "status"],
            tablefmt="simple",
            disable_numparse=True,
        )
    )


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    handbook_app.callback()(guarded(handbook))
    handbook_app.command("ack")(guarded(ack))
    handbook_app.command("status")(guarded(status))
    app.add_typer(handbook_app, name="handbook")
