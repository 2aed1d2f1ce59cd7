"""The vault audit log in the state database: which entry, what action, when, by whom; no value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from scanner.core.actor import actor
from scanner.core.errors import StateError


class AuditLog(Protocol):
    def record(self, vault_id: str, entries: Iterable[str | None], action: str) -> None: ...


class DatabaseAudit:
    """Appends rows to `vault_audit` in `posture.db`."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    def record(self, vault_id: str, entries: Iterable[str | None], action: str) -> None:
        from scanner.state.db import StateDB

        at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        rows = [(at, vault_id, entry, action, actor()) for entry in entries]
        try:
            with StateDB(self.db_path) as db, db.transaction() as conn:
                conn.executemany(
                    "INSERT INTO vault_audit (at, vault_id, entry, action, actor) "
                    "VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
        except StateError as exc:
            raise StateError(
                f"the vault was saved, but its audit row was not written: {exc.message}",
                path=exc.path,
            ) from None
