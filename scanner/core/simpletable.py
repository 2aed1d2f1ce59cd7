"""tabulate's "simple" table layout for cells of plain printable ASCII, without tabulate.

Importing tabulate costs about a third of a short command such as `posture checks` (it loads
`importlib.metadata` and `email`), and a 10,000-account table calls it 10,000 times. For the
common case, cells that are plain printable ASCII, tabulate's rules are simple: each column is
as wide as its widest cell or its header + 2, cells are left-aligned, columns are two spaces
apart and trailing spaces are stripped. Anything else (wide or control characters, cells
tabulate would read as numbers or booleans) is left to tabulate; tests compare the two.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

GAP = "  "  # between columns, as tabulate's "simple" format
MIN_PADDING = 2  # a column is at least its header + 2 wide, as in tabulate


def layout(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str | None:
    """`tabulate(rows, headers, tablefmt="simple")` when every cell is plain, else None."""
    if not all(plain(cell) for row in rows for cell in row):
        return None
    widths = [len(h) + MIN_PADDING for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [
        GAP.join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        GAP.join("-" * w for w in widths),
    ]
    lines += [
        GAP.join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def plain(text: str) -> bool:
    """Printable ASCII with no surrounding spaces that tabulate would not read as a number or
    a boolean: the cells whose layout needs no type guessing, ANSI stripping or wide widths."""
    if not (text.isascii() and text.isprintable()) or text != text.strip():
        return False
    # A number or a boolean has no inner space; most findings do, so they skip the parsing.
    return " " in text or _plain_word(text)


@functools.lru_cache(maxsize=4096)
def _plain_word(text: str) -> bool:
    if not text or text in ("True", "False"):
        return False
    try:
        float(text.replace(",", ""))
    except ValueError:
        pass
    else:
        return False
    try:
        int(text, 0)
    except ValueError:
        return True
    return False
