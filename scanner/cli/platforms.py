"""`posture platforms`: the platform catalogue, with where each fact comes from and when."""

from __future__ import annotations

import datetime as dt
import json

import typer

from scanner.cli.options import parse_date
from scanner.core.errors import UsageError

FORMATS = ("table", "json")


def platforms(
    output_format: str = typer.Option(
        "table", "--format", "-f", metavar="FORMAT", help="table or json."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Judge verification dates as of this day (YYYY-MM-DD)."
    ),
) -> None:
    """List the platform catalogue: second factors (with conditions), passkey sign-in,
    delegation model and the dates its facts were verified."""
    from scanner.inventory.platforms import catalogue, stale_warnings

    if output_format not in FORMATS:
        raise UsageError(f'--format: "{output_format}" is not one of {", ".join(FORMATS)}')
    today = parse_date(as_of, "--as-of") or dt.date.today()
    entries = catalogue()
    if output_format == "json":
        data = {"platforms": [p.as_dict(today) for p in entries.values()]}
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        typer.echo(_table(today))
    for warning in stale_warnings(entries, today, entries):
        typer.echo(f"posture: warning: {warning}", err=True)


def _table(today: dt.date) -> str:
    from tabulate import tabulate

    from scanner.inventory.platforms import catalogue

    rows = []
    conditions: list[str] = []
    for platform in catalogue().values():
        factors = []
        for method in platform.mfa_methods:
            condition = platform.second_factor.conditions.get(method)
            if condition:
                conditions.append(
                    f"[{len(conditions) + 1}] {platform.id} {method.value}: {condition}"
                )
                factors.append(f"{method.value}[{len(conditions)}]")
            else:
                factors.append(method.value)
        oldest, newest = platform.verified_on
        stale = " (stale)" if platform.stale_facts(today) else ""
        verified = oldest.isoformat() if oldest == newest else f"{oldest} to {newest}"
        rows.append(
            (
                platform.id,
                platform.display_name,
                ", ".join(factors) or "none",
                "passkey" if platform.passkey else "-",
                platform.delegation.model,
                verified + stale,
            )
        )
    headers = ["id", "name", "second factors", "sign-in", "delegation", "verified"]
    table = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    notes = "\n".join(conditions)
    return f"{table}\n\nconditions:\n{notes}" if conditions else table


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    app.command("platforms")(guarded(platforms))
