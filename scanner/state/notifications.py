"""What `scan --notify` has already told the team, so a re-run never repeats a message.

The ledger holds, per inventory, the fingerprints of the open failures already announced and the
reminders already sent with their date; the log holds one row per message sent. Neither holds a
channel URL: a channel is recorded by its kind and host only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scanner.state.db import StateDB

_FINDING = "finding:"
_REMINDER = "reminder:"


@dataclass(frozen=True)
class Ledger:
    """What was announced for one inventory: open findings and reminders with when."""

    findings: frozenset[str]
    reminders: Mapping[str, dt.date]


@dataclass(frozen=True)
class Sent:
    """One message, as the log records it."""

    scan_id: int | None
    new: Iterable[str]  # fingerprints announced now
    gone: Iterable[str]  # fingerprints no longer open (fixed or otherwise)
    reminders: Iterable[str]
    channels: Iterable[tuple[str, bool]]  # (label, delivered)


def read_ledger(db: StateDB, inventory: str) -> Ledger:
    if not db.has_table("notify_ledger"):  # an older database opened read-only
        return Ledger(frozenset(), {})
    rows = db.query("SELECT key, sent_at FROM notify_ledger WHERE inventory = ?", (inventory,))
    findings = frozenset(r[0][len(_FINDING) :] for r in rows if r[0].startswith(_FINDING))
    reminders = {
        r[0][len(_REMINDER) :]: dt.datetime.fromisoformat(r[1]).date()
        for r in rows
        if r[0].startswith(_REMINDER)
    }
    return Ledger(findings, reminders)


def record_sent(db: StateDB, inventory: str, sent: Sent, at: dt.datetime, as_of: dt.date) -> None:
    """Update the ledger and log the message, in one transaction. Reminders are dated by the
    scan's day (`--as-of`), which is what their repetition is measured against."""
    stamp = at.isoformat()
    new, gone, reminders = list(sent.new), list(sent.gone), list(sent.reminders)
    channels = [{"channel": label, "ok": ok} for label, ok in sent.channels]
    with db.transaction() as conn:
        conn.executemany(
            "DELETE FROM notify_ledger WHERE inventory = ? AND key = ?",
            [(inventory, _FINDING + fp) for fp in gone],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO notify_ledger (inventory, key, sent_at) VALUES (?, ?, ?)",
            [(inventory, _FINDING + fp, stamp) for fp in new]
            + [(inventory, _REMINDER + key, as_of.isoformat()) for key in reminders],
        )
        conn.execute(
            "INSERT INTO notify_log (inventory, scan_id, sent_at, new, fixed, reminders, channels) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                inventory,
                sent.scan_id,
                stamp,
                len(new),
                len(gone),
                len(reminders),
                json.dumps(channels),
            ),
        )
