"""The state database (`posture.db`, SQLite): scan history, incidents, offboarding cases, vault
audit, score cache.

No secret is ever written here. The schema is versioned with `PRAGMA user_version`; each
migration runs once, in a transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from scanner.core.errors import StateError
from scanner.core.files import PRIVATE_MODE, open_regular

# Append only: never edit a migration that has shipped.
MIGRATIONS: tuple[str, ...] = (
    # 1: the initial schema
    """
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT NOT NULL,
        as_of TEXT NOT NULL,
        inventory TEXT NOT NULL,
        inventory_sha256 TEXT NOT NULL,
        score INTEGER NOT NULL,
        summary TEXT NOT NULL,            -- JSON: counts by severity and status
        incomplete INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX scans_by_inventory ON scans(inventory, id);
    CREATE TABLE scan_findings (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        check_id TEXT NOT NULL,
        account TEXT NOT NULL,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        evidence TEXT NOT NULL,           -- JSON, never a secret
        suppressed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (scan_id, fingerprint)
    );
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        opened_by TEXT NOT NULL,
        note TEXT,
        checklist TEXT NOT NULL,          -- JSON: the tailored steps as printed at start
        closed_at TEXT,
        closed_by TEXT,
        close_reason TEXT,
        forced INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX incidents_one_open ON incidents(account) WHERE closed_at IS NULL;
    CREATE TABLE incident_steps (
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        step_id TEXT NOT NULL,
        done_at TEXT NOT NULL,
        done_by TEXT NOT NULL,
        note TEXT,
        PRIMARY KEY (incident_id, step_id)
    );
    CREATE TABLE vault_audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        vault_id TEXT NOT NULL,
        entry TEXT,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        detail TEXT                       -- never a value
    );
    CREATE TABLE score_cache (
        key TEXT PRIMARY KEY,             -- HMAC of the password and scoring inputs
        score INTEGER NOT NULL,
        guesses_log10 REAL NOT NULL,
        feedback TEXT NOT NULL,           -- JSON: zxcvbn warning and suggestions
        created_at TEXT NOT NULL
    );
    """,
    # 2: what `scan --notify` has told the team's channels (keys and labels only, never a URL)
    """
    CREATE TABLE notify_ledger (
        inventory TEXT NOT NULL,
        key TEXT NOT NULL,                -- finding:<fingerprint> or reminder:<key>
        sent_at TEXT NOT NULL,
        PRIMARY KEY (inventory, key)
    );
    CREATE TABLE notify_log (
        id INTEGER PRIMARY KEY,
        inventory TEXT NOT NULL,
        scan_id INTEGER,
        sent_at TEXT NOT NULL,
        new INTEGER NOT NULL,
        fixed INTEGER NOT NULL,
        reminders INTEGER NOT NULL,
        channels TEXT NOT NULL            -- JSON: [{"channel": kind (host), "ok": bool}]
    );
    """,
    # 3: who acknowledged which version of the generated handbook
    """
    CREATE TABLE handbook_acks (
        id INTEGER PRIMARY KEY,
        holder TEXT NOT NULL,             -- a person id or agency:ID
        version TEXT NOT NULL,            -- the handbook digest they acknowledged
        acknowledged_on TEXT NOT NULL,    -- the day they acknowledged it
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL
    );
    CREATE INDEX handbook_acks_by_holder ON handbook_acks(holder, acknowledged_on);
    """,
    # 4: findings carry bands, never estimates (issue 14). Scrub what earlier versions stored:
    # zxcvbn guesses, exact lengths and feedback of PWD-001, exact breach counts of PWD-002, and
    # the guess counts and feedback in the score cache. Messages that quoted them are rewritten.
    """
    UPDATE scan_findings
       SET evidence = json_remove(evidence, '$.guesses', '$.guesses_log10', '$.length',
                                  '$.warning', '$.suggestions'),
           message = CASE status
               WHEN 'FAIL' THEN 'weak password (recorded by an earlier posture, details removed)'
               WHEN 'PASS' THEN 'password meets the policy (recorded by an earlier posture)'
               ELSE message END
     WHERE check_id = 'PWD-001' AND json_valid(evidence);
    UPDATE scan_findings
       SET evidence = json_set(json_remove(evidence, '$.breach_count'), '$.breach_band',
               CASE WHEN json_extract(evidence, '$.breach_count') <= 0 THEN '0'
                    WHEN json_extract(evidence, '$.breach_count') < 10 THEN '1-9'
                    WHEN json_extract(evidence, '$.breach_count') < 1000 THEN '10-999'
                    ELSE '1,000+' END),
           message = CASE status
               WHEN 'FAIL' THEN 'password seen in breaches (recorded by an earlier posture, '
                                || 'count removed)'
               ELSE message END
     WHERE check_id = 'PWD-002' AND json_valid(evidence)
       AND json_extract(evidence, '$.breach_count') IS NOT NULL;
    UPDATE scan_findings SET message = 'password check (recorded by an earlier posture)'
     WHERE check_id IN ('PWD-001', 'PWD-002') AND NOT json_valid(evidence);
    UPDATE score_cache SET guesses_log10 = 0,
           feedback = json_object('method', coalesce(json_extract(feedback, '$.method'), 'whole'))
     WHERE json_valid(feedback);
    DELETE FROM score_cache WHERE NOT json_valid(feedback)
    """,
    # 5: tamper-evident records (issue 14): the hash chain over audit rows and incident events.
    """
    CREATE TABLE record_chain (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,               -- vault_audit, incident_open, incident_close, ...
        row_id INTEGER NOT NULL,
        digest TEXT NOT NULL              -- SHA-256 over the previous digest and the row
    )
    """,
    # 6: offboarding cases (posture offboard), the same shape as incidents plus who and when
    """
    CREATE TABLE offboarding_cases (
        id INTEGER PRIMARY KEY,
        who TEXT NOT NULL,                -- a person id or agency:ID
        name TEXT NOT NULL,
        starts_on TEXT NOT NULL,          -- the last day or contract end (ISO date)
        opened_at TEXT NOT NULL,
        opened_by TEXT NOT NULL,
        note TEXT,
        checklist TEXT NOT NULL,          -- JSON: the plan as printed at start
        closed_at TEXT,
        closed_by TEXT,
        close_reason TEXT,
        forced INTEGER NOT NULL DEFAULT 0,
        verification TEXT                 -- JSON: what still named the leaver at close, never a secret
    );
    CREATE UNIQUE INDEX offboarding_one_open ON offboarding_cases(who) WHERE closed_at IS NULL;
    CREATE TABLE offboarding_steps (
        case_id INTEGER NOT NULL REFERENCES offboarding_cases(id) ON DELETE CASCADE,
        step_id TEXT NOT NULL,
        done_at TEXT NOT NULL,
        done_by TEXT NOT NULL,
        note TEXT,
        handed_to TEXT,                   -- the new owner, for transfer steps
        PRIMARY KEY (case_id, step_id)
    );
    """,
    # 7: the history keeps what did not pass, not every finding (issue 13). Per scan, one value:
    # JSON {"checks": ids run, "accounts": ids scanned, "issues": [[check, account, status,
    # severity, message, suppressed], ...]} for every FAIL, ERROR and SKIPPED finding, in
    # account then check order; posture writes it zlib-compressed, this migration as text.
    # A finding of a listed check on a listed account that is not an issue passed.
    """
    ALTER TABLE scans ADD COLUMN findings BLOB;
    UPDATE scans SET findings = json_object(
        'checks', json((SELECT json_group_array(check_id) FROM (
            SELECT check_id, min(rowid) AS first FROM scan_findings
            WHERE scan_id = scans.id GROUP BY check_id ORDER BY first))),
        'accounts', json((SELECT json_group_array(account) FROM (
            SELECT account, min(rowid) AS first FROM scan_findings
            WHERE scan_id = scans.id GROUP BY account ORDER BY first))),
        'issues', json((SELECT json_group_array(
                json_array(check_id, account, status, severity, message, suppressed)) FROM (
            SELECT check_id, account, status, severity, message, suppressed FROM scan_findings
            WHERE scan_id = scans.id AND status != 'PASS' ORDER BY rowid)))
    );
    DROP TABLE scan_findings;
    """,
    # 8: the highest revision seen of each team vault (rollback detection, issue 18).
    """
    CREATE TABLE team_vault_revisions (
        vault_id TEXT PRIMARY KEY,
        revision INTEGER NOT NULL
    );
    """,
    # 9: no table changes. Scans are now recorded with their rows packed as 32-bit numbers
    # (scanner/state/scans.py `_encode`), which a posture of schema 8 cannot read: the version
    # makes it refuse the database ("newer than this posture") rather than fail on a scan.
    """
    -- the history's packed rows (issue 13)
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def _uri(path: Path, mode: str) -> str:
    """A `file:` URI for `path`: `#`, `?` and `%` in a folder name are escaped, so they can
    neither cut the path short nor drop `mode=ro` (which would create a stray database)."""
    return f"{path.resolve().as_uri()}?mode={mode}"


def _check_regular_or_create(path: Path, *, create: bool) -> None:
    """Refuse a device, FIFO or socket as the database; create a missing one private (0600)."""
    try:
        os.close(open_regular(path, "state database", error=StateError))
    except FileNotFoundError:
        if not create:
            raise StateError("state database does not exist yet", path=path) from None
        try:  # SQLite gives its journal files the database's mode
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
        except FileExistsError:
            pass  # another posture process created it first
        except OSError as exc:
            raise StateError(
                f"cannot create the state database: {exc.strerror}", path=path
            ) from None


class StateDB:
    """An open state database. Use `transaction()` for every write."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        if path.is_dir():
            raise StateError("state database path is a directory", path=path)
        if readonly and not path.exists():
            raise StateError("state database does not exist yet", path=path)
        _check_regular_or_create(path, create=not readonly)
        try:
            version = self._connect()
        except sqlite3.DatabaseError as exc:
            if not (readonly and _needs_rollback(exc)):
                raise StateError(f"cannot open the state database: {exc}", path=path) from None
            self._roll_back_crashed_writer()
            try:
                version = self._connect()
            except sqlite3.DatabaseError as again:
                raise StateError(f"cannot open the state database: {again}", path=path) from None
        if version > SCHEMA_VERSION:
            raise StateError(
                f"state database schema {version} is newer than this posture ({SCHEMA_VERSION}); "
                "upgrade posture",
                path=path,
            )
        self.version = version
        if version < SCHEMA_VERSION and not readonly:
            self._migrate(version)
            self.version = SCHEMA_VERSION
        # A reader of an older schema reads what is there (migrations only add tables and
        # columns); the next writer migrates it. Readers of newer tables ask `has_table`.

    def _connect(self) -> int:
        """Open `self.conn`; returns the schema version (the first read of the file)."""
        self.conn = sqlite3.connect(
            _uri(self.path, "ro" if self.readonly else "rw"),
            uri=True,
            timeout=10,
            isolation_level=None,
        )
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            # Scrubbed or deleted rows are overwritten on disk, not left in free pages.
            self.conn.execute("PRAGMA secure_delete = ON")
            self.conn.execute("PRAGMA busy_timeout = 10000")
            version: int = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError:
            self.conn.close()
            raise
        return version

    def _roll_back_crashed_writer(self) -> None:
        # A writer killed during a transaction leaves a hot journal that only a read-write
        # connection may roll back; until then read-only connections cannot read the file at all.
        # Rolling it back restores the last committed state, as any SQLite writer would.
        try:
            with contextlib.closing(
                sqlite3.connect(_uri(self.path, "rw"), uri=True, timeout=10, isolation_level=None)
            ) as writer:
                writer.execute("PRAGMA user_version").fetchone()
        except sqlite3.DatabaseError:
            raise StateError(
                "state database holds an unfinished transaction of a posture process that was "
                "killed; run a posture command that writes it (such as posture scan) with write "
                "access to roll it back",
                path=self.path,
            ) from None

    def _migrate(self, current: int) -> None:
        for number in range(current, SCHEMA_VERSION):
            with self.transaction():
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; rolled back on any exception. Errors become StateError."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _state_error(exc, self.path) from None
        try:
            yield self.conn
        except sqlite3.Error as exc:
            self.conn.execute("ROLLBACK")
            raise _state_error(exc, self.path) from None
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise _state_error(exc, self.path) from None

    def has_table(self, name: str) -> bool:
        rows = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchall()
        return bool(rows)

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        try:
            self.conn.row_factory = sqlite3.Row
            return list(self.conn.execute(sql, params))
        except sqlite3.Error as exc:
            raise _state_error(exc, self.path) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> StateDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _needs_rollback(exc: sqlite3.DatabaseError) -> bool:
    """A read-only connection met the hot journal of a writer that crashed mid-transaction."""
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_READONLY_ROLLBACK"


def _state_error(exc: sqlite3.Error, path: Path) -> StateError:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return StateError("state database is read-only; nothing was changed", path=path)
    if "locked" in text or "busy" in text:
        return StateError(
            "state database is busy (another posture is writing); try again", path=path
        )
    return StateError(f"state database error: {text}", path=path)


def open_state(path: Path, *, readonly: bool = False) -> StateDB:
    return StateDB(path, readonly=readonly)


def default_state_path(inventory: Path) -> Path:
    """$POSTURE_DB, else posture.db in the inventory's folder."""
    return (
        Path(os.environ["POSTURE_DB"])
        if os.environ.get("POSTURE_DB")
        else inventory.parent / "posture.db"
    )
