"""Command groups with posture's conventions: whole summaries in help, usage errors as
`posture: error:` lines with exit 2, plain metavars."""

from __future__ import annotations

import copy
import inspect
import sys
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


class SummaryGroup(TyperGroup):
    """A command group whose help lists each command's whole summary, never cut with "..."."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command `cmd_name`, built now if it was left pending (see `lazy_root`)."""
        command = self.commands.get(cmd_name)
        if isinstance(command, PendingCommand):
            from scanner.cli.metavars import name_metavars

            command = command.build()
            name_metavars(command)
            self.commands[cmd_name] = command
        return command

    def get_help_option(self, ctx: Any) -> Any:
        return _plain_flag(super().get_help_option(ctx))

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command: Any = self.commands.get(name)  # a summary needs no built command
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


class PlainHelpCommand(TyperCommand):
    """A command whose -h/--help flag takes its value as it comes (see `_plain_flag`)."""

    def get_help_option(self, ctx: Any) -> Any:
        return _plain_flag(super().get_help_option(ctx))


class PendingCommand:
    """A command whose click form is not built yet: its name and summary, and how to build it.

    Building a command means reading its function's signature and type hints; doing that for
    every command costs `posture --help` most of its time, so `lazy_root` builds only the one
    that runs (or whose help is asked for). Help lists the summary held here, the same text.
    """

    def __init__(self, info: Any, name: str, build: Callable[[], Any]) -> None:
        self.name = name
        self.help = info.help if info.help is not None else inspect.getdoc(info.callback)
        if info.help is not None:
            self.help = inspect.cleandoc(info.help)
        self.short_help = info.short_help
        self.hidden = info.hidden
        self.build = build


def lazy_root(app: typer.Typer) -> TyperGroup:
    """`app` as click's root group, as `typer.main.get_command(app)` makes it, except that each
    command is built only when it is run or its help is shown. Same help, same behaviour."""
    from typer.main import get_install_completion_arguments
    from typer.models import TyperInfo

    options = {
        "pretty_exceptions_short": app.pretty_exceptions_short,
        "rich_markup_mode": app.rich_markup_mode,
        "suggest_commands": app.suggest_commands,
    }
    root = _lazy_group(TyperInfo(app), options)
    if app._add_completion:
        root.params.extend(get_install_completion_arguments())
    for param in root.params:
        _plain_flag(param)
    return root


def _plain_flag(param: Any) -> Any:
    """A flag of the root (--debug, --version, --install-completion, --show-completion) or a
    help flag takes its value as it comes: True, False, or None when not given. typer would build
    a pydantic validator for it only to pass that None through, importing pydantic (a third of
    `posture checks`) for nothing. Other parameters keep typer's own coercion."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.annotation is not bool or param.envvar:
        return param
    if getattr(param, "_runtime_param", None) is None:
        from typer._coercion import PassThroughRuntimeParam

        param._runtime_param = PassThroughRuntimeParam(
            parameter_info=descriptor.parameter_info, annotation=bool
        )
    return param


def _lazy_group(info: Any, options: dict[str, Any]) -> TyperGroup:
    from typer.main import get_command_from_info, get_command_name, get_group_from_info

    instance = info.typer_instance
    bare = copy.copy(instance)  # the group itself (its callback, help, options), no commands
    bare.registered_commands, bare.registered_groups = [], []
    bare_info = copy.copy(info)
    bare_info.typer_instance = bare
    group = get_group_from_info(bare_info, **options)
    if not isinstance(group, SummaryGroup):
        group.__class__ = SummaryGroup
    from scanner.cli.metavars import name_metavars

    name_metavars(group)  # its own options; each command gets its names when built
    markup = {"pretty_exceptions_short": options["pretty_exceptions_short"]}
    markup["rich_markup_mode"] = options["rich_markup_mode"]
    for command_info in instance.registered_commands:
        name = command_info.name or get_command_name(command_info.callback.__name__)

        def build(command_info: Any = command_info) -> Any:
            command = get_command_from_info(command_info, **markup)
            if type(command) is TyperCommand:  # adds state to none: the class can be swapped
                command.__class__ = PlainHelpCommand
            return command

        group.commands[name] = PendingCommand(command_info, name, build)  # type: ignore[assignment]
    for sub_info in instance.registered_groups:
        sub = _lazy_group(sub_info, options)
        group.commands[sub.name or ""] = sub
    return group
