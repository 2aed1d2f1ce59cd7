"""Tamper-evident records: every audit row and incident event is hash-chained in `record_chain`.

Each chain entry names a record (kind, row id) and holds SHA-256(previous digest | kind | row id |
canonical JSON of the record's content). `verify` recomputes the chain from the rows as they are
now: an edited row (a backdated tick), a deleted row (removed `get` rows) or a row added without
its chain entry breaks it. Generic: any record kind (offboarding events too) calls `append`.

This makes silent edits evident to someone who keeps the latest digest (printed by `posture audit
verify`) elsewhere; someone who can rewrite the whole file can rebuild the whole chain.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scanner.state.db import StateDB

GENESIS = "0" * 64

# kind -> (table, columns covered). An incident's opening and closing are separate events.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "vault_audit": ("vault_audit", ("at", "vault_id", "entry", "action", "actor", "detail")),
    "incident_open": ("incidents", ("account", "opened_at", "opened_by", "note", "checklist")),
    "incident_close": ("incidents", ("closed_at", "closed_by", "close_reason", "forced")),
    "incident_step": (
        "incident_steps",
        ("incident_id", "step_id", "done_at", "done_by", "note"),
    ),
    "offboarding_open": (
        "offboarding_cases",
        ("who", "name", "starts_on", "opened_at", "opened_by", "note", "checklist"),
    ),
    "offboarding_close": (
        "offboarding_cases",
        ("closed_at", "closed_by", "close_reason", "forced", "verification"),
    ),
    "offboarding_step": (
        "offboarding_steps",
        ("case_id", "step_id", "done_at", "done_by", "note", "handed_to"),
    ),
}
_ROWID = {"incident_steps": "rowid", "offboarding_steps": "rowid"}


def _digest(previous: str, kind: str, row_id: int, content: Mapping[str, object]) -> str:
    body = json.dumps(dict(content), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{previous}|{kind}|{row_id}|{body}".encode()).hexdigest()


def _content(conn: sqlite3.Connection, kind: str, row_id: int) -> dict[str, object] | None:
    table, columns = KINDS[kind]
    key = _ROWID.get(table, "id")
    row = conn.execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = ?",  # noqa: S608 - fixed names
        (row_id,),
    ).fetchone()
    return None if row is None else dict(zip(columns, tuple(row), strict=True))


def append(conn: sqlite3.Connection, kind: str, row_id: int) -> str:
    """Chain the record (kind, row id) as it is now; call in the transaction that wrote it."""
    last = conn.execute("SELECT digest FROM record_chain ORDER BY seq DESC LIMIT 1").fetchone()
    previous = last[0] if last else GENESIS
    content = _content(conn, kind, row_id)
    if content is None:
        raise ValueError(f"no {kind} row {row_id} to chain")
    digest = _digest(previous, kind, row_id, content)
    conn.execute(
        "INSERT INTO record_chain (kind, row_id, digest) VALUES (?, ?, ?)", (kind, row_id, digest)
    )
    return digest


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str
    problems: tuple[str, ...]
    last_revision: dict[str, int]  # vault id -> highest vault revision the audit rows saw

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(db: StateDB) -> ChainReport:
    """Recompute the chain from the rows as they are now."""
    if not db.has_table("record_chain"):  # an older database opened read-only: nothing chained
        return ChainReport(0, GENESIS, (), {})
    conn = db.conn
    problems: list[str] = []
    previous = GENESIS
    highest: dict[str, int] = {}
    rows = conn.execute(
        "SELECT seq, kind, row_id, digest FROM record_chain ORDER BY seq"
    ).fetchall()
    for seq, kind, row_id, digest in rows:
        if kind not in KINDS:
            problems.append(f"chain entry {seq}: unknown record kind {kind!r}")
            previous = digest
            continue
        content = _content(conn, kind, row_id)
        if content is None:
            problems.append(f"{KINDS[kind][0]} row {row_id} ({kind}) was deleted")
        elif _digest(previous, kind, row_id, content) != digest:
            problems.append(
                f"{KINDS[kind][0]} row {row_id} ({kind}) was edited after it was written"
            )
        previous = digest
        highest[kind] = max(highest.get(kind, 0), row_id)
    problems += _unchained(conn, highest)
    return ChainReport(len(rows), previous, tuple(problems), _revisions(conn))


def _unchained(conn: sqlite3.Connection, highest: Mapping[str, int]) -> list[str]:
    """Rows written after the chain began (ids above its first entry) that it does not cover."""
    problems = []
    for kind in (
        "vault_audit",
        "incident_open",
        "incident_step",
        "offboarding_open",
        "offboarding_step",
    ):
        table, _ = KINDS[kind]
        key = _ROWID.get(table, "id")
        first = conn.execute(
            "SELECT min(row_id) FROM record_chain WHERE kind = ?", (kind,)
        ).fetchone()[0]
        if first is None:
            continue
        stray = conn.execute(
            f"SELECT count(*) FROM {table} WHERE {key} > ? AND {key} NOT IN "  # noqa: S608
            "(SELECT row_id FROM record_chain WHERE kind = ?)",
            (first, kind),
        ).fetchone()[0]
        if stray:
            problems.append(f"{stray} {table} row(s) were added without a chain entry")
    return problems


def _revisions(conn: sqlite3.Connection) -> dict[str, int]:
    seen: dict[str, int] = {}
    for vault_id, detail in conn.execute(
        "SELECT vault_id, detail FROM vault_audit WHERE detail LIKE 'revision %'"
    ):
        try:  # "revision N", or "revision N; identity PERSON" (team vault)
            revision = int(str(detail).split()[1].rstrip(";"))
        except (IndexError, ValueError):
            continue
        seen[vault_id] = max(seen.get(vault_id, 0), revision)
    return seen


def warning(db: StateDB) -> str | None:
    """One line when the chain is broken (for `breach show`, `vault history`, scans)."""
    report = verify(db)
    if report.intact:
        return None
    more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
    return (
        f"the audit and incident records were altered: {report.problems[0]}{more}; "
        "see posture audit verify"
    )


def warning_at(path: Path) -> str | None:
    """`warning` for the state database at `path`; None when there is none (or it is unreadable:
    the command that needs it reports that itself)."""
    from scanner.core.errors import StateError

    if not path.is_file():
        return None
    try:
        with StateDB(path, readonly=True) as db:
            return warning(db)
    except StateError:
        return None
