"""Read a TOML file the user wrote, keeping enough of its text to point at lines.

`tomllib` gives no positions, so a `TomlSource` re-reads the text for table headers and keys:
the n-th `[[accounts]]` header is the n-th account, and a key's line is the first `key =` line
inside that table's span. Errors become `InputError`s naming file, line and column.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputError

MAX_FILE_BYTES = 256 * 1024 * 1024

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=""")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass(frozen=True)
class _Header:
    name: str
    array: bool
    line: int


class TomlSource:
    """A parsed TOML document plus the line of every table header and key."""

    def __init__(self, path: Path, data: dict[str, Any], text: str) -> None:
        self.path = path
        self.data = data
        self._lines = text.splitlines()
        self._headers = self._scan_headers()
        # Header lines by (name, is-array): table_line is called once per [[accounts]] entry.
        self._header_lines: dict[tuple[str, bool], list[int]] = {}
        for header in self._headers:
            self._header_lines.setdefault((header.name, header.array), []).append(header.line)

    @classmethod
    def read(cls, path: Path, what: str) -> TomlSource:
        """Read and parse `path`; every failure is an InputError naming the file."""
        try:
            if path.is_dir():
                raise InputError(f"{what} is a directory, not a file", path=path)
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{what} not found", path=path) from None
        except PermissionError:
            raise InputError(f"{what} is not readable (permission denied)", path=path) from None
        except OSError as exc:
            raise InputError(f"{what} cannot be read: {exc.strerror}", path=path) from None
        if len(raw) > MAX_FILE_BYTES:
            raise InputError(f"{what} is larger than {MAX_FILE_BYTES >> 20} MiB", path=path)
        if not raw.strip():
            raise InputError(f"{what} is empty", path=path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_line = raw.count(b"\n", 0, exc.start) + 1
            raise InputError(
                f"{what} is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", path=path, line=bad_line
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            match = _TOML_POSITION.search(message)
            line: int | None = None
            column: int | None = None
            if match:
                line, column = int(match.group(1)), int(match.group(2))
                message = message[: match.start()]
            raise InputError(
                f"TOML syntax error: {message}", path=path, line=line, column=column
            ) from None
        except RecursionError:
            raise InputError(f"{what} is nested too deeply", path=path) from None
        return cls(path, data, text)

    def _scan_headers(self) -> list[_Header]:
        headers: list[_Header] = []
        in_multiline: str | None = None
        for number, line in enumerate(self._lines, start=1):
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1 and in_multiline in (None, quote):
                    in_multiline = None if in_multiline else quote
            if in_multiline:
                continue
            match = _HEADER.match(line)
            if match:
                name = ".".join(part.strip().strip("\"'") for part in match.group(2).split("."))
                headers.append(_Header(name, match.group(1) == "[[", number))
        return headers

    def table_line(self, name: str, index: int | None = None) -> int | None:
        """Line of the header `[name]`, or of the index-th `[[name]]`."""
        lines = self._header_lines.get((name, index is not None), [])
        position = 0 if index is None else index
        return lines[position] if position < len(lines) else None

    def key_line(self, table_line: int | None, key: str) -> int | None:
        """Line of `key = ...` inside the table starting at `table_line` (None: top level)."""
        start = table_line or 0
        end = len(self._lines)
        for header in self._headers:
            if header.line > start:
                end = header.line - 1
                break
        for number in range(start + 1, end + 1):
            match = _KEY.match(self._lines[number - 1])
            if match and key in (match.group(2), match.group(3), match.group(4)):
                return number
        return table_line


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close choice exists, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def check_keys(
    table: Mapping[str, Any],
    allowed: Iterable[str],
    source: TomlSource,
    table_line: int | None,
    prefix: str,
) -> None:
    """Refuse keys outside `allowed`, with a suggestion."""
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            raise InputError(
                f"unknown key{suggest(key, allowed)}",
                path=source.path,
                line=source.key_line(table_line, key),
                field=f"{prefix}{key}",
            )
