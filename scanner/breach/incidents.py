"""The incident record: one open incident per account, its checklist as printed, and who ticked what.

Stored in the state database (tables `incidents` and `incident_steps`). Times are UTC, ISO 8601.
Nothing here ever holds a secret: steps are titles and notes the operator typed.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scanner.breach.runbook import ROTATE_STEP, Checklist, ChecklistStep, find_step
from scanner.core.errors import PostureError, UsageError
from scanner.core.tomlsource import suggest
from scanner.engine.facts import OpenIncident
from scanner.state import chain
from scanner.state.db import StateDB


class IncidentError(PostureError):
    """An incident command that does not fit the record (none open, already open, unknown step)."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Tick:
    """A step marked done: when (UTC, ISO 8601), by whom, with an optional note."""

    step_id: str
    done_at: str
    done_by: str
    note: str | None


@dataclass(frozen=True)
class Incident:
    id: int
    account: str
    opened_at: str
    opened_by: str
    note: str | None
    checklist: Checklist
    ticks: tuple[Tick, ...]
    closed_at: str | None
    closed_by: str | None
    close_reason: str | None
    forced: bool

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def tick_for(self, step_id: str) -> Tick | None:
        return next((t for t in self.ticks if t.step_id == step_id), None)

    def open_steps(self) -> tuple[ChecklistStep, ...]:
        done = {t.step_id for t in self.ticks}
        return tuple(s for s in self.checklist.steps if s.id not in done)

    def open_required(self) -> tuple[ChecklistStep, ...]:
        return tuple(s for s in self.open_steps() if s.required)

    @property
    def status(self) -> str:
        if self.is_open:
            return "open"
        return "closed (forced)" if self.forced else "closed"

    def progress(self) -> str:
        total = len(self.checklist.steps)
        done = total - len(self.open_steps())
        required = len(self.open_required())
        return f"{done} of {total} steps done, {required} required open"


class IncidentLog:
    """Incidents in an open state database. Every write is one transaction."""

    def __init__(self, db: StateDB) -> None:
        self.db = db

    # --- reading ---

    def _load(self, row: sqlite3.Row) -> Incident:
        incident_id = row["id"]
        ticks = tuple(
            Tick(r["step_id"], r["done_at"], r["done_by"], r["note"])
            for r in self.db.query(
                "SELECT step_id, done_at, done_by, note FROM incident_steps "
                "WHERE incident_id = ? ORDER BY done_at, rowid",
                (incident_id,),
            )
        )
        return Incident(
            id=incident_id,
            account=row["account"],
            opened_at=row["opened_at"],
            opened_by=row["opened_by"],
            note=row["note"],
            checklist=Checklist.from_json(row["checklist"]),
            ticks=ticks,
            closed_at=row["closed_at"],
            closed_by=row["closed_by"],
            close_reason=row["close_reason"],
            forced=bool(row["forced"]),
        )

    def open_incident(self, account: str) -> Incident | None:
        rows = self.db.query(
            "SELECT * FROM incidents WHERE account = ? AND closed_at IS NULL", (account,)
        )
        return self._load(rows[0]) if rows else None

    def latest(self, account: str) -> Incident | None:
        """The open incident of `account`, else its most recently opened one."""
        rows = self.db.query(
            "SELECT * FROM incidents WHERE account = ? "
            "ORDER BY closed_at IS NOT NULL, opened_at DESC, id DESC LIMIT 1",
            (account,),
        )
        return self._load(rows[0]) if rows else None

    def all(self) -> list[Incident]:
        """Every incident, open ones first, newest first."""
        rows = self.db.query(
            "SELECT * FROM incidents ORDER BY closed_at IS NOT NULL, opened_at DESC, id DESC"
        )
        return [self._load(row) for row in rows]

    def require_latest(self, account: str) -> Incident:
        found = self.latest(account)
        if found is None:
            raise self._none(account, "no incident recorded")
        return found

    def _none(self, account: str, what: str) -> IncidentError:
        known = [r["account"] for r in self.db.query("SELECT DISTINCT account FROM incidents")]
        return IncidentError(
            f'{what} for account "{account}"{suggest(account, known)}; '
            f"start one with: posture breach start {account}"
        )

    # --- writing ---

    def start(
        self, checklist: Checklist, *, by: str, note: str | None, now: dt.datetime | None = None
    ) -> Incident:
        """Open an incident for the checklist's account; refuses when one is already open."""
        with self.db.transaction() as conn:
            existing = conn.execute(
                "SELECT id, opened_at FROM incidents WHERE account = ? AND closed_at IS NULL",
                (checklist.account,),
            ).fetchone()
            if existing is not None:
                raise IncidentError(
                    f'account "{checklist.account}" already has an open incident '
                    f"(#{existing[0]}, opened {existing[1]}); see: posture breach show "
                    f"{checklist.account}"
                )
            cursor = conn.execute(
                "INSERT INTO incidents (account, opened_at, opened_by, note, checklist) "
                "VALUES (?, ?, ?, ?, ?)",
                (checklist.account, _stamp(now or utc_now()), by, note, checklist.to_json()),
            )
            assert cursor.lastrowid is not None  # noqa: S101 - an INSERT sets it
            chain.append(conn, "incident_open", cursor.lastrowid)
        found = self.open_incident(checklist.account)
        assert found is not None  # noqa: S101 - just inserted in a committed transaction
        return found

    def tick(
        self,
        account: str,
        step: str,
        *,
        by: str,
        note: str | None,
        now: dt.datetime | None = None,
    ) -> tuple[Incident, Tick]:
        """Mark a step (id or printed number) of the open incident done."""
        with self.db.transaction() as conn:
            incident = self.open_incident(account)
            if incident is None:
                raise self._none(account, "no open incident")
            found = find_step(incident.checklist, step)
            if found is None:
                ids = [s.id for s in incident.checklist.steps]
                raise IncidentError(
                    f'no step "{step}" in the checklist of incident #{incident.id}'
                    f"{suggest(step, ids)}; give a step id or a number from 1 to {len(ids)} "
                    f"(see: posture breach show {account})"
                )
            earlier = incident.tick_for(found.id)
            if earlier is not None:
                raise IncidentError(
                    f'step "{found.id}" was already done at {earlier.done_at} by {earlier.done_by}'
                )
            tick = Tick(found.id, _stamp(now or utc_now()), by, note)
            cursor = conn.execute(
                "INSERT INTO incident_steps (incident_id, step_id, done_at, done_by, note) "
                "VALUES (?, ?, ?, ?, ?)",
                (incident.id, tick.step_id, tick.done_at, tick.done_by, tick.note),
            )
            assert cursor.lastrowid is not None  # noqa: S101 - an INSERT sets it
            chain.append(conn, "incident_step", cursor.lastrowid)
        updated = self.open_incident(account)
        assert updated is not None  # noqa: S101 - still open: nothing closed it in between
        return updated, tick

    def close(
        self,
        account: str,
        *,
        by: str,
        force: bool,
        reason: str | None,
        now: dt.datetime | None = None,
    ) -> Incident:
        """Close the open incident; refuses while required steps are open unless forced."""
        if force and not (reason and reason.strip()):
            raise UsageError("--force needs --reason TEXT: say why required steps stay open")
        with self.db.transaction() as conn:
            incident = self.open_incident(account)
            if incident is None:
                raise self._none(account, "no open incident")
            missing = incident.open_required()
            if missing and not force:
                shown = ", ".join(s.id for s in missing[:5])
                more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
                raise IncidentError(
                    f"cannot close incident #{incident.id}: {len(missing)} required step"
                    f"{'s' if len(missing) != 1 else ''} open ({shown}{more}; see posture breach "
                    f"show {account}); tick them with posture breach done, or close with --force "
                    "--reason TEXT"
                )
            conn.execute(
                "UPDATE incidents SET closed_at = ?, closed_by = ?, close_reason = ?, forced = ? "
                "WHERE id = ?",
                (_stamp(now or utc_now()), by, reason, int(bool(missing) and force), incident.id),
            )
            chain.append(conn, "incident_close", incident.id)
        return self.require_latest(account)

    def open_summaries(self) -> dict[str, OpenIncident]:
        """Each account with an open incident, with its progress."""
        summaries = {}
        for row in self.db.query("SELECT * FROM incidents WHERE closed_at IS NULL"):
            incident = self._load(row)
            summaries[incident.account] = OpenIncident(
                incident_id=incident.id,
                account=incident.account,
                opened_at=incident.opened_at,
                steps=len(incident.checklist.steps),
                done=len(incident.checklist.steps) - len(incident.open_steps()),
                required_open=tuple(s.id for s in incident.open_required()),
            )
        return summaries


def open_incidents_at(path: Path) -> Mapping[str, OpenIncident]:
    """Open incidents recorded in the state database at `path`; none when it does not exist."""
    if not path.exists():
        return {}
    with StateDB(path, readonly=True) as db:
        return IncidentLog(db).open_summaries()


def tick_step(
    db: StateDB | Path,
    account_id: str,
    step_id: str = ROTATE_STEP,
    by: str = "posture",
    note: str | None = None,
) -> Tick | None:
    """Tick `step_id` of the account's open incident, if there is one and it is not done yet.

    For other commands that complete a step as a side effect (`posture vault rotate` ticks
    `rotate-password`). Returns the new tick, or None when there is no database, no open incident,
    no such step in its checklist, or the step is already done. Database errors still raise.
    """
    if isinstance(db, Path):
        if not db.exists():
            return None
        with StateDB(db) as opened:
            return tick_step(opened, account_id, step_id, by, note)
    log = IncidentLog(db)
    incident = log.open_incident(account_id)
    if incident is None or incident.checklist.step(step_id) is None:
        return None
    if incident.tick_for(step_id) is not None:
        return None
    return log.tick(account_id, step_id, by=by, note=note)[1]


def tick_rotation(db: Path, account_id: str, by: str) -> list[tuple[str, str]]:
    """After `posture vault confirm ACCOUNT` (the platform took the rotated password): tick `rotate-password` on its own open incident and
    `rotate:ACCOUNT` on every other open incident that listed it as sharing the password.

    Returns (incident account, step id) for each step ticked; nothing when there is no database.
    """
    if not db.exists():
        return []
    ticked = []
    with StateDB(db) as opened:
        note = "ticked by posture vault confirm (the platform took the new password)"
        if tick_step(opened, account_id, ROTATE_STEP, by, note) is not None:
            ticked.append((account_id, ROTATE_STEP))
        for other in IncidentLog(opened).open_summaries():
            if other != account_id and tick_step(opened, other, f"rotate:{account_id}", by, note):
                ticked.append((other, f"rotate:{account_id}"))
    return ticked
