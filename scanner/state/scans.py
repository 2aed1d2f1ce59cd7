"""Scan history in the state database: record each scan, and say what changed since the last one.

Scans are grouped by inventory (its resolved path), so one `posture.db` can serve several
inventories. A finding is *new* when it fails now and did not fail in the previous scan of the
same inventory; it is *fixed* when it failed then and passes now. Findings hold no secrets, so
recording them keeps the database free of secrets too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.core.model import Finding, Severity, Status
from scanner.engine.changes import (
    HistoryEntry,
    PastScan,
    RecordedFinding,
    ScanChanges,
    compare,
)
from scanner.state.db import StateDB

if TYPE_CHECKING:
    from scanner.engine.run import ScanResult

TREND_LENGTH = 30
_LAST_SCANS = (
    "SELECT id, started, finished, as_of, score, summary, incomplete FROM scans "
    "WHERE inventory = ? ORDER BY id DESC LIMIT ?"
)


def inventory_key(path: Path) -> str:
    """How scans of one inventory are grouped: its resolved path."""
    return str(path.resolve())


def record_scan(db: StateDB, result: ScanResult) -> ScanChanges:
    """Store `result` as a new scan and compare it with the previous scan of its inventory."""
    key = inventory_key(result.context.inventory.path)
    summary = result.summary()
    current = [_recorded(f) for f in result.findings]
    with db.transaction() as conn:
        conn.row_factory = sqlite3.Row
        previous_row = conn.execute(
            _LAST_SCANS,
            (key, 1),
        ).fetchone()
        cursor = conn.execute(
            "INSERT INTO scans (started, finished, as_of, inventory, inventory_sha256, score, "
            "summary, incomplete) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                result.started.isoformat(),
                result.finished.isoformat(),
                result.context.today.isoformat(),
                key,
                result.context.inventory.digest,
                summary.score,
                json.dumps(dataclasses.asdict(summary), sort_keys=True),
                int(summary.incomplete),
            ),
        )
        scan_id = cursor.lastrowid
        assert scan_id is not None  # noqa: S101 - an INSERT always sets lastrowid
        conn.executemany(
            "INSERT INTO scan_findings (scan_id, fingerprint, check_id, account, status, "
            "severity, message, evidence, suppressed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    scan_id,
                    f.fingerprint,
                    f.check_id,
                    f.account,
                    f.status.value,
                    f.severity.value,
                    f.message,
                    json.dumps(dict(f.evidence), sort_keys=True),
                    int(f.suppressed),
                )
                for f in result.findings
            ],
        )
        previous = _past_scan(previous_row) if previous_row else None
        before = _findings(conn, previous.id) if previous else []
        trend_rows = conn.execute(
            _LAST_SCANS,
            (key, TREND_LENGTH),
        ).fetchall()
    new, fixed = compare(before, current) if previous else ((), ())
    return ScanChanges(
        scan_id=scan_id,
        previous=previous,
        new=new,
        fixed=fixed,
        trend=tuple(_past_scan(row) for row in reversed(trend_rows)),
    )


def score_trend(db: StateDB, inventory: Path, limit: int = TREND_LENGTH) -> tuple[PastScan, ...]:
    """The last `limit` scans of `inventory`, oldest first."""
    rows = db.query(
        _LAST_SCANS,
        (inventory_key(inventory), limit),
    )
    return tuple(_past_scan(row) for row in reversed(rows))


def list_history(db: StateDB, inventory: Path, limit: int = 20) -> list[HistoryEntry]:
    """The last `limit` scans of `inventory`, oldest first, each compared with the one before."""
    scans = score_trend(db, inventory, limit + 1)
    entries = []
    before: list[RecordedFinding] | None = None
    for index, scan in enumerate(scans):
        after = _findings(db.conn, scan.id)
        new, fixed = compare(before, after) if before is not None else ((), ())
        if index > 0 or len(scans) <= limit:
            entries.append(HistoryEntry(scan, before is not None, new, fixed))
        before = after
    return entries


def sparkline(scores: Sequence[int]) -> str:
    """Scores as block characters, one per scan, scaled from the lowest to the highest shown."""
    blocks = "▁▂▃▄▅▆▇█"
    if not scores:
        return ""
    low, high = min(scores), max(scores)
    if low == high:
        return blocks[min(len(blocks) - 1, max(0, low) * len(blocks) // 101)] * len(scores)
    top = len(blocks) - 1
    return "".join(blocks[round((s - low) * top / (high - low))] for s in scores)


def _past_scan(row: Any) -> PastScan:
    summary = json.loads(row["summary"])
    return PastScan(
        id=int(row["id"]),
        started=dt.datetime.fromisoformat(row["started"]),
        finished=dt.datetime.fromisoformat(row["finished"]),
        as_of=dt.date.fromisoformat(row["as_of"]),
        score=int(row["score"]),
        failed_by_severity={str(k): int(v) for k, v in summary["failed_by_severity"].items()},
        suppressed=int(summary.get("suppressed", 0)),
        incomplete=bool(row["incomplete"]),
    )


def _findings(conn: sqlite3.Connection, scan_id: int) -> list[RecordedFinding]:
    rows = conn.execute(
        "SELECT check_id, account, status, severity, message, suppressed FROM scan_findings "
        "WHERE scan_id = ? ORDER BY rowid",
        (scan_id,),
    ).fetchall()
    return [
        RecordedFinding(
            check_id=row[0],
            account=row[1],
            status=Status(row[2]),
            severity=Severity(row[3]),
            message=row[4],
            suppressed=bool(row[5]),
        )
        for row in rows
    ]


def _recorded(finding: Finding) -> RecordedFinding:
    return RecordedFinding(
        check_id=finding.check_id,
        account=finding.account,
        status=finding.status,
        severity=finding.severity,
        message=finding.message,
        suppressed=finding.suppressed,
    )
