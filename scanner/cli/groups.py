"""Command groups with posture's conventions: whole summaries in help, usage errors as
`posture: error:` lines with exit 2, plain metavars."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup


class SummaryGroup(TyperGroup):
    """A command group whose help lists each command's whole summary, never cut with "..."."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            summary = (command.short_help or command.help or "").strip().split("\n\n")[0]
            rows.append((name, " ".join(summary.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class PostureGroup(SummaryGroup):
    """The root `posture` group: usage errors as `posture: error:` lines, clean metavars."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from scanner.cli.metavars import name_metavars

        name_metavars(self)
        _whole_summaries(self)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except typer.Abort:
            typer.echo("posture: aborted", err=True)
            sys.exit(1)
        except typer.TyperException as exc:  # click's usage errors, in typer's vendored click
            sys.exit(_usage_error(exc))
        sys.exit(code if isinstance(code, int) else 0)


def _whole_summaries(group: TyperGroup) -> None:
    """Every sub-group, including ones declared without `cls=SummaryGroup`, lists whole summaries.

    SummaryGroup adds no state to TyperGroup, only a method, so the class can be swapped.
    """
    for command in group.commands.values():
        if isinstance(command, TyperGroup):
            if not isinstance(command, SummaryGroup):
                command.__class__ = SummaryGroup
            _whole_summaries(command)


def _usage_error(exc: typer.TyperException) -> int:
    """Print one of click's errors as `posture: error: ...`; return its exit code."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        typer.echo(ctx.get_help(), err=True)
        return 2
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    message = message.rstrip(".")
    message = message[:1].lower() + message[1:]
    hint = f" (see: {ctx.command_path} -h)" if ctx is not None else ""
    typer.echo(f"posture: error: {message}{hint}", err=True)
    return int(getattr(exc, "exit_code", 2))
