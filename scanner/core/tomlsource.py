"""Read a TOML file the user wrote, keeping enough of its text to point at lines.

The parser is tomli, the project `tomllib` was copied from (same grammar, same errors), installed
as its mypyc-compiled wheel: about 3x faster than `tomllib` on a 10,000-account inventory (0.18 s
against 0.52 s of CPU), where parsing was a tenth of a re-scan. It gives no positions, so a
`TomlSource` re-reads the text for table headers and keys: the n-th `[[accounts]]` header is the
n-th account, and a key's line is the first `key =` line inside that table's span. Errors become
`InputError`s naming file, line and column.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli

from scanner.core.errors import InputError
from scanner.core.files import read_regular
from scanner.core.tomlerrors import Position, plain_message

MAX_FILE_BYTES = 256 * 1024 * 1024
# tomli (as tomllib) takes time quadratic in a key's dotted parts (50,000 parts: 50 s for a 100 KB file);
# posture's files use at most 3 (policy.tiers.critical), so a deeper key is refused before parsing.
MAX_KEY_PARTS = 64
# One left-to-right pass that knows TOML's strings and comments, so a quote inside a string
# (`"a\"b"`) or a `#` inside one cannot hide where a key part starts or ends. Possessive
# quantifiers keep every alternative linear (no backtracking), an unclosed string still ends a
# token (at its line's end or the file's), and each dotted run is matched once, whole: no
# character is looked at more than twice.
_PART = r"""(?:[A-Za-z0-9_\-]++|"(?:[^"\\\n]|\\.)*+"?|'[^'\n]*+'?)"""
_DOT = r"[ \t]*+\.[ \t]*+"
_DEEP = rf"{_PART}(?:{_DOT}{_PART}){{{MAX_KEY_PARTS}}}"  # MAX_KEY_PARTS + 1 parts
_KEY_SCAN = re.compile(
    r"(?:"
    r'"""(?:[^"\\]|\\.|"{1,2}(?!"))*+(?:"{3,5})?'  # a multi-line basic string
    r"|'''(?:[^']|'{1,2}(?!'))*+(?:'{3,5})?"  # a multi-line literal string
    r"|#[^\n]*+"  # a comment
    r"|[^\"'#A-Za-z0-9_\-]++"  # anything else: spaces, '=', brackets, a stray dot
    rf"|(?!{_DEEP}){_PART}(?:{_DOT}{_PART})*+"  # a dotted run that is not too deep
    rf")*+(?P<deep>{_DEEP})?",
    re.DOTALL,
)


def deep_key_at(text: str) -> int | None:
    """Offset of the first key (or value) of more than MAX_KEY_PARTS dotted parts, else None.

    One regular-expression match, linear in the text: each string, comment and dotted run is
    consumed once (a run is looked at twice: at most MAX_KEY_PARTS + 1 parts to rule it deep).
    """
    match = _KEY_SCAN.match(text)
    return None if match is None or match.group("deep") is None else match.start("deep")


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=""")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


@dataclass(frozen=True)
class _Header:
    name: str
    array: bool
    line: int


class TomlSource:
    """A parsed TOML document plus the line of every table header and key."""

    def __init__(self, path: Path, data: dict[str, Any], text: str, digest: str = "") -> None:
        self.path = path
        self.data = data
        self.digest = digest  # SHA-256 of the bytes parsed: the file is read once
        self._lines = text.splitlines()
        self._headers = self._scan_headers()
        self._tables: dict[str, int] = {}
        self._arrays: dict[str, list[int]] = {}
        for header in self._headers:
            if header.array:
                self._arrays.setdefault(header.name, []).append(header.line)
            else:
                self._tables.setdefault(header.name, header.line)
        self._header_lines = [header.line for header in self._headers]

    @classmethod
    def read(cls, path: Path, what: str) -> TomlSource:
        """Read and parse `path`; every failure is an InputError naming the file."""
        try:
            raw = read_regular(path, what, cap=MAX_FILE_BYTES)
        except FileNotFoundError:
            hint = " (start one with: posture init)" if what == "inventory" else ""
            raise InputError(f"{what} not found{hint}", path=path) from None
        if not raw.strip():
            raise InputError(f"{what} is empty", path=path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_line = raw.count(b"\n", 0, exc.start) + 1
            raise InputError(
                f"{what} is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", path=path, line=bad_line
            ) from None
        deep = deep_key_at(text)
        if deep is not None:
            raise InputError(
                f"{what} has a key of more than {MAX_KEY_PARTS} dotted parts; refusing to parse it",
                path=path,
                line=text.count("\n", 0, deep) + 1,
            )
        try:
            data = tomli.loads(text)
        except tomli.TOMLDecodeError as exc:
            message = str(exc)
            match = _TOML_POSITION.search(message)
            line: int | None = None
            column: int | None = None
            if match:
                message = message[: match.start()]
                if match.group(1):
                    line, column = int(match.group(1)), int(match.group(2))
                else:
                    line = len(text.splitlines())
            message, where = plain_message(message, text, Position(line, column))
            line, column = where.line, where.column
            raise InputError(
                f"TOML syntax error: {message}", path=path, line=line, column=column
            ) from None
        except RecursionError:
            raise InputError(f"{what} is nested too deeply", path=path) from None
        return cls(path, data, text, hashlib.sha256(raw).hexdigest())

    def _scan_headers(self) -> list[_Header]:
        headers: list[_Header] = []
        in_multiline: str | None = None
        for number, line in enumerate(self._lines, start=1):
            if '"""' in line or "'''" in line:
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1 and in_multiline in (None, quote):
                        in_multiline = None if in_multiline else quote
            if in_multiline or "[" not in line:  # a header has a bracket; most lines do not
                continue
            match = _HEADER.match(line)
            if match:
                name = ".".join(part.strip().strip("\"'") for part in match.group(2).split("."))
                headers.append(_Header(name, match.group(1) == "[[", number))
        return headers

    def table_line(self, name: str, index: int | None = None) -> int | None:
        """Line of the header `[name]`, or of the index-th `[[name]]`."""
        if index is None:
            return self._tables.get(name)
        lines = self._arrays.get(name, [])
        return lines[index] if index < len(lines) else None

    def key_line(self, table_line: int | None, key: str) -> int | None:
        """Line of `key = ...` inside the table starting at `table_line` (None: top level)."""
        start = table_line or 0
        following = bisect.bisect_right(self._header_lines, start)
        end = (
            self._header_lines[following] - 1
            if following < len(self._header_lines)
            else len(self._lines)
        )
        for number in range(start + 1, end + 1):
            match = _KEY.match(self._lines[number - 1])
            if match and key in (match.group(2), match.group(3), match.group(4)):
                return number
        return table_line


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close choice other than `word` itself exists, else ''."""
    others = [choice for choice in choices if choice != word]
    close = difflib.get_close_matches(word, others, n=1, cutoff=0.6)
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
