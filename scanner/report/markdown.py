"""`--format markdown`: summary and tables for a CI step summary or a ticket."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.core.model import Finding, Status
from scanner.engine.run import ScanResult
from scanner.report.interface import Report


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, line breaks or raw HTML."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


class MarkdownReport(Report):
    name = "markdown"
    suffix = ".md"

    def render(self, result: ScanResult) -> str:
        inventory = result.context.inventory
        summary = result.summary()
        checks = {c.id: c for c in result.checks}
        history = result.history
        suppressed_by = {
            sev: sum(1 for f in result.findings if f.suppressed and f.severity.value == sev)
            for sev in summary.failed_by_severity
        }
        out = [
            f"# posture scan: {cell(inventory.organization.name)}",
            "",
            f"**Posture score: {summary.score}/100**"
            + "".join(f" · {cell(note)}" for note in summary.score_notes)
            + f" · as of {result.context.today} · "
            f"{summary.accounts} accounts · {summary.checks} checks"
            + (" · **scan incomplete**" if summary.incomplete else ""),
            "",
            *table(
                ["severity", "failed", "of which suppressed"],
                [
                    (sev, str(n), str(suppressed_by[sev]))
                    for sev, n in summary.failed_by_severity.items()
                ],
            ),
            "",
        ]
        if history is not None and history.previous is not None:
            previous = history.previous
            out += [
                f"## Since scan #{previous.id} ({previous.finished:%Y-%m-%d %H:%M} UTC, "
                f"score {previous.score})",
                "",
                f"{len(history.new)} new, {len(history.fixed)} fixed.",
                "",
            ]
            rows = [
                ("new", f.severity.value, f.check_id, f.account, f.message) for f in history.new
            ]
            rows += [
                ("fixed", f.severity.value, f.check_id, f.account, f.message) for f in history.fixed
            ]
            if rows:
                out += [*table(["change", "severity", "check", "account", "finding"], rows), ""]
        failing = _ordered([f for f in result.findings if f.actionable])
        out += ["## Findings to fix", ""]
        if failing:
            out += table(
                ["severity", "check", "account", "finding", "how to fix it"],
                [
                    (
                        f.severity.value + (" (new)" if _is_new(result, f) else ""),
                        f.check_id,
                        f.account,
                        f.message,
                        checks[f.check_id].remediation if f.check_id in checks else "",
                    )
                    for f in failing
                ],
            )
        else:
            out.append("Nothing to fix.")
        out.append("")
        suppressed = _ordered([f for f in result.findings if f.suppressed])
        if suppressed:
            out += ["## Suppressed (accepted risks)", ""]
            out += table(
                ["severity", "check", "account", "reason", "owner", "expires"],
                [
                    (
                        f.severity.value,
                        f.check_id,
                        f.account,
                        f.suppression.reason,
                        f.suppression.owner,
                        f.suppression.expires.isoformat(),
                    )
                    for f in suppressed
                    if f.suppression is not None
                ],
            )
            out.append("")
        errors = [f for f in result.findings if f.status is Status.ERROR]
        if errors:
            out += ["## Checks that errored", ""]
            out += [f"- {cell(f.check_id)} on {cell(f.account)}: {cell(f.message)}" for f in errors]
            out.append("")
        notices = result.suppression_review.notices
        if notices or result.notes:
            out += ["## Notes", ""]
            out += [f"- {cell(n.text)}" for n in notices]
            out += [f"- {cell(note)}" for note in result.notes]
            out.append("")
        return "\n".join(out)


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.account, f.check_id))


def _is_new(result: ScanResult, finding: Finding) -> bool:
    history = result.history
    return history is not None and history.previous is not None and history.is_new(finding)
