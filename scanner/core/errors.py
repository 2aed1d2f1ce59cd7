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


class UsageError(PostureError):
    """Options that do not fit together, or a missing argument."""


class StateError(PostureError):
    """The state database cannot be opened or written."""


class VaultError(PostureError):
    """Base for vault problems."""


class ScanIncomplete(PostureError):
    """A scan could not finish its work (exit code 3)."""

    exit_code = 3
