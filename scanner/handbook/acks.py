"""Acknowledgements of the handbook, in `posture.db`: who, which version, which day, recorded by."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from scanner.engine.facts import HandbookAck
from scanner.state.db import StateDB


@dataclass(frozen=True)
class AckRecord:
    ack: HandbookAck
    recorded_at: str
    recorded_by: str


def record_ack(db: StateDB, ack: HandbookAck, *, by: str, at: dt.datetime) -> None:
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO handbook_acks (holder, version, acknowledged_on, recorded_at, "
            "recorded_by) VALUES (?, ?, ?, ?, ?)",
            (ack.holder, ack.version, ack.on.isoformat(), at.isoformat(), by),
        )


def read_acks(db: StateDB) -> dict[str, tuple[HandbookAck, ...]]:
    """Every holder's acknowledgements, newest first."""
    if not db.has_table("handbook_acks"):  # an older database opened read-only
        return {}
    rows = db.query(
        "SELECT holder, version, acknowledged_on FROM handbook_acks "
        "ORDER BY acknowledged_on DESC, id DESC"
    )
    found: dict[str, list[HandbookAck]] = defaultdict(list)
    for holder, version, on in rows:
        found[holder].append(HandbookAck(holder, version, dt.date.fromisoformat(on)))
    return {holder: tuple(acks) for holder, acks in found.items()}


def acks_at(path: Path) -> dict[str, tuple[HandbookAck, ...]]:
    """Acknowledgements in the state database at `path`; none when it does not exist."""
    if not path.exists():
        return {}
    with StateDB(path, readonly=True) as db:
        return read_acks(db)
