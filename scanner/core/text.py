"""One sanitiser for every sink: text posture did not write (inventory, imports, suppressions, the
state database) reaches a terminal, an XML document or Markdown as text, never as control codes
or markup.

- `one_line`: a value inside a line of output. Every C0 and C1 control character, DEL, the Unicode
  bidirectional overrides and isolates (which reorder what a reader sees) and the line and
  paragraph separators are shown escaped (`\\x1b`, `\\u202e`), so a value can neither move the
  cursor, retitle the window, hide text nor start a fake line.
- `terminal`: a whole block of posture's own lines, as a last guard: the same escapes except for
  newline and tab, and except posture's own colour codes (SGR: `ESC [ digits m`).
- `xml`: what XML 1.0 cannot carry (C0 controls but tab, newline, carriage return; U+FFFE/FFFF;
  lone surrogates) and the C1 controls, escaped as visible text, so JUnit parses.
- `markdown`: inline Markdown that renders as the same text: link, image, emphasis, code and
  HTML syntax escaped, so `![](https://evil)` in a person's name is text, not an image.
"""

from __future__ import annotations

import re

_BIDI_AND_SEPARATORS = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}]")
_BLOCK_CONTROLS = re.compile(f"\x1b\\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Backslash-escaped (CommonMark allows it before any ASCII punctuation): `<` and `>` so no HTML,
# `&` so no entity such as `&#8238;` can bring back a character `one_line` escaped.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~<>&])")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str) -> str:
    """`text` safe inside one line of terminal output: every control character shown escaped."""
    if text.isascii() and text.isprintable():
        return text  # no control character: the common case, without the search below
    return _CONTROLS.sub(lambda m: _escape(m[0]), text)


def terminal(text: str) -> str:
    """A block of output lines: controls escaped except newline, tab and posture's colour codes."""
    if text.isascii() and text.replace("\n", "").replace("\t", "").isprintable():
        return text  # nothing to escape: the common case, 4x quicker than the search below
    return _BLOCK_CONTROLS.sub(lambda m: m[0] if len(m[0]) > 1 else _escape(m[0]), text)


def xml(text: str) -> str:
    """`text` (or a whole serialised document) with what XML 1.0 cannot carry shown escaped."""
    return _NOT_XML.sub(lambda m: _escape(m[0]), text)


def markdown(text: str) -> str:
    """Inline Markdown showing `text` as is: one line, no HTML, no link, image or emphasis."""
    flat = one_line(text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    return _MARKDOWN.sub(r"\\\1", flat)


_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI_AND_SEPARATORS}]")


def json_document(document: str) -> str:
    """A serialised JSON document (json.dumps escapes C0 itself) with DEL, the C1 controls and
    the bidi characters written as `\\uXXXX`: the same data when parsed, inert when printed."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", document)
