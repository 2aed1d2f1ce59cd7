"""A checklist (and its incident record) as terminal text or as Markdown for a ticket.

Phases are headings, steps are numbered across the whole checklist (so "step 7" is one step),
and URLs and commands stand on their own lines, never wrapped or cut.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

from scanner.breach.incidents import Incident
from scanner.breach.runbook import Checklist, ChecklistStep, Phase
from scanner.core.text import markdown, one_line

WIDTH = 92
_SOURCE = re.compile(r"^(.*) <(https://\S+)>$")


def _clean(text: str) -> str:
    """Text from the inventory, the runbook or an operator on one line, controls shown escaped."""
    return one_line(" ".join(text.split()))


def _md(text: str) -> str:
    return markdown(" ".join(text.split()))


def _when(stamp: str) -> str:
    """`2026-11-23T14:02:11Z` as `2026-11-23 14:02 UTC`."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 else stamp


def _fill(text: str, indent: str) -> str:
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _header_lines(checklist: Checklist, incident: Incident | None) -> list[str]:
    required = len(checklist.required_ids)
    lines = [
        f"Breach checklist: {_clean(checklist.label)} on {_clean(checklist.platform)}",
        f"{len(checklist.steps)} steps, {required} required to close.",
        f"Attack vector: {_vector_text(checklist.vector)}.",
    ]
    if incident is None:
        lines.append("Drill only: nothing is recorded. To open an incident, run:")
        again = "" if checklist.vector == "unknown" else f" --vector {checklist.vector}"
        lines.append(f"  posture breach start {checklist.account}{again}")
        return lines
    opened = f"Incident #{incident.id}: {incident.status}. Opened {_when(incident.opened_at)}"
    opened += f" by {_clean(incident.opened_by)}"
    if incident.note:
        opened += f": {_clean(incident.note)}"
    lines.append(opened)
    if incident.closed_at:
        closed = f"Closed {_when(incident.closed_at)} by {_clean(incident.closed_by or '')}"
        if incident.close_reason:
            closed += f": {_clean(incident.close_reason)}"
        lines.append(closed)
    lines.append(f"Progress: {incident.progress()}.")
    if incident.is_open:
        lines.append("Tick a step (its id or number) with:")
        lines.append(f"  posture breach done {checklist.account} STEP [--note TEXT]")
    return lines


def _vector_text(vector: str) -> str:
    if vector == "unknown":
        return "unknown (every step that may apply; narrow it with --vector)"
    return _clean(vector)


def render_text(checklist: Checklist, incident: Incident | None = None) -> str:
    """The checklist for a terminal; with `incident`, each step shows whether and when it was done."""
    out = _header_lines(checklist, incident) + text_steps(checklist, incident)
    return "\n".join(out) + "\n"


def text_steps(
    checklist: Checklist, incident: Incident | None = None, *, upper: bool = True
) -> list[str]:
    """The phases and numbered steps as terminal lines (shared with `posture offboard`, whose
    phases are accounts: their titles keep their case)."""
    out: list[str] = []
    for phase, numbered in _numbered(checklist):
        title = _clean(phase.title).upper() if upper else _clean(phase.title)
        out += ["", f"{title}: {_clean(phase.summary)}", ""]
        for number, step in numbered:
            out += _text_step(number, step, incident)
    return out


def _numbered(checklist: Checklist) -> Iterator[tuple[Phase, list[tuple[int, ChecklistStep]]]]:
    """Each phase that has steps, with its steps numbered across the whole checklist."""
    number = 0
    for phase in checklist.phases:
        steps = checklist.in_phase(phase.id)
        if steps:
            yield phase, [(number + offset, step) for offset, step in enumerate(steps, 1)]
            number += len(steps)


def _text_step(number: int, step: ChecklistStep, incident: Incident | None) -> list[str]:
    tick = incident.tick_for(step.id) if incident else None
    box = "[x]" if tick else "[ ]"
    lead = f"{number:>3}. {box} "
    indent = " " * len(lead)
    title = _fill(_clean(step.title), indent)
    lines = [lead + title[len(indent) :]]
    kind = "required" if step.required else "optional"
    lines.append(f"{indent}id: {step.id} ({kind})")
    lines.append(_fill(f"why: {_clean(step.why)}", indent))
    if step.command:
        lines.append(f"{indent}run: {_clean(step.command)}")
    if step.url:
        lines.append(f"{indent}{_clean(step.url)}")
    if tick:
        done = f"done {_when(tick.done_at)} by {_clean(tick.done_by)}"
        if tick.note:
            done += f": {_clean(tick.note)}"
        lines.append(_fill(done, indent))
    lines.append("")
    return lines


def render_markdown(checklist: Checklist, incident: Incident | None = None) -> str:
    """The checklist as Markdown; with `incident`, also its record (who ticked what, when)."""
    out = [f"# Breach checklist: {_md(checklist.label)} on {_md(checklist.platform)}", ""]
    out.append(f"- Steps: {len(checklist.steps)}, {len(checklist.required_ids)} required to close")
    out.append(f"- Attack vector: {_md(checklist.vector)}")
    if incident is not None:
        out.append(f"- Incident: #{incident.id}, {incident.status}")
        out.append(f"- Opened: {incident.opened_at} by {_md(incident.opened_by)}")
        if incident.closed_at:
            out.append(f"- Closed: {incident.closed_at} by {_md(incident.closed_by or '')}")
        if incident.close_reason:
            out.append(f"- Close reason: {_md(incident.close_reason)}")
        out.append(f"- Progress: {incident.progress()}")
    out += markdown_steps(checklist, incident)
    return "\n".join(out) + "\n"


def markdown_steps(checklist: Checklist, incident: Incident | None = None) -> list[str]:
    """The phases and numbered steps as Markdown, then the record when there is one (shared
    with `posture offboard`)."""
    out: list[str] = []
    for phase, numbered in _numbered(checklist):
        out += ["", f"## {_md(phase.title)}: {_md(phase.summary)}", ""]
        for number, step in numbered:
            out += _md_step(number, step, incident)
    if incident is not None:
        out += ["", "## Record", ""]
        out += _record(incident)
    return out


def markdown_text(text: str) -> str:
    """Operator text escaped for Markdown, on one line."""
    return _md(text)


def when(stamp: str) -> str:
    """`2026-11-23T14:02:11Z` as `2026-11-23 14:02 UTC`."""
    return _when(stamp)


def _md_step(number: int, step: ChecklistStep, incident: Incident | None) -> list[str]:
    tick = incident.tick_for(step.id) if incident else None
    box = "[x]" if tick else "[ ]"
    kind = "required" if step.required else "optional"
    pad = " " * (len(str(number)) + 2)
    # Two trailing spaces end a line inside a list item without starting a new paragraph.
    lines = [f"{number}. {box} **{_md(step.title)}** (`{step.id}`, {kind})  "]
    lines.append(f"{pad}Why: {_md(step.why)}  ")
    if step.command:
        lines.append(f"{pad}Run: `{_clean(step.command).replace('`', '')}`  ")
    if step.url:
        lines.append(f"{pad}<{_clean(step.url).replace('>', '%3E')}>  ")
    if step.source:
        lines.append(f"{pad}Source: {_md_source(step.source)}  ")
    if tick:
        done = f"Done {tick.done_at} by {_md(tick.done_by)}"
        if tick.note:
            done += f": {_md(tick.note)}"
        lines.append(f"{pad}{done}  ")
    lines[-1] = lines[-1].rstrip()
    return lines


def _md_source(source: str) -> str:
    """`Title <https://...>` with the title escaped and the URL left whole as an autolink."""
    found = _SOURCE.match(source)
    return f"{_md(found[1])} <{found[2]}>" if found else _md(source)


def _record(incident: Incident) -> list[str]:
    numbers = {s.id: i for i, s in enumerate(incident.checklist.steps, start=1)}
    events = [(incident.opened_at, 0, f"opened by {_md(incident.opened_by)}", incident.note)]
    for tick in incident.ticks:
        what = f"{_md(tick.done_by)} ticked step {numbers.get(tick.step_id, '?')} `{tick.step_id}`"
        events.append((tick.done_at, 1, what, tick.note))
    if incident.closed_at:
        how = "closed (forced)" if incident.forced else "closed"
        events.append(
            (
                incident.closed_at,
                2,
                f"{how} by {_md(incident.closed_by or '')}",
                incident.close_reason,
            )
        )
    lines = []
    for at, _, what, note in sorted(events, key=lambda e: (e[0], e[1])):
        lines.append(f"- {at} {what}" + (f": {_md(note)}" if note else ""))
    return lines
