"""The incident record in the state database, and the seam `posture vault rotate` uses."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from scanner.breach.incidents import IncidentError, IncidentLog, open_incidents_at, tick_step
from scanner.breach.runbook import ROTATE_STEP, Checklist, parse_runbook, tailor_checklist
from scanner.core.errors import UsageError
from scanner.inventory.accounts import Inventory
from scanner.state.db import StateDB
from tests.breach.conftest import TODAY

AT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


def _checklist(inventory: Inventory, account: str = "x-main") -> Checklist:
    return tailor_checklist(inventory, inventory.account(account), today=TODAY)


def _rows(db_path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with StateDB(db_path, readonly=True) as db:
        incidents = [tuple(r) for r in db.query("SELECT * FROM incidents ORDER BY id")]
        steps = [tuple(r) for r in db.query("SELECT * FROM incident_steps ORDER BY rowid")]
    return incidents, steps


def test_start_keeps_the_checklist_as_printed_even_when_the_runbook_changes(
    inventory: Inventory, db_path: Path
):
    text = resources.files("scanner").joinpath("data/runbook.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data["steps"][0]["title"] = "An older wording of the mailbox step"
    old = tailor_checklist(
        inventory, inventory.account("x-main"), today=TODAY, runbook=parse_runbook(data)
    )
    with StateDB(db_path) as db:
        IncidentLog(db).start(old, by="dana", note=None, now=AT)
    with StateDB(db_path) as db:
        stored = IncidentLog(db).open_incident("x-main")
    assert stored is not None
    assert stored.checklist == old
    assert stored.checklist.step("secure-mailbox").title == "An older wording of the mailbox step"  # type: ignore[union-attr]


def test_second_start_on_an_open_incident_is_refused_and_changes_nothing(
    inventory: Inventory, db_path: Path
):
    with StateDB(db_path) as db:
        IncidentLog(db).start(_checklist(inventory), by="dana", note="first", now=AT)
    before = _rows(db_path)
    with StateDB(db_path) as db, pytest.raises(IncidentError, match="already has an open incident"):
        IncidentLog(db).start(_checklist(inventory), by="lee", note="second", now=AT)
    assert _rows(db_path) == before


def test_tick_records_time_operator_and_note(inventory: Inventory, db_path: Path):
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(_checklist(inventory), by="dana", note=None, now=AT)
        incident, tick = log.tick("x-main", ROTATE_STEP, by="priya", note="IT laptop", now=AT)
    assert (tick.step_id, tick.done_at, tick.done_by, tick.note) == (
        ROTATE_STEP,
        "2026-11-23T09:30:00Z",
        "priya",
        "IT laptop",
    )
    assert incident.tick_for(ROTATE_STEP) == tick
    assert incident.progress().startswith("1 of ")


def test_tick_of_an_unknown_step_is_refused_with_a_suggestion(inventory: Inventory, db_path: Path):
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(_checklist(inventory), by="dana", note=None, now=AT)
        before = _rows(db_path)
        with pytest.raises(
            IncidentError, match=r'no step "rotate-pasword".*did you mean "rotate-password"'
        ):
            log.tick("x-main", "rotate-pasword", by="dana", note=None)
    assert _rows(db_path) == before


def test_ticking_a_step_twice_is_refused(inventory: Inventory, db_path: Path):
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(_checklist(inventory), by="dana", note=None, now=AT)
        log.tick("x-main", "sign-out-sessions", by="dana", note=None, now=AT)
        with pytest.raises(IncidentError, match="already done at 2026-11-23T09:30:00Z by dana"):
            log.tick("x-main", "sign-out-sessions", by="lee", note=None)


def test_tick_without_an_open_incident_is_refused(inventory: Inventory, db_path: Path):
    with (
        StateDB(db_path) as db,
        pytest.raises(IncidentError, match='no open incident for account "x-main"'),
    ):
        IncidentLog(db).tick("x-main", ROTATE_STEP, by="dana", note=None)


def test_close_is_refused_while_required_steps_are_open_and_lists_them(
    inventory: Inventory, db_path: Path
):
    checklist = _checklist(inventory)
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(checklist, by="dana", note=None, now=AT)
        for step in checklist.required_ids[1:]:
            log.tick("x-main", step, by="dana", note=None, now=AT)
        before = _rows(db_path)
        with pytest.raises(
            IncidentError,
            match=r"cannot close incident #1: 1 required step open \(mailbox:social-mailbox;",
        ):
            log.close("x-main", by="dana", force=False, reason=None)
    assert _rows(db_path) == before


def test_close_succeeds_once_every_required_step_is_done_even_with_optional_ones_open(
    inventory: Inventory, db_path: Path
):
    checklist = _checklist(inventory)
    optional = [s.id for s in checklist.steps if not s.required]
    assert optional  # steps written for a vector are optional while it is unknown
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(checklist, by="dana", note=None, now=AT)
        for step in checklist.required_ids:
            log.tick("x-main", step, by="dana", note=None, now=AT)
        closed = log.close("x-main", by="priya", force=False, reason=None, now=AT)
    assert closed.status == "closed"
    assert not closed.forced
    assert closed.closed_by == "priya"
    assert closed.closed_at == "2026-11-23T09:30:00Z"


def test_forced_close_needs_a_reason_and_records_it(inventory: Inventory, db_path: Path):
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(_checklist(inventory), by="dana", note=None, now=AT)
        with pytest.raises(UsageError, match="--force needs --reason"):
            log.close("x-main", by="dana", force=True, reason="  ")
        closed = log.close("x-main", by="maria", force=True, reason="false alarm", now=AT)
    assert closed.forced
    assert closed.status == "closed (forced)"
    assert closed.close_reason == "false alarm"


def test_a_new_incident_may_start_after_the_last_one_closed(inventory: Inventory, db_path: Path):
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(_checklist(inventory), by="dana", note=None, now=AT)
        log.close("x-main", by="dana", force=True, reason="drill", now=AT)
        second = log.start(_checklist(inventory), by="dana", note="real", now=AT)
        assert second.id == 2
        assert log.latest("x-main") == second
        assert [i.status for i in log.all()] == ["open", "closed (forced)"]


def test_tick_step_seam_ticks_rotate_password_of_the_open_incident(
    inventory: Inventory, db_path: Path
):
    with StateDB(db_path) as db:
        IncidentLog(db).start(_checklist(inventory), by="dana", note=None, now=AT)
    tick = tick_step(db_path, "x-main", ROTATE_STEP, "priya", "posture vault rotate")
    assert tick is not None
    assert tick.step_id == ROTATE_STEP
    assert tick.done_by == "priya"
    assert tick_step(db_path, "x-main", ROTATE_STEP, "priya", None) is None  # already done
    with StateDB(db_path) as db:
        incident = IncidentLog(db).open_incident("x-main")
    assert incident is not None
    assert incident.tick_for(ROTATE_STEP) == tick


def test_tick_step_seam_is_quiet_without_an_incident_or_a_database(
    inventory: Inventory, db_path: Path
):
    assert tick_step(db_path, "x-main", ROTATE_STEP, "priya", None) is None
    assert not db_path.exists()  # rotating never creates a state database
    with StateDB(db_path) as db:
        IncidentLog(db).start(_checklist(inventory, "facebook-page"), by="dana", note=None)
        assert tick_step(db, "x-main", ROTATE_STEP, "priya", None) is None
        assert tick_step(db, "facebook-page", "no-such-step", "priya", None) is None


def test_open_incidents_summary_counts_required_steps(inventory: Inventory, db_path: Path):
    assert open_incidents_at(db_path) == {}
    checklist = _checklist(inventory, "tiktok-brand")
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(checklist, by="dana", note=None, now=AT)
        log.tick("tiktok-brand", ROTATE_STEP, by="dana", note=None, now=AT)
        log.tick("tiktok-brand", "report-fraud", by="dana", note=None, now=AT)  # optional
    summary = open_incidents_at(db_path)["tiktok-brand"]
    assert summary.done == 2
    assert summary.steps == len(checklist.steps)
    assert len(summary.required_open) == len(checklist.required_ids) - 1
    assert ROTATE_STEP not in summary.required_open
