import dataclasses
import datetime as dt
import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest

from scanner.core.errors import StateError
from scanner.core.model import Severity, Status
from scanner.services.scan import ScanRequest, perform_scan
from scanner.state.db import MIGRATIONS, SCHEMA_VERSION, StateDB
from scanner.state.scans import (
    RecordedFinding,
    compare,
    decode_findings,
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


def stored(db: Path, scan_id: int) -> dict:
    with sqlite3.connect(db) as conn:
        (blob,) = conn.execute("SELECT findings FROM scans WHERE id = ?", (scan_id,)).fetchone()
    return decode_findings(blob)


def issues_of(document: dict) -> list[list]:
    """The stored issues as lists of values: check, account, status, severity, message,
    suppressed (each stored as numbers, `rows`, indexing the document's lists)."""
    rows = document["rows"]
    assert len(rows) % 6 == 0
    return [
        [
            document["checks"][rows[n]],
            document["accounts"][rows[n + 1]],
            document["statuses"][rows[n + 2]],
            document["severities"][rows[n + 3]],
            document["messages"][rows[n + 4]],
            rows[n + 5],
        ]
        for n in range(0, len(rows), 6)
    ]


def test_every_scan_and_its_non_passing_findings_are_recorded(inventory, tmp_path):
    db = tmp_path / "posture.db"
    result = scan(inventory, db)
    with sqlite3.connect(db) as conn:
        scans = conn.execute(
            "SELECT inventory, inventory_sha256, score, as_of, summary FROM scans"
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
    document = stored(db, 1)
    assert document["checks"] == [c.id for c in result.checks]
    assert document["accounts"] == [a.id for a in result.context.inventory.accounts]
    not_passed = [f for f in result.findings if f.status is not Status.PASS]
    assert any(f.status is Status.SKIPPED for f in not_passed)
    assert len(not_passed) < len(result.findings)  # passes are not stored
    assert issues_of(document) == [
        [f.check_id, f.account, f.status.value, f.severity.value, f.message, int(f.suppressed)]
        for f in not_passed
    ]
    assert "evidence" not in json.dumps({**document, "rows": list(document["rows"])})


def test_history_of_a_schema_1_database_is_migrated_and_still_compares(inventory, tmp_path):
    """Scans recorded by posture before issue 13 (every finding in scan_findings) keep working."""
    db = tmp_path / "posture.db"
    first = perform_scan(ScanRequest(inventory=inventory, today=AS_OF, db=db))
    summary = first.summary()
    with sqlite3.connect(db) as conn:  # scan #1 as schema 1 stored it
        conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
        conn.execute(
            "INSERT INTO scans VALUES (1, ?, ?, '2026-11-23', ?, ?, ?, ?, 0)",
            (
                first.started.isoformat(),
                first.finished.isoformat(),
                inventory_key(inventory),
                first.context.inventory.digest,
                summary.score,
                json.dumps(dataclasses.asdict(summary)),
            ),
        )
        conn.executemany(
            "INSERT INTO scan_findings VALUES (1, ?, ?, ?, ?, ?, ?, '{}', ?)",
            [
                (f.fingerprint, f.check_id, f.account, f.status.value, f.severity.value,
                 f.message, int(f.suppressed))
                for f in first.findings
            ],
        )  # fmt: skip
    fix_tiktok_mfa(inventory)
    second = scan(inventory, db)
    assert second.history.previous.id == 1
    assert [(f.check_id, f.account) for f in second.history.fixed] == [("MFA-001", "tiktok-brand")]
    assert second.history.new == ()
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (version,) = conn.execute("PRAGMA user_version").fetchone()
    assert "scan_findings" not in tables
    assert version == SCHEMA_VERSION
    with StateDB(db, readonly=True) as state:
        entries = list_history(state, inventory)
    assert [(e.has_previous, len(e.new), len(e.fixed)) for e in entries] == [
        (False, 0, 0),
        (True, 0, 1),
    ]


def test_a_re_scan_adds_one_row_and_less_than_the_findings(inventory, tmp_path):
    db = tmp_path / "posture.db"
    scan(inventory, db)
    size = db.stat().st_size
    scan(inventory, db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM scans").fetchone() == (2,)
    assert db.stat().st_size - size <= 4096 * 2


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
    issues = issues_of(stored(db, 1))
    assert [(i[0], i[1]) for i in issues if i[5]] == [("MFA-001", "tiktok-brand")]


def test_record_is_all_or_nothing(inventory, tmp_path):
    db = tmp_path / "posture.db"
    result = scan(inventory, db)
    duplicated = type(result)(
        context=result.context,
        checks=result.checks,
        # the same failure twice
        findings=result.findings + tuple(f for f in result.findings if f.failed)[:1],
        started=result.started,
        finished=result.finished,
    )
    with StateDB(db) as state:
        with pytest.raises(StateError, match="twice"):
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


@pytest.mark.parametrize("layout", ["numbers in JSON", "lists of values"])
def test_a_scan_recorded_by_an_earlier_version_is_still_compared(inventory, tmp_path, layout):
    # Values written before the rows were packed: the next scan still finds the fix, and only it.
    db = tmp_path / "posture.db"
    first = scan(inventory, db)
    document = stored(db, first.history.scan_id)
    rows = list(document["rows"])
    if layout == "numbers in JSON":
        old = {**document, "rows": rows}
    else:
        old = {"checks": document["checks"], "accounts": document["accounts"]}
        old["issues"] = issues_of(document)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE scans SET findings = ? WHERE id = ?",
            (zlib.compress(json.dumps(old).encode()), first.history.scan_id),
        )
    fix_tiktok_mfa(inventory)
    changes = scan(inventory, db).history
    assert [(f.check_id, f.account) for f in changes.fixed] == [("MFA-001", "tiktok-brand")]
    assert changes.new == ()


@pytest.mark.parametrize("damage", ["not compressed", "packed, cut short"])
def test_a_damaged_recorded_scan_is_one_clear_error(inventory, tmp_path, damage):
    db = tmp_path / "posture.db"
    first = scan(inventory, db)
    with sqlite3.connect(db) as conn:
        (blob,) = conn.execute("SELECT findings FROM scans").fetchone()
        value = (
            b"garbage" if damage == "not compressed" else zlib.compress(zlib.decompress(blob)[:-3])
        )
        conn.execute("UPDATE scans SET findings = ?", (value,))
    with pytest.raises(StateError, match=f"scan #{first.history.scan_id} are damaged"):
        scan(inventory, db)
    with sqlite3.connect(db) as conn:  # nothing recorded by the refused scan
        assert conn.execute("SELECT count(*) FROM scans").fetchone() == (1,)
