"""`--format table` (default): findings grouped by account, then a summary, for a terminal."""

from __future__ import annotations

from collections import defaultdict

from tabulate import tabulate

from scanner.core.model import Finding, Status
from scanner.core.text import one_line, terminal
from scanner.engine.run import ScanResult
from scanner.report.interface import Report


class TableReport(Report):
    name = "table"
    suffix = ".txt"

    def __init__(self, show_passed: bool = False, show_suppressed: bool = False) -> None:
        self.show_passed = show_passed
        self.show_suppressed = show_suppressed

    def render(self, result: ScanResult) -> str:
        inventory = result.context.inventory
        by_account: dict[str, list[Finding]] = defaultdict(list)
        for finding in result.findings:
            if finding.status is Status.PASS and not self.show_passed:
                continue
            if finding.status is Status.SKIPPED and not self.show_passed:
                continue
            if finding.suppressed and not self.show_suppressed:
                continue
            by_account[finding.account].append(finding)
        out = [
            f"posture scan of {one_line(inventory.organization.name)} ({one_line(str(inventory.path))}), "
            f"as of {result.context.today}",
            "",
        ]
        for account in inventory.accounts:
            rows = sorted(
                by_account.get(account.id, []), key=lambda f: (-f.severity.rank, f.check_id)
            )
            title = one_line(f"{account.label} [{account.platform}, {account.tier.value}]")
            if not rows:
                out += [f"== {title}: no findings", ""]
                continue
            out.append(f"== {title}")
            out.append(
                tabulate(
                    [
                        (_status(f, result), f.severity.value, f.check_id, one_line(f.message))
                        for f in rows
                    ],
                    headers=["status", "severity", "check", "finding"],
                    tablefmt="simple",
                    maxcolwidths=[None, None, None, 90],
                )
            )
            out.append("")
        summary = result.summary()
        counts = [(sev, n) for sev, n in summary.failed_by_severity.items()]
        out.append("Summary")
        out.append(tabulate(counts, headers=["severity", "failed"], tablefmt="simple"))
        out.append("")
        status = ", ".join(f"{n} {s.lower()}" for s, n in summary.by_status.items() if n)
        out.append(f"{summary.accounts} accounts, {summary.checks} checks: {status}")
        out.append(f"Posture score: {summary.score}/100")
        if summary.suppressed:
            shown = "shown as FAIL (suppressed)" if self.show_suppressed else "hidden"
            hint = "" if self.show_suppressed else "; --show-suppressed lists them"
            out.append(
                f"{summary.suppressed} suppressed failures {shown}: they still lower the score "
                f"but not the exit code{hint}"
            )
        if summary.incomplete:
            out.append("Scan INCOMPLETE: some checks errored (see ERROR rows).")
        out.extend(_changes(result))
        out.extend(f"Suppressions: {one_line(n.text)}" for n in result.suppression_review.notices)
        out.extend(one_line(note) for note in result.notes)
        return terminal("\n".join(out)) + "\n"


def _status(finding: Finding, result: ScanResult) -> str:
    text = finding.status.value
    if finding.suppressed:
        text += " (suppressed)"
    if result.history is not None and result.history.previous and result.history.is_new(finding):
        text += " NEW"
    return text


def _changes(result: ScanResult) -> list[str]:
    history = result.history
    if history is None:
        return []
    if history.previous is None:
        return [f"First recorded scan of this inventory (scan #{history.scan_id})."]
    previous = history.previous
    lines = [
        f"Since scan #{previous.id} ({previous.finished:%Y-%m-%d %H:%M} UTC, score "
        f"{previous.score}): {len(history.new)} new, {len(history.fixed)} fixed"
    ]
    lines += [f"  new:   {f.check_id} on {f.account}: {one_line(f.message)}" for f in history.new]
    lines += [f"  fixed: {f.check_id} on {f.account}: {one_line(f.message)}" for f in history.fixed]
    return lines
