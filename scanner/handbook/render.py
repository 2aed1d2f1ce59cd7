"""The handbook as Markdown (for a wiki or a ticket) or one self-contained HTML page that prints
well on paper. Inventory text is escaped for each format."""

from __future__ import annotations

import html
from collections.abc import Callable

from scanner.core.markdown import escape_markdown
from scanner.core.text import xml
from scanner.handbook.content import SOURCES, Handbook, Rule, Section, Table


def _cite(source: str) -> tuple[str, str | None]:
    """(label, url) of a source key; policy keys cite the inventory's policy table."""
    if source.startswith("policy:"):
        return f"policy `{source.split(':', 1)[1]}`", None
    label, url = SOURCES[source]
    return label, url


def render_markdown(book: Handbook) -> str:
    md = escape_markdown
    lines = [
        f"# {md(book.organization)} social media handbook",
        "",
        f"Version {book.version}, generated {book.date.isoformat()} from the company's account "
        "inventory and policy.",
        "",
    ]
    for number, section in enumerate(book.sections, start=1):
        lines += [f"## {number}. {section.title}", "", md(section.intro), ""]
        if section.note:
            lines += [f"**{md(section.note)}**", ""]
        lines += [f"- {md(rule.text)} {_md_sources(rule)}" for rule in section.rules]
        if section.rules:
            lines.append("")
        if section.table:
            lines += [*_md_table(section.table, md), ""]
    lines += ["## Sources", ""]
    lines += [f"- {label}: <{url}>" for label, url in SOURCES.values()]
    lines += [
        "",
        f"To acknowledge this handbook, tell IT, who records it with "
        f"`posture handbook ack YOUR-ID` (version {book.version}).",
        "",
    ]
    return "\n".join(lines)


def _md_sources(rule: Rule) -> str:
    cited = []
    for source in rule.sources:
        label, url = _cite(source)
        cited.append(f"[{label}]({url})" if url else label)
    return f"*(Sources: {'; '.join(cited)})*" if cited else ""


def _md_table(table: Table, md: Callable[[str], str]) -> list[str]:
    rows = [
        "| " + " | ".join(table.headers) + " |",
        "|" + "---|" * len(table.headers),
    ]
    rows += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in table.rows]
    return rows


_CSS = """
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f23;
       max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2rem; }
.meta { color: #57606a; margin-top: 0; }
li { margin: .35rem 0; }
.src { color: #57606a; font-size: .85em; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0; font-size: .92em; }
th, td { border: 1px solid #d0d7de; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
a { color: #0969da; }
@page { size: A4; margin: 18mm 16mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, li { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .8em; color: #57606a; }
}
"""


def render_html(book: Handbook) -> str:
    e = html.escape
    title = f"{e(book.organization)} social media handbook"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title><style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="meta">Version {e(book.version)}, generated {book.date.isoformat()} from the '
        "company's account inventory and policy.</p>",
    ]
    for number, section in enumerate(book.sections, start=1):
        parts += _html_section(number, section)
    parts.append("<h2>Sources</h2><ul>")
    parts += [
        f'<li>{e(label)}: <a href="{e(url)}">{e(url)}</a></li>' for label, url in SOURCES.values()
    ]
    parts += [
        "</ul>",
        f"<p>To acknowledge this handbook, tell IT, who records it with "
        f"<code>posture handbook ack YOUR-ID</code> (version {e(book.version)}).</p>",
        "</body></html>",
        "",
    ]
    return xml("\n".join(parts))  # html.escape passes control characters


def _html_section(number: int, section: Section) -> list[str]:
    e = html.escape
    parts = [f"<h2>{number}. {e(section.title)}</h2>", f"<p>{e(section.intro)}</p>"]
    if section.note:
        parts.append(f"<p><strong>{e(section.note)}</strong></p>")
    if section.rules:
        parts.append("<ul>")
        parts += [f"<li>{e(rule.text)} {_html_sources(rule)}</li>" for rule in section.rules]
        parts.append("</ul>")
    if section.table:
        head = "".join(f"<th>{e(h)}</th>" for h in section.table.headers)
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
        for row in section.table.rows:
            cells = "".join(f"<td>{_html_cell(cell)}</td>" for cell in row)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table>")
    return parts


def _html_cell(cell: str) -> str:
    if cell.startswith("https://") and " " not in cell:
        return f'<a href="{html.escape(cell)}">{html.escape(cell)}</a>'
    return html.escape(cell)


def _html_sources(rule: Rule) -> str:
    cited = []
    for source in rule.sources:
        label, url = _cite(source)
        if url:
            cited.append(f'<a href="{html.escape(url)}">{html.escape(label)}</a>')
        else:
            cited.append(html.escape(label).replace("`", ""))
    return f'<span class="src">(Sources: {"; ".join(cited)})</span>' if cited else ""
