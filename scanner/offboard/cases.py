"""The offboarding record: one open case per leaver or agency, its plan as printed, who ticked what.

Stored in the state database (tables `offboarding_cases` and `offboarding_steps`), in the shape of
the breach incident record: a `Case` is an `Incident` whose "account" is who leaves, so the step
look-up, progress and rendering are the incident's own. Times are UTC, ISO 8601. Nothing here ever
holds a secret: steps are titles and notes the operator typed.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.breach.incidents import Incident, Tick, utc_now
from scanner.breach.runbook import Checklist, ChecklistStep, find_step
from scanner.core.errors import PostureError, UsageError
from scanner.core.tomlsource import suggest
from scanner.engine.facts import OpenOffboarding
from scanner.offboard.plan import ROTATE, TRANSFER, accounts_of
from scanner.state import chain
from scanner.state.db import StateDB


class CaseError(PostureError):
    """An offboarding command that does not fit the record (none open, already open, unknown step)."""


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Case(Incident):
    """An offboarding case: `account` is who leaves (person id or `agency:ID`)."""

    name: str = ""
    starts_on: dt.date = dt.date.min
    handed_to: Mapping[str, str] = field(default_factory=dict)  # transfer step id -> person id
    verification: tuple[str, ...] = ()  # what still named the leaver when it was closed

    @property
    def who(self) -> str:
        return self.account

    @property
    def accounts(self) -> tuple[str, ...]:
        return accounts_of(self.checklist)

    def summary(self) -> OpenOffboarding:
        return OpenOffboarding(
            case_id=self.id,
            who=self.who,
            name=self.name,
            starts_on=self.starts_on,
            steps=len(self.checklist.steps),
            done=len(self.checklist.steps) - len(self.open_steps()),
        )


class CaseLog:
    """Offboarding cases in an open state database. Every write is one transaction."""

    def __init__(self, db: StateDB) -> None:
        self.db = db
        # An older database opened read-only has no offboarding tables yet: nothing recorded.
        self.recorded = db.has_table("offboarding_cases")

    # --- reading ---

    def _load(self, row: sqlite3.Row) -> Case:
        ticks = []
        handed: dict[str, str] = {}
        for r in self.db.query(
            "SELECT step_id, done_at, done_by, note, handed_to FROM offboarding_steps "
            "WHERE case_id = ? ORDER BY done_at, rowid",
            (row["id"],),
        ):
            note = r["note"]
            if r["handed_to"]:
                handed[r["step_id"]] = r["handed_to"]
                note = f"new owner {r['handed_to']}" + (f"; {note}" if note else "")
            ticks.append(Tick(r["step_id"], r["done_at"], r["done_by"], note))
        return Case(
            id=row["id"],
            account=row["who"],
            opened_at=row["opened_at"],
            opened_by=row["opened_by"],
            note=row["note"],
            checklist=Checklist.from_json(row["checklist"]),
            ticks=tuple(ticks),
            closed_at=row["closed_at"],
            closed_by=row["closed_by"],
            close_reason=row["close_reason"],
            forced=bool(row["forced"]),
            name=row["name"],
            starts_on=dt.date.fromisoformat(row["starts_on"]),
            handed_to=handed,
            verification=tuple(json.loads(row["verification"] or "[]")),
        )

    def open_case(self, who: str) -> Case | None:
        if not self.recorded:
            return None
        rows = self.db.query(
            "SELECT * FROM offboarding_cases WHERE who = ? AND closed_at IS NULL", (who,)
        )
        return self._load(rows[0]) if rows else None

    def latest(self, who: str) -> Case | None:
        """The open case of `who`, else the most recently opened one."""
        if not self.recorded:
            return None
        rows = self.db.query(
            "SELECT * FROM offboarding_cases WHERE who = ? "
            "ORDER BY closed_at IS NOT NULL, opened_at DESC, id DESC LIMIT 1",
            (who,),
        )
        return self._load(rows[0]) if rows else None

    def all(self) -> list[Case]:
        """Every case, open ones first, newest first."""
        if not self.recorded:
            return []
        rows = self.db.query(
            "SELECT * FROM offboarding_cases "
            "ORDER BY closed_at IS NOT NULL, opened_at DESC, id DESC"
        )
        return [self._load(row) for row in rows]

    def require_latest(self, who: str) -> Case:
        found = self.latest(who)
        if found is None:
            raise self.none(who, "no offboarding case recorded")
        return found

    def require_open(self, who: str) -> Case:
        found = self.open_case(who)
        if found is None:
            raise self.none(who, "no open offboarding case")
        return found

    def none(self, who: str, what: str) -> CaseError:
        known = [c.who for c in self.all()]
        return no_case(who, what, known)

    def open_summaries(self) -> dict[str, OpenOffboarding]:
        """Each open case by who leaves, with its progress (for GOV-003)."""
        if not self.recorded:
            return {}
        rows = self.db.query("SELECT * FROM offboarding_cases WHERE closed_at IS NULL")
        return {case.who: case.summary() for case in map(self._load, rows)}

    # --- writing ---

    def start(
        self,
        checklist: Checklist,
        *,
        name: str,
        starts_on: dt.date,
        by: str,
        note: str | None,
        now: dt.datetime | None = None,
    ) -> Case:
        """Open a case for the plan's leaver; refuses when one is already open."""
        who = checklist.account
        with self.db.transaction() as conn:
            existing = conn.execute(
                "SELECT id, opened_at FROM offboarding_cases WHERE who = ? AND closed_at IS NULL",
                (who,),
            ).fetchone()
            if existing is not None:
                raise CaseError(
                    f'"{who}" already has an open offboarding case (#{existing[0]}, opened '
                    f"{existing[1]}); see: posture offboard show {who}"
                )
            cursor = conn.execute(
                "INSERT INTO offboarding_cases (who, name, starts_on, opened_at, opened_by, note, "
                "checklist) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    who,
                    name,
                    starts_on.isoformat(),
                    _stamp(now or utc_now()),
                    by,
                    note,
                    checklist.to_json(),
                ),
            )
            assert cursor.lastrowid is not None  # noqa: S101 - an INSERT sets it
            chain.append(conn, "offboarding_open", cursor.lastrowid)
        return self.require_open(who)

    def tick(
        self,
        who: str,
        step: str,
        *,
        by: str,
        note: str | None,
        handed_to: str | None = None,
        now: dt.datetime | None = None,
    ) -> tuple[Case, Tick]:
        """Mark a step (id or printed number) of the open case done; a transfer step needs the
        new owner (`handed_to`), which the caller has checked is an active person."""
        with self.db.transaction() as conn:
            case = self.require_open(who)
            found = self._step(case, step)
            _check_handover(found, handed_to, who)
            earlier = case.tick_for(found.id)
            if earlier is not None:
                raise CaseError(
                    f'step "{found.id}" was already done at {earlier.done_at} by {earlier.done_by}'
                )
            tick = Tick(found.id, _stamp(now or utc_now()), by, note)
            cursor = conn.execute(
                "INSERT INTO offboarding_steps (case_id, step_id, done_at, done_by, note, "
                "handed_to) VALUES (?, ?, ?, ?, ?, ?)",
                (case.id, tick.step_id, tick.done_at, tick.done_by, tick.note, handed_to),
            )
            assert cursor.lastrowid is not None  # noqa: S101 - an INSERT sets it
            chain.append(conn, "offboarding_step", cursor.lastrowid)
        return self.require_open(who), tick

    def _step(self, case: Case, step: str) -> ChecklistStep:
        found = find_step(case.checklist, step)
        if found is None:
            ids = [s.id for s in case.checklist.steps]
            raise CaseError(
                f'no step "{step}" in offboarding case #{case.id}{suggest(step, ids)}; give a '
                f"step id or a number from 1 to {len(ids)} (see: posture offboard show {case.who})"
            )
        return found

    def close(
        self,
        who: str,
        *,
        by: str,
        blockers: Sequence[str],
        force: bool,
        reason: str | None,
        now: dt.datetime | None = None,
    ) -> Case:
        """Close the open case. Refused while `blockers` (findings that still name the leaver)
        or required steps remain, unless forced with a reason; what remained is recorded."""
        if force and not (reason and reason.strip()):
            raise UsageError("--force needs --reason TEXT: say why the case closes unverified")
        with self.db.transaction() as conn:
            case = self.require_open(who)
            open_required = [s.id for s in case.open_required()]
            remaining = [*blockers, *(f"step {s} not done" for s in open_required)]
            if remaining and not force:
                raise CaseError(_refusal(case, blockers, open_required))
            conn.execute(
                "UPDATE offboarding_cases SET closed_at = ?, closed_by = ?, close_reason = ?, "
                "forced = ?, verification = ? WHERE id = ?",
                (
                    _stamp(now or utc_now()),
                    by,
                    reason,
                    int(bool(remaining) and force),
                    json.dumps(remaining),
                    case.id,
                ),
            )
            chain.append(conn, "offboarding_close", case.id)
        return self.require_latest(who)


def _check_handover(step: ChecklistStep, handed_to: str | None, who: str) -> None:
    is_transfer = step.id.startswith(f"{TRANSFER}:")
    if is_transfer and not handed_to:
        raise UsageError(
            f'step "{step.id}" needs the new owner: posture offboard done {who} {step.id} '
            "--to PERSON"
        )
    if handed_to and not is_transfer:
        raise UsageError(f'--to: step "{step.id}" hands nothing over; use it on a transfer step')


def _refusal(case: Case, blockers: Sequence[str], open_required: Sequence[str]) -> str:
    parts = []
    if blockers:
        shown = "; ".join(blockers[:6]) + (
            f"; and {len(blockers) - 6} more" if len(blockers) > 6 else ""
        )
        names = "finding still names" if len(blockers) == 1 else "findings still name"
        parts.append(f"{len(blockers)} {names} {case.name} ({shown})")
    if open_required:
        shown = ", ".join(open_required[:5]) + (
            f" and {len(open_required) - 5} more" if len(open_required) > 5 else ""
        )
        parts.append(
            f"{len(open_required)} required step{'s' if len(open_required) != 1 else ''} "
            f"open ({shown})"
        )
    return (
        f"cannot close offboarding case #{case.id} of {case.who}: {'; '.join(parts)}; fix them "
        f"(posture offboard show {case.who}), or close with --force --reason TEXT"
    )


def no_case(who: str, what: str, known: Sequence[str] = ()) -> CaseError:
    return CaseError(
        f'{what} for "{who}"{suggest(who, list(known))}; start one with: posture offboard start '
        f"{who}"
    )


def open_offboardings_at(path: Path) -> Mapping[str, OpenOffboarding]:
    """Open offboarding cases recorded in the state database at `path`; none when it does not
    exist."""
    if not path.exists():
        return {}
    with StateDB(path, readonly=True) as db:
        return CaseLog(db).open_summaries()


def tick_rotation(db: Path, account_id: str, by: str) -> list[tuple[str, str]]:
    """After `posture vault rotate ACCOUNT`: tick `rotate:ACCOUNT` on every open offboarding case
    that lists it. Returns (who, step id) for each step ticked; nothing without a database."""
    if not db.exists():
        return []
    step_id = f"{ROTATE}:{account_id}"
    ticked = []
    with StateDB(db) as opened:
        log = CaseLog(opened)
        for who in log.open_summaries():
            case = log.open_case(who)
            if case is None or case.checklist.step(step_id) is None or case.tick_for(step_id):
                continue
            log.tick(who, step_id, by=by, note="ticked by posture vault rotate")
            ticked.append((who, step_id))
    return ticked
