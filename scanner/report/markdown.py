"""`--format markdown`: summary and tables for a CI step summary or a ticket.

Bounded at any inventory size (GitHub takes at most 1 MiB per step summary): each table lists at
most a fixed number of rows then says how many more there are, each check's remediation appears
once, and a long cell is cut, so the full list stays in the JSON, CSV or HTML report.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.core.model import Finding
from scanner.core.text import markdown
from scanner.engine.run import ScanResult
from scanner.report.interface import Report
from scanner.report.view import ReportView

# Rows per table and characters per cell: 500 rows of 5 cells of 300 characters stay far below 1 MiB.
MAX_FINDING_ROWS = 500
MAX_CHANGE_ROWS = 200
MAX_SUPPRESSED_ROWS = 200
MAX_LIST_ITEMS = 100
MAX_CELL = 300
FULL_REPORT = (
    "the JSON, CSV or HTML report (`posture scan --format html --output FILE`) lists them all"
)


def cell(text: str, limit: int | None = MAX_CELL) -> str:
    """Text safe inside a Markdown table cell: no pipes, line breaks, raw HTML, links or images,
    cut at `limit`."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return markdown(text)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], limit: int | None = None
) -> list[str]:
    """A Markdown table; past `limit` rows, one line saying how many were left out."""
    shown = rows if limit is None else rows[:limit]
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in shown]
    if len(rows) > len(shown):
        out += ["", f"…and {len(rows) - len(shown)} more; {FULL_REPORT}."]
    return out


def bullets(items: Sequence[str]) -> list[str]:
    out = [f"- {cell(item)}" for item in items[:MAX_LIST_ITEMS]]
    if len(items) > MAX_LIST_ITEMS:
        out.append(f"- …and {len(items) - MAX_LIST_ITEMS} more; {FULL_REPORT}.")
    return out


class MarkdownReport(Report):
    name = "markdown"
    suffix = ".md"

    def render(self, result: ScanResult) -> str:
        view = ReportView.of(result)
        out = _head(view) + _changes(view) + _to_fix(view) + _suppressed(view)
        if view.errors:
            items = [f"{f.check_id} on {f.account}: {f.message}" for f in view.errors]
            out += ["## Checks that errored", "", *bullets(items), ""]
        if view.notes:
            out += ["## Notes", "", *bullets(view.notes), ""]
        return "\n".join(out)


def _head(view: ReportView) -> list[str]:
    summary = view.summary
    context = view.result.context
    return [
        f"# posture scan: {cell(context.inventory.organization.name)}",
        "",
        f"**Posture score: {summary.score}/100**"
        + "".join(f" · {cell(note)}" for note in summary.score_notes)
        + f" · as of {context.today} · "
        f"{summary.accounts} accounts · {summary.checks} checks"
        + (" · **scan incomplete**" if summary.incomplete else ""),
        "",
        *table(
            ["severity", "failed", "of which suppressed"],
            [
                (sev, str(n), str(view.suppressed_by_severity[sev]))
                for sev, n in summary.failed_by_severity.items()
            ],
        ),
        "",
    ]


def _changes(view: ReportView) -> list[str]:
    history = view.result.history
    if history is None or history.previous is None:
        return []
    previous = history.previous
    out = [
        f"## Since scan #{previous.id} ({previous.finished:%Y-%m-%d %H:%M} UTC, "
        f"score {previous.score})",
        "",
        f"{len(history.new)} new, {len(history.fixed)} fixed.",
        "",
    ]
    rows = [("new", f.severity.value, f.check_id, f.account, f.message) for f in history.new]
    rows += [("fixed", f.severity.value, f.check_id, f.account, f.message) for f in history.fixed]
    if rows:
        headers = ["change", "severity", "check", "account", "finding"]
        out += [*table(headers, rows, MAX_CHANGE_ROWS), ""]
    return out


def _to_fix(view: ReportView) -> list[str]:
    failing = view.to_fix
    out = ["## Findings to fix", ""]
    if not failing:
        return [*out, "Nothing to fix.", ""]
    rows = [
        (
            f.severity.value + (" (new)" if view.is_new(f) else ""),
            f.check_id,
            f.account,
            f.message,
        )
        for f in failing
    ]
    out += table(["severity", "check", "account", "finding"], rows, MAX_FINDING_ROWS)
    out += ["", "## How to fix them", "", *_remedies(view, failing)]
    return out


def _remedies(view: ReportView, failing: list[Finding]) -> list[str]:
    """Each failing check's remediation once, in the order the table first shows the check."""
    counts: dict[str, int] = {}
    for finding in failing:
        counts[finding.check_id] = counts.get(finding.check_id, 0) + 1
    out = []
    for check_id, count in counts.items():
        check = view.checks.get(check_id)
        title = check.title if check else check_id
        fix = check.remediation if check else ""
        accounts = "1 account" if count == 1 else f"{count} accounts"
        out.append(f"- **{cell(check_id)}** {cell(title)} ({accounts}): {cell(fix, None)}")
    return [*out, ""]


def _suppressed(view: ReportView) -> list[str]:
    rows = [
        (
            f.severity.value,
            f.check_id,
            f.account,
            f.suppression.reason,
            f.suppression.owner,
            f.suppression.expires.isoformat(),
        )
        for f in view.suppressed
        if f.suppression is not None
    ]
    if not rows:
        return []
    headers = ["severity", "check", "account", "reason", "owner", "expires"]
    return ["## Suppressed (accepted risks)", "", *table(headers, rows, MAX_SUPPRESSED_ROWS), ""]
