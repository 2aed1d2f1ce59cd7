"""Text from the inventory made inert in Markdown: no links, images, emphasis or raw HTML."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_markdown(text: str) -> str:
    """`text` as literal Markdown: special characters backslash-escaped, controls as spaces."""
    return _SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", text))
