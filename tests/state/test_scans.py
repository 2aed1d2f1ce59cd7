import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from scanner.core.errors import StateError
from scanner.core.model import Severity, Status
from scanner.services.scan import ScanRequest, perform_scan
from scanner.state.db import StateDB
from scanner.state.scans import (
    RecordedFinding,
    compare,
    inventory_key,
    list_history,
    record_scan,
    sparkline,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "scanner" / "data" / "inventory.example.toml"
AS_OF = dt.date(2026, 11, 23)


def recorded(check_id: str, account: str, status: Status) -> RecordedFinding:
    return RecordedFinding(check_id, account, status, Severity.HIGH, "m", False)


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    target = tmp_path / "inventory.toml"
    shutil.copyfile(EXAMPLE, target)
    return target


def scan(inventory: Path, db: Path, **options):
    return perform_scan(
        ScanRequest(inventory=inventory, today=AS_OF, db=db, record_history=True, **options)
    )


def fix_tiktok_mfa(inventory: Path) -> None:
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(text.replace('mfa = "none"', 'mfa = "totp"'), encoding="utf-8")


def test_compare_finds_new_and_fixed_but_not_vanished_findings():
    before = [
        recorded("MFA-001", "a", Status.FAIL),
        recorded("MFA-002", "a", Status.FAIL),
        recorded("OWN-001", "gone", Status.FAIL),
        recorded("ACC-001", "a", Status.PASS),
    ]
    after = [
        recorded("MFA-001", "a", Status.PASS),
        recorded("MFA-002", "a", Status.FAIL),
        recorded("ACC-001", "a", Status.FAIL),
        recorded("ACC-001", "new-account", Status.FAIL),
    ]
    new, fixed = compare(before, after)
    assert [(f.check_id, f.account) for f in new] == [("ACC-001", "a"), ("ACC-001", "new-account")]
    assert [(f.check_id, f.account) for f in fixed] == [("MFA-001", "a")]


def test_first_scan_is_recorded_with_no_previous_and_a_one_point_trend(inventory, tmp_path):
    result = scan(inventory, tmp_path / "posture.db")
    assert result.history is not None
    assert result.history.previous is None
    assert result.history.new == ()
    assert result.history.fixed == ()
    assert [p.score for p in result.history.trend] == [result.summary().score]


def test_every_scan_and_all_its_findings_are_recorded(inventory, tmp_path):
    db = tmp_path / "posture.db"
    result = scan(inventory, db)
    with sqlite3.connect(db) as conn:
        scans = conn.execute(
            "SELECT inventory, inventory_sha256, score, as_of, summary FROM scans"
        ).fetchall()
        rows = conn.execute(
            "SELECT fingerprint, check_id, account, status, severity, evidence FROM scan_findings"
        ).fetchall()
    assert scans == [
        (
            inventory_key(inventory),
            result.context.inventory.digest,
            result.summary().score,
            "2026-11-23",
            scans[0][4],
        )
    ]
    assert json.loads(scans[0][4])["failed_by_severity"] == result.summary().failed_by_severity
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (f.fingerprint, f.check_id, f.account, f.status.value, f.severity.value)
        for f in result.findings
    ]
    assert [json.loads(r[5]) for r in rows] == [dict(f.evidence) for f in result.findings]


def test_second_scan_after_a_fix_reports_it_fixed(inventory, tmp_path):
    db = tmp_path / "posture.db"
    first = scan(inventory, db)
    fix_tiktok_mfa(inventory)
    second = scan(inventory, db)
    changes = second.history
    assert changes.previous.id == first.history.scan_id
    assert [(f.check_id, f.account) for f in changes.fixed] == [("MFA-001", "tiktok-brand")]
    assert changes.new == ()
    assert [p.score for p in changes.trend] == [first.summary().score, second.summary().score]
    with StateDB(db, readonly=True) as state:
        entries = list_history(state, inventory)
    assert [(e.has_previous, len(e.new), len(e.fixed)) for e in entries] == [
        (False, 0, 0),
        (True, 0, 1),
    ]


def test_a_new_failure_is_new_in_the_next_scan(inventory, tmp_path):
    db = tmp_path / "posture.db"
    scan(inventory, db)
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(text.replace('mfa = "fido2"', 'mfa = "sms"', 1), encoding="utf-8")
    second = scan(inventory, db)
    assert ("MFA-002", "x-main") in {(f.check_id, f.account) for f in second.history.new}
    assert second.history.is_new(
        next(f for f in second.findings if (f.check_id, f.account) == ("MFA-002", "x-main"))
    )


def test_scans_of_other_inventories_do_not_mix(inventory, tmp_path):
    db = tmp_path / "posture.db"
    other = tmp_path / "other" / "inventory.toml"
    other.parent.mkdir()
    shutil.copyfile(inventory, other)
    scan(inventory, db)
    result = scan(other, db)
    assert result.history.previous is None
    with StateDB(db, readonly=True) as state:
        assert len(list_history(state, inventory)) == 1
        assert len(list_history(state, other)) == 1


def test_history_limit_keeps_changes_of_the_oldest_shown_scan(inventory, tmp_path):
    db = tmp_path / "posture.db"
    scan(inventory, db)
    fix_tiktok_mfa(inventory)
    scan(inventory, db)
    scan(inventory, db)
    with StateDB(db, readonly=True) as state:
        entries = list_history(state, inventory, limit=2)
    assert [e.scan.id for e in entries] == [2, 3]
    assert [(e.has_previous, len(e.fixed)) for e in entries] == [(True, 1), (True, 0)]


def test_suppressed_state_is_recorded(inventory, tmp_path):
    db = tmp_path / "posture.db"
    path = tmp_path / "posture.suppressions.toml"
    path.write_text(
        '[[suppression]]\ncheck = "MFA-001"\naccounts = ["tiktok-brand"]\nreason = "r"\n'
        'owner = "o"\nexpires = 2027-01-01\n',
        encoding="utf-8",
    )
    scan(inventory, db, suppressions=path)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT check_id, account FROM scan_findings WHERE suppressed = 1")
        assert rows.fetchall() == [("MFA-001", "tiktok-brand")]


def test_record_is_all_or_nothing(inventory, tmp_path):
    db = tmp_path / "posture.db"
    result = scan(inventory, db)
    duplicated = type(result)(
        context=result.context,
        checks=result.checks,
        findings=result.findings + result.findings[:1],  # same fingerprint twice
        started=result.started,
        finished=result.finished,
    )
    with StateDB(db) as state:
        with pytest.raises(StateError, match="UNIQUE"):
            record_scan(state, duplicated)
        assert len(state.query("SELECT id FROM scans")) == 1


def test_sparkline_spans_the_shown_range_one_block_per_scan():
    assert sparkline([40, 60, 80]) == "▁▅█"
    assert sparkline([70, 70]) == "▆▆"
    assert sparkline([]) == ""


def test_a_check_the_previous_scan_did_not_run_makes_nothing_new(inventory, tmp_path):
    db = tmp_path / "posture.db"
    scan(inventory, db, include=("OWN-*",))
    after = scan(inventory, db)
    assert after.history is not None
    assert {f.check_id for f in after.history.new} == set()
    again = scan(inventory, db, include=("OWN-*",))
    assert again.history is not None
    assert again.history.new == ()
    assert again.history.fixed == ()
