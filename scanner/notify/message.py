"""The message a scan sends: what changed since the last message, in a few lines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.core.markdown import escape_markdown as md
from scanner.core.model import Finding, Severity
from scanner.engine.run import ScanResult

MAX_LISTED = 20


@dataclass(frozen=True)
class Reminder:
    """A standing condition worth repeating now and then (an incident open too long...)."""

    key: str  # stable identity, so a reminder is repeated every remind_days, not every scan
    text: str


@dataclass(frozen=True)
class Pending:
    """What this scan has to say: new failures, fixes, reminders."""

    new: tuple[Finding, ...] = ()
    fixed: tuple[Finding, ...] = ()
    reminders: tuple[Reminder, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.new or self.fixed or self.reminders)


@dataclass(frozen=True)
class Message:
    title: str
    markdown: str


def compose(
    result: ScanResult,
    pending: Pending,
    *,
    report_path: str | None = None,
    heartbeat: bool = False,
) -> Message:
    """The title and Markdown body for `pending` (or a heartbeat when it is empty)."""
    org = result.context.inventory.organization.name
    lines = _headline(result)
    if pending.new:
        lines += ["", f"New since the last message ({len(pending.new)}):"]
        lines += _finding_lines(result, pending.new)
    if pending.fixed:
        lines += ["", _fixed_line(pending.fixed)]
    if pending.reminders:
        lines += ["", "Reminders:"] + [f"- {r.text}" for r in pending.reminders[:MAX_LISTED]]
    if report_path:
        lines += ["", f"Full report: {md(report_path)}"]
    return Message(title=_title(org, pending, heartbeat), markdown="\n".join(lines) + "\n")


def _title(org: str, pending: Pending, heartbeat: bool) -> str:
    if pending.new:
        count = len(pending.new)
        return f"posture: {org}: {count} new finding{'s' if count != 1 else ''}"
    if pending.empty and heartbeat:
        return f"posture: {org}: scan ran, nothing new"
    return f"posture: {org}: scan update"


def _headline(result: ScanResult) -> list[str]:
    summary = result.summary()
    org = result.context.inventory.organization.name
    counts = [f"{n} {severity}" for severity, n in summary.failed_by_severity.items() if n]
    suppressed = f" ({summary.suppressed} suppressed)" if summary.suppressed else ""
    return [
        f"**{md(org)}**: score {summary.score}/100 on {result.context.today.isoformat()}",
        f"Open failures: {', '.join(counts) or 'none'}{suppressed}",
    ]


def _fixed_line(fixed: Sequence[Finding]) -> str:
    shown = ", ".join(f"{md(f.account)} {f.check_id}" for f in fixed[:MAX_LISTED])
    more = len(fixed) - MAX_LISTED
    return f"Fixed ({len(fixed)}): {shown}" + (f" and {more} more" if more > 0 else "")


def _finding_lines(result: ScanResult, findings: Sequence[Finding]) -> list[str]:
    by_id = {check.id: check for check in result.checks}
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.account, f.check_id))
    lines = []
    for finding in ordered[:MAX_LISTED]:
        check = by_id.get(finding.check_id)
        title = check.title if check else finding.check_id
        fix = _first_sentence(check.remediation) if check else ""
        lines.append(
            f"- **{finding.severity.value}** {md(finding.account)} · {finding.check_id} "
            f"{title}: {fix}"
        )
    if len(ordered) > MAX_LISTED:
        lines.append(f"- and {len(ordered) - MAX_LISTED} more")
    return lines


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=\.)\s", text.strip(), maxsplit=1)[0]
    return sentence.replace("`", "")


def at_or_above(finding: Finding, minimum: Severity) -> bool:
    return finding.severity.rank >= minimum.rank
