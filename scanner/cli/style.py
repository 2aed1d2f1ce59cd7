"""Colour for severities and statuses on a terminal; plain text everywhere else.

Colour is on when stdout is a terminal, off when `NO_COLOR` is set (https://no-color.org) or
the output is piped or written to a file. `FORCE_COLOR` (or `CLICOLOR_FORCE`) turns it on
anyway, for `less -R`. Colour only wraps whole words, so aligned tables stay aligned.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

import typer

# Worst in bold red, down to info in dim; FAIL red, PASS green, SKIPPED and ERROR apart.
_STYLES: dict[str, dict[str, object]] = {
    "critical": {"fg": "red", "bold": True},
    "high": {"fg": "red"},
    "medium": {"fg": "yellow"},
    "low": {"fg": "cyan"},
    "info": {"dim": True},
    "FAIL": {"fg": "red", "bold": True},
    "PASS": {"fg": "green"},
    "SKIPPED": {"fg": "yellow"},
    "ERROR": {"fg": "magenta", "bold": True},
    "open": {"fg": "red", "bold": True},
    "locked": {"fg": "yellow"},
    "missing": {"fg": "yellow"},
}

# A findings row of the table report starts with its status and then its severity.
_FINDING_ROW = re.compile(
    r"^(?P<status>FAIL|PASS|SKIPPED|ERROR)(?P<gap>\s+)(?P<severity>critical|high|medium|low|info)\b",
    re.MULTILINE,
)


def colour_enabled(stream: TextIO | None = None) -> bool:
    """True when output to `stream` (default stdout) should be coloured."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE"):
        return True
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def paint(word: str, *, enabled: bool) -> str:
    """`word` in its colour when enabled and it has one; else unchanged."""
    style = _STYLES.get(word)
    if not enabled or style is None:
        return word
    return typer.style(word, **style)  # type: ignore[arg-type]


def paint_findings(text: str, *, enabled: bool) -> str:
    """Colour the status and severity at the start of each findings row of a table report."""
    if not enabled:
        return text

    def repaint(match: re.Match[str]) -> str:
        return (
            paint(match["status"], enabled=True)
            + match["gap"]
            + paint(match["severity"], enabled=True)
        )

    return _FINDING_ROW.sub(repaint, text)
