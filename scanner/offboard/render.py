"""An offboarding plan (and its case record) as terminal text or Markdown.

The header is offboarding's own; the accounts and steps are drawn by the breach checklist's
renderer, so a step looks the same in both and operator text is cleaned in one place.
"""

from __future__ import annotations

from scanner.breach.checklist import markdown_steps, markdown_text, text_steps, when
from scanner.breach.runbook import Checklist
from scanner.core.text import one_line
from scanner.offboard.cases import Case
from scanner.offboard.plan import GENERIC_PHASE, Leaver


def _what(checklist: Checklist) -> str:
    accounts = sum(1 for p in checklist.phases if p.id != GENERIC_PHASE)
    kind = "agency" if checklist.platform == "agency" else "leaver"
    return f"Offboarding checklist: {checklist.label} ({checklist.account}), {kind}; {accounts} account{'s' if accounts != 1 else ''} tied"


def _header(checklist: Checklist, who: Leaver | None, case: Case | None) -> list[str]:
    lines = [
        one_line(_what(checklist)),
        f"{len(checklist.steps)} steps, {len(checklist.required_ids)} required to close.",
    ]
    if case is None:
        day = f" (case date {who.on.isoformat()})" if who else ""
        lines.append(f"Plan only: nothing is recorded{day}. To open a case, run:")
        lines.append(f"  posture offboard start {checklist.account}")
        return lines
    opened = f"Case #{case.id}: {case.status}. Opened {when(case.opened_at)} by {one_line(case.opened_by)}"
    if case.note:
        opened += f": {one_line(case.note)}"
    lines.append(opened)
    lines.append(
        f"Counts from {case.starts_on.isoformat()} (GOV-003 fails past the policy's offboarding_max_days)."
    )
    if case.closed_at:
        closed = f"Closed {when(case.closed_at)} by {one_line(case.closed_by or '')}"
        if case.close_reason:
            closed += f": {one_line(case.close_reason)}"
        lines.append(closed)
        if case.verification:
            lines.append(f"Unverified at close: {one_line('; '.join(case.verification))}")
    lines.append(f"Progress: {case.progress()}.")
    if case.is_open:
        lines.append("Tick a step (its id or number) with:")
        lines.append(
            f"  posture offboard done {checklist.account} STEP [--to PERSON] [--note TEXT]"
        )
        lines.append(
            f"Close it (verified by the checks) with: posture offboard close {checklist.account}"
        )
    return lines


def render_text(checklist: Checklist, case: Case | None = None, who: Leaver | None = None) -> str:
    """The plan for a terminal; with `case`, each step shows whether and when it was done."""
    return (
        "\n".join(_header(checklist, who, case) + text_steps(checklist, case, upper=False)) + "\n"
    )


def render_markdown(checklist: Checklist, case: Case | None = None) -> str:
    """The plan as Markdown for a ticket; with `case`, also its record (who ticked what, when)."""
    out = [f"# {markdown_text(_what(checklist))}", ""]
    out.append(f"- Steps: {len(checklist.steps)}, {len(checklist.required_ids)} required to close")
    if case is not None:
        out.append(f"- Case: #{case.id}, {case.status}")
        out.append(f"- Counts from: {case.starts_on.isoformat()}")
        out.append(f"- Opened: {case.opened_at} by {markdown_text(case.opened_by)}")
        if case.closed_at:
            out.append(f"- Closed: {case.closed_at} by {markdown_text(case.closed_by or '')}")
        if case.close_reason:
            out.append(f"- Close reason: {markdown_text(case.close_reason)}")
        if case.verification:
            out.append(f"- Unverified at close: {markdown_text('; '.join(case.verification))}")
        out.append(f"- Progress: {case.progress()}")
    out += markdown_steps(checklist, case)
    return "\n".join(out) + "\n"
