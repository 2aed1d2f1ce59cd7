"""The `posture` command line. Thin: it parses arguments and calls the library."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from scanner.core.errors import PostureError

F = TypeVar("F", bound=Callable[..., Any])
_state = {"debug": False}


def guarded(command: F) -> F:
    """Turn every PostureError into one line on stderr and its exit code; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PostureError as exc:
            if _state["debug"]:
                raise
            typer.echo(f"posture: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("posture: interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:
            if _state["debug"] or type(exc).__module__.startswith("typer"):
                raise  # typer's own Exit/Abort/usage errors
            # The type only: the message of an unexpected exception could hold a secret.
            typer.echo(
                f"posture: internal error ({type(exc).__name__}); run with --debug for details",
                err=True,
            )
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


app = typer.Typer(
    name="posture",
    help="Account security posture scanner: inventory, policy checks, vault, breach runbook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # rich tracebacks print local variables: secrets among them
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from scanner import __version__

        typer.echo(f"posture {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks (may show file contents)."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    _state["debug"] = debug


from scanner.cli import audit as _audit_commands  # noqa: E402
from scanner.cli import breach as _breach_commands  # noqa: E402
from scanner.cli import handbook as _handbook_commands  # noqa: E402
from scanner.cli import history as _history_commands  # noqa: E402
from scanner.cli import platforms as _platform_commands  # noqa: E402
from scanner.cli import scan as _scan_commands  # noqa: E402
from scanner.cli import setup as _setup_commands  # noqa: E402
from scanner.cli import vault as _vault_commands  # noqa: E402

_scan_commands.register(app)
_setup_commands.register(app)
_history_commands.register(app)
_platform_commands.register(app)
_breach_commands.register(app)
_vault_commands.register(app)
_handbook_commands.register(app)
_audit_commands.register(app)


def main() -> None:
    """Console-script entry point."""
    sys.exit(app(prog_name="posture"))
