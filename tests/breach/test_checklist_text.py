"""How a checklist prints on a terminal and as Markdown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scanner.breach.checklist import WIDTH, render_markdown, render_text
from scanner.breach.incidents import IncidentLog
from scanner.breach.runbook import tailor_checklist
from scanner.inventory.accounts import Inventory
from scanner.state.db import StateDB
from tests.breach.conftest import TODAY

AT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "account_id", ["x-main", "facebook-page", "linkedin-page", "youtube-channel", "tiktok-brand"]
)
def test_urls_and_commands_print_whole_on_their_own_lines(inventory: Inventory, account_id: str):
    checklist = tailor_checklist(inventory, inventory.account(account_id), today=TODAY)
    lines = render_text(checklist).splitlines()
    stripped = {line.strip() for line in lines}
    for step in checklist.steps:
        if step.url:
            assert step.url in stripped
        if step.command:
            assert f"run: {step.command}" in stripped
    # Prose wraps to the width; only a line holding a URL or a command may run past it.
    assert all(
        len(line) <= WIDTH or "https://" in line or line.strip().startswith(("run: ", "posture "))
        for line in lines
    )


def test_text_has_phase_headings_and_steps_numbered_across_phases(inventory: Inventory):
    checklist = tailor_checklist(inventory, inventory.account("x-main"), today=TODAY)
    text = render_text(checklist)
    headings = [line for line in text.splitlines() if line.split(":")[0].isupper()]
    assert [h.split(":")[0] for h in headings] == [
        "CONTAIN",
        "ERADICATE",
        "RECOVER",
        "NOTIFY",
        "LEARN",
    ]
    numbers = [
        int(line.split(".")[0])
        for line in text.splitlines()
        if line[:4].strip().rstrip(".").isdigit()
    ]
    assert numbers == list(range(1, len(checklist.steps) + 1))
    assert "Drill only: nothing is recorded" in text


def test_markdown_has_headings_checkboxes_and_autolinked_sources(inventory: Inventory):
    checklist = tailor_checklist(inventory, inventory.account("facebook-page"), today=TODAY)
    md = render_markdown(checklist)
    assert md.startswith("# Breach checklist: facebook-page \\(Acme Outdoor\\) on Facebook\n")
    assert "## Contain: take the account back and lock the attacker out" in md
    assert "1. [ ] **Secure social-mailbox \\(social@acme.example\\) first" in md
    assert "<https://www.facebook.com/hacked>" in md
    assert "<https://www.ncsc.gov.uk/guidance/recovering-a-hacked-account>" in md
    assert "Run: `posture vault rotate facebook-page`" in md


def test_operator_text_cannot_inject_terminal_escapes_or_markdown(
    inventory: Inventory, db_path: Path
):
    checklist = tailor_checklist(inventory, inventory.account("x-main"), today=TODAY)
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(checklist, by="dana", note="red \x1b[31malert\x1b[0m\nsecond line", now=AT)
        incident, _ = log.tick("x-main", "1", by="lee", note="see [link](http://evil) | x", now=AT)
    text = render_text(checklist, incident)
    assert "\x1b" not in text
    assert "second line" in text
    assert "\nsecond line" not in text
    md = render_markdown(checklist, incident)
    assert "\\[link\\]\\(http://evil\\) \\| x" in md
    assert "\x1b" not in md


def test_markdown_record_lists_who_ticked_what_and_when(inventory: Inventory, db_path: Path):
    checklist = tailor_checklist(inventory, inventory.account("x-main"), today=TODAY)
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(checklist, by="dana", note="drill", now=AT)
        log.tick("x-main", "rotate-password", by="priya", note="from IT laptop", now=AT)
        incident = log.close("x-main", by="maria", force=True, reason="drill ended", now=AT)
    md = render_markdown(checklist, incident)
    record = md.split("## Record\n", 1)[1]
    assert record.splitlines()[1:] == [
        "- 2026-11-23T09:30:00Z opened by dana: drill",
        "- 2026-11-23T09:30:00Z priya ticked step 5 `rotate-password`: from IT laptop",
        "- 2026-11-23T09:30:00Z closed (forced) by maria: drill ended",
    ]
    assert "- Incident: #1, closed (forced)" in md
    assert "5. [x] **Change the password now, from a clean device**" in md
