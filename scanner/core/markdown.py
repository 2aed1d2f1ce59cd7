"""Text from the inventory made inert in Markdown: no links, images, emphasis or raw HTML.

The rule lives in `scanner.core.text` (one sanitiser for every sink); this name stays for the
handbook and the notification messages."""

from __future__ import annotations

from scanner.core.text import markdown


def escape_markdown(text: str) -> str:
    """`text` as literal Markdown: special characters escaped, controls shown escaped."""
    return markdown(text)
