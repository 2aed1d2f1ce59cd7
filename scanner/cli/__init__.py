"""The `posture` command line. Thin: it parses arguments and calls the library."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import typer

from scanner.cli.groups import PostureGroup, lazy_root
from scanner.core.errors import PostureError

F = TypeVar("F", bound=Callable[..., Any])
_state = {"debug": False}


class _TerminalSafe:
    """stdout while a command runs: text written through it has control characters escaped
    (`text.terminal`: newline, tab and posture's own colours pass). The last guard behind the
    per-value escaping of each sink; bytes written to `.buffer` (`vault get`) pass as they are."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: Any) -> int:
        from scanner.core.text import terminal

        if isinstance(data, str):
            self._stream.write(terminal(data))
            return len(data)
        return int(self._stream.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _terminal_safe_stdout() -> Iterator[None]:
    original = sys.stdout
    sys.stdout = _TerminalSafe(original)
    try:
        yield
    finally:
        sys.stdout = original


def guarded(command: F) -> F:
    """Turn every PostureError into one line on stderr and its exit code; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with _terminal_safe_stdout():
                result = command(*args, **kwargs)
                sys.stdout.flush()  # a closed pipe shows here, not at exit
            return result
        except PostureError as exc:
            if _state["debug"]:
                raise
            for line in exc.lines():
                typer.echo(f"posture: error: {line}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("posture: interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(_closed_pipe()) from None
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


# What a shell reports for a writer killed by SIGPIPE (128 + 13): `... | head -1` ends quietly.
EXIT_CLOSED_PIPE = 141


def _closed_pipe() -> int:
    """The reader went away: send the rest of the output nowhere, so exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (a test runner's buffer)
    return EXIT_CLOSED_PIPE


app = typer.Typer(
    cls=PostureGroup,
    name="posture",
    help="Account security posture scanner: inventory, policy checks, vault, breach runbook.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion, --show-completion (bash, zsh, fish)
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


from scanner.cli import accounts as _accounts_commands  # noqa: E402
from scanner.cli import audit as _audit_commands  # noqa: E402
from scanner.cli import breach as _breach_commands  # noqa: E402
from scanner.cli import handbook as _handbook_commands  # noqa: E402
from scanner.cli import history as _history_commands  # noqa: E402
from scanner.cli import identity as _identity_commands  # noqa: E402
from scanner.cli import offboard as _offboard_commands  # noqa: E402
from scanner.cli import platforms as _platform_commands  # noqa: E402
from scanner.cli import scan as _scan_commands  # noqa: E402
from scanner.cli import setup as _setup_commands  # noqa: E402
from scanner.cli import vault as _vault_commands  # noqa: E402

_scan_commands.register(app)
_setup_commands.register(app)
_accounts_commands.register(app)
_history_commands.register(app)
_platform_commands.register(app)
_breach_commands.register(app)
_offboard_commands.register(app)
_vault_commands.register(app)
_identity_commands.register(app)
_handbook_commands.register(app)
_audit_commands.register(app)


def _no_core_dumps() -> None:
    """A crashing posture must not write its memory (passwords, the passphrase) to a core file:
    RLIMIT_CORE 0, and on Linux PR_SET_DUMPABLE 0 (which also keeps other processes of the same
    user from attaching a debugger). Best effort: a platform without them runs on."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass


_PR_SET_DUMPABLE = 4


def main() -> None:
    """Console-script entry point."""
    _no_core_dumps()
    # posture is a short-lived process whose objects (inventory, findings, report lines) are
    # nearly all acyclic, which reference counting frees at once. The cyclic collector's passes
    # over them cost a 10,000-account scan about 40% of its CPU (200,000 findings trigger
    # thousands of passes) and free almost nothing (same peak memory without them). Password
    # scoring workers turn it back on (scanner.passwords.strength).
    gc.disable()
    try:
        lazy_root(app)(prog_name="posture")  # builds only the command that runs
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            sys.exit(_closed_pipe())
