"""The vault audit log in the state database: which entry, what action, when, by whom; no value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from scanner.core.actor import actor
from scanner.core.errors import StateError


class AuditLog(Protocol):
    def record(
        self,
        vault_id: str,
        entries: Iterable[str | None],
        action: str,
        revision: int | None = None,
    ) -> None: ...


class DatabaseAudit:
    """Appends rows to `vault_audit` in `posture.db`."""

    def __init__(self, db_path: Path, *, identity: str | None = None) -> None:
        self.db_path = db_path
        self.identity = identity  # the team vault identity that acted (None: passphrase mode)

    def record(
        self,
        vault_id: str,
        entries: Iterable[str | None],
        action: str,
        revision: int | None = None,
    ) -> None:
        from scanner.state import chain
        from scanner.state.db import StateDB

        at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        parts = [f"revision {revision}"] if revision is not None else []
        if self.identity is not None:
            parts.append(f"identity {self.identity}")
        detail = "; ".join(parts) or None
        rows = [(at, vault_id, entry, action, actor(), detail) for entry in entries]
        try:
            with StateDB(self.db_path) as db, db.transaction() as conn:
                for row in rows:
                    cursor = conn.execute(
                        "INSERT INTO vault_audit (at, vault_id, entry, action, actor, detail) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        row,
                    )
                    assert cursor.lastrowid is not None  # noqa: S101 - an INSERT sets it
                    chain.append(conn, "vault_audit", cursor.lastrowid)
        except StateError as exc:
            raise StateError(
                f"the vault was saved, but its audit row was not written: {exc.message}",
                path=exc.path,
            ) from None
