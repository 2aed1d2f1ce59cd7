"""TOML syntax errors in plain words: what is wrong and how to write it, for people, not parsers.

`tomllib` says "Illegal character '\\n'" for a string left open; a user needs "unterminated
string". Each rule reads tomllib's message and the text at the error's position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DATE_LIKE = re.compile(r"=\s*\d{4}-\d")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CURLY_QUOTES = "\u201c\u201d\u2018\u2019\u00ab\u00bb"


@dataclass(frozen=True)
class Position:
    """Where tomllib stopped: 1-based line and column; None at the end of the document."""

    line: int | None
    column: int | None


def plain_message(message: str, text: str, where: Position) -> tuple[str, Position]:
    """tomllib's `message` in plain words, and the position to show (the string's opening line
    when a string runs to the end of the file)."""
    lines = text.splitlines()
    line_text = lines[where.line - 1] if where.line and where.line <= len(lines) else ""
    at = line_text[where.column - 1 :] if where.column else ""
    if message in ("Unterminated string", 'Expected "\'"'):
        return _UNTERMINATED_AT_END, _string_start(lines, where)
    if message in {"Illegal character '\\n'", "Illegal character '\\r'"}:
        return _UNTERMINATED, _opening_quote(line_text, where)
    if message.startswith("Illegal character"):
        return "a control character (such as a tab or NUL) inside a string; remove it", where
    if message == "Invalid value":
        return _invalid_value(at), where
    return _RULES.get(_rule_key(message, line_text), message[:1].lower() + message[1:]), where


_UNTERMINATED = 'unterminated string: the closing quote is missing ("..." must close on its line)'
_UNTERMINATED_AT_END = (
    "unterminated string: the closing quote is missing (it runs to the end of the file)"
)

_RULES = {
    "Unclosed array": "unclosed list: a ']' is missing, or a ',' between two items",
    "Expected '=' after a key in a key/value pair": (
        "expected '=' after the key (write key = value; a key with spaces must be quoted)"
    ),
    "Cannot overwrite a value": "this key is set twice in the same table",
    "declared twice": (
        "this table is declared twice (a list of tables, such as accounts, is written [[accounts]] "
        "for each entry)"
    ),
    "date": "not a valid date: write it as YYYY-MM-DD, such as 2026-01-31, without quotes",
    "Expected newline or end of document after a statement": (
        "unexpected text after the value: one key = value per line (text goes in quotes)"
    ),
    "Expected ']' at the end of a table declaration": "table header not closed: ']' is missing",
    "Expected ']]' at the end of an array declaration": "table header not closed: ']]' is missing",
    "Invalid initial character for a key part": (
        "a key is expected here (an inline table { ... } stays on one line, with no comma after "
        "its last item)"
    ),
    "Unescaped '\\' in a string": (
        "a backslash in a \"...\" string must be doubled (\\\\), or use '...' quotes"
    ),
    "Invalid statement": "each line must be key = value, a [table] or an [[array]] header",
}


def _rule_key(message: str, line_text: str) -> str:
    if message.startswith("Cannot declare"):
        return "declared twice"
    if message.startswith("Expected newline or end of document") and _DATE_LIKE.search(line_text):
        return "date"
    return message


def _invalid_value(at: str) -> str:
    stripped = at.strip()
    if not stripped or stripped.startswith("#"):
        return "a value is missing after '='"
    if stripped[0] in _CURLY_QUOTES:
        return 'curly quotes are not TOML quotes: write straight quotes "..."'
    word = _WORD.match(stripped)
    if word and word.group(0) in ("True", "False", "TRUE", "FALSE", "yes", "no"):
        return f"{word.group(0)} is not a TOML value: write true or false (lower case)"
    if word:
        return f'{word.group(0)} is not a TOML value: text goes in quotes ("{word.group(0)}")'
    return "not a TOML value: text goes in quotes, dates as 2026-01-31, lists in [...]"


def _string_start(lines: list[str], where: Position) -> Position:
    """The last line with an unbalanced quote: where the string that never closes begins."""
    for number in range(len(lines), 0, -1):
        text = lines[number - 1]
        if text.count('"') % 2 == 1 or text.count("'") % 2 == 1:
            quote = max(text.rfind('"'), text.rfind("'"))
            return Position(number, quote + 1)
    return where


def _opening_quote(line_text: str, where: Position) -> Position:
    """The column of the quote that opens the string left open at the end of this line."""
    end = (where.column or len(line_text) + 1) - 1
    quote = max(line_text.rfind('"', 0, end), line_text.rfind("'", 0, end))
    return Position(where.line, quote + 1) if quote >= 0 else where
