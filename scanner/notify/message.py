"""The message a scan sends: what changed since the last message, in a few lines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def md(text: str) -> str:
    """Text from the inventory (our own catalogue text is trusted) made inert in Markdown: no links, images, emphasis or control characters."""
    return _MD_SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", text))


def compose(
    result: ScanResult,
    pending: Pending,
    *,
    report_path: str | None = None,
    heartbeat: bool = False,
) -> Message:
    """The title and Markdown body for `pending` (or a heartbeat when it is empty)."""
    org = result.context.inventory.organization.name
    summary = result.summary()
    if pending.new:
        count = len(pending.new)
        title = f"posture: {org}: {count} new finding{'s' if count != 1 else ''}"
    elif pending.empty and heartbeat:
        title = f"posture: {org}: scan ran, nothing new"
    else:
        title = f"posture: {org}: scan update"
    open_counts = ", ".join(
        f"{n} {severity}" for severity, n in summary.failed_by_severity.items() if n
    )
    lines = [
        f"**{md(org)}**: score {summary.score}/100 on {result.context.today.isoformat()}",
        f"Open failures: {open_counts or 'none'}"
        + (f" ({summary.suppressed} suppressed)" if summary.suppressed else ""),
    ]
    if pending.new:
        lines += ["", f"New since the last message ({len(pending.new)}):"]
        lines += _finding_lines(result, pending.new)
    if pending.fixed:
        shown = ", ".join(f"{md(f.account)} {f.check_id}" for f in pending.fixed[:MAX_LISTED])
        more = len(pending.fixed) - MAX_LISTED
        lines += [
            "",
            f"Fixed ({len(pending.fixed)}): {shown}" + (f" and {more} more" if more > 0 else ""),
        ]
    if pending.reminders:
        lines += ["", "Reminders:"] + [f"- {r.text}" for r in pending.reminders[:MAX_LISTED]]
    if report_path:
        lines += ["", f"Full report: {md(report_path)}"]
    return Message(title=title, markdown="\n".join(lines) + "\n")


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
