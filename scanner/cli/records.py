"""The shapes `posture breach` and `posture offboard` share: a log of records (incidents, cases)
listed as one table, and one record written as Markdown to stdout or a file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import typer

if TYPE_CHECKING:
    from scanner.state.db import StateDB

Record = TypeVar("Record")
Record_co = TypeVar("Record_co", covariant=True)

MarkdownOutputOption = typer.Option(
    None, "--output", "-o", help="Write the Markdown here (atomically) instead of stdout."
)


class RecordLog(Protocol[Record_co]):
    """An incident or case log: its database and every record, open ones first."""

    @property
    def db(self) -> StateDB: ...

    def all(self) -> Sequence[Record_co]: ...


def list_records(
    path: Path,
    log: RecordLog[Record] | None,
    noun: str,
    headers: Sequence[str],
    row: Callable[[Record], Sequence[str]],
) -> None:
    """Print the log at `path` as a table, one `row` a record, or say that there is none."""
    from tabulate import tabulate

    if log is None:
        typer.echo(f"no {noun} recorded (no state database at {path})")
        return
    with log.db:
        records = log.all()
    if not records:
        typer.echo(f"no {noun} recorded")
        return
    rows = [row(record) for record in records]
    typer.echo(tabulate(rows, headers=list(headers), tablefmt="simple", disable_numparse=True))


def write_markdown(text: str, output: Path | None, what: str) -> None:
    """`text` to stdout, or atomically to `output` (mode 0600) with a line naming `what`."""
    from scanner.core.files import atomic_write

    if output is None:
        sys.stdout.write(text)
        return
    atomic_write(output, text.encode("utf-8"), 0o600)
    typer.echo(f"wrote {what} to {output}")
