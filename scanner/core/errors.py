"""The one family of errors a user can cause; the CLI turns each into one line and an exit code."""

from __future__ import annotations

from pathlib import Path


class PostureError(Exception):
    """A problem the user can fix. `str()` is the one line shown, never a secret."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{_elide(_one_line(self.field), MAX_FIELD)}: " if self.field else ""
        return _one_line(where) + field + _elide(_one_line(self.message), MAX_MESSAGE)

    def lines(self) -> list[str]:
        """What the CLI prints, one `posture: error:` line each (one, except for InputErrors)."""
        return [str(self)]


# A key or value quoted from a hostile file must not turn the one error line into megabytes.
MAX_FIELD = 120
MAX_MESSAGE = 400


def _elide(text: str, limit: int) -> str:
    """`text` cut in the middle to about `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    keep = (limit - 30) // 2
    return f"{text[:keep]}...({len(text) - 2 * keep} characters)...{text[-keep:]}"


def _one_line(text: str) -> str:
    """Escape control characters (a quoted TOML key may hold a newline) so the error stays one line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class InputError(PostureError):
    """A file the user wrote (inventory, policy, suppressions, corpus, CSV) is wrong."""


class InputErrors(InputError):
    """Several mistakes in one file, reported together so one run shows them all.

    Behaves as the first mistake (its file, line and field) where one error is expected; the CLI
    prints `lines()`: at most MAX_SHOWN mistakes sorted by line, then how many more there are.
    """

    MAX_SHOWN = 20

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.line or 0, e.column or 0))
        first = self.errors[0]
        super().__init__(
            first.message, path=first.path, line=first.line, column=first.column, field=first.field
        )

    def lines(self) -> list[str]:
        shown = [str(error) for error in self.errors[: self.MAX_SHOWN]]
        more = len(self.errors) - self.MAX_SHOWN
        if more > 0:
            shown.append(f"{self.path}: {more} more mistake{'s' if more != 1 else ''} not shown")
        return shown


class Problems:
    """Collects the InputErrors of one file so loading can go on and report them all at once."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, error: InputError) -> None:
        if isinstance(error, InputErrors):
            self.errors.extend(error.errors)
        else:
            self.errors.append(error)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InputErrors(self.errors)


class UsageError(PostureError):
    """Options that do not fit together, or a missing argument."""


class StateError(PostureError):
    """The state database cannot be opened or written."""


class VaultError(PostureError):
    """Base for vault problems."""


class ScanIncomplete(PostureError):
    """A scan could not finish its work (exit code 3)."""

    exit_code = 3
