"""Offboarding as services: the plan for a leaver, and the verification a case must pass to close.

The CLI parses and prints; this module loads the inventory, runs the checks that verify a close
(through the scan pipeline, so the rules are the checks' own) and opens the vault for the
password dates the ACC-003 rule needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scanner.breach.runbook import Checklist
from scanner.engine.facts import PasswordFacts
from scanner.inventory import holders
from scanner.inventory.accounts import Inventory
from scanner.offboard.cases import Case
from scanner.offboard.plan import ROTATE, Leaver, build_plan, leaver, scope
from scanner.offboard.verify import (
    VERIFIED_CHECKS,
    departure_recorded,
    naming_findings,
    unrotated,
)
from scanner.services.scan import ScanRequest, load, perform_scan


def plan(
    inventory_file: Path, who: str, on: dt.date | None, today: dt.date | None = None
) -> tuple[Inventory, Leaver, Checklist]:
    """The inventory, the leaver (with the case date) and their plan as built now."""
    inventory = load(inventory_file)
    found = leaver(inventory, who, on, today or dt.date.today())
    return inventory, found, build_plan(inventory, found)


@dataclass(frozen=True)
class Verification:
    """What still ties the leaver to the company's accounts; empty `blockers`: verified."""

    blockers: tuple[str, ...]
    as_of: dt.date
    vault_opened: bool


def verify_case(
    case: Case,
    inventory_file: Path,
    *,
    db: Path,
    vault: Path | None,
    passphrase_file: Path | None = None,
    today: dt.date | None = None,
    warn: Callable[[str], None] = lambda _: None,
) -> Verification:
    """Run the verified checks on the case's accounts (and any account tied to the leaver now)
    as of the later of today and the day the leaver lost access."""
    from scanner.vault.errors import PassphraseUnavailable

    inventory = load(inventory_file)
    who = case.who
    lost = holders.access_lost_on(inventory, who)
    day = today or dt.date.today()
    as_of = max(day, lost) if lost else day
    accounts = list(dict.fromkeys([*case.accounts, *(a.id for a, _ in scope(inventory, who))]))
    request = ScanRequest(
        inventory=inventory_file,
        include=VERIFIED_CHECKS,
        today=as_of,
        db=db,
        vault=vault,
        passphrase_file=passphrase_file,
    )
    try:
        result = perform_scan(request)
        opened = vault is not None and vault.exists()
    except PassphraseUnavailable:
        warn(
            "vault not opened (no passphrase source): password rotation cannot be verified; set "
            "POSTURE_VAULT_PASSPHRASE or use --passphrase-file"
        )
        result = perform_scan(
            ScanRequest(inventory=inventory_file, include=VERIFIED_CHECKS, today=as_of, db=db)
        )
        opened = False
    blockers = naming_findings(result.findings, inventory, who, accounts)
    recorded = departure_recorded(inventory, who, case.starts_on)
    if recorded:
        blockers.insert(0, recorded)
    knew = _knew(case, inventory)
    set_dates = _set_dates(result.context.secrets, knew) if opened else None
    blockers += unrotated(inventory, who, knew, set_dates, as_of)
    return Verification(tuple(blockers), as_of, opened)


def _knew(case: Case, inventory: Inventory) -> list[str]:
    """Accounts whose password the leaver knew when the case opened (a rotate step) and that no
    longer list them (while listed, ACC-003 itself names them)."""
    by_id = {a.id: a for a in inventory.accounts}
    return [
        a
        for a in case.accounts
        if case.checklist.step(f"{ROTATE}:{a}") is not None
        and not (a in by_id and case.who in by_id[a].password_known_by)
    ]


def _set_dates(
    facts: PasswordFacts | None, accounts: list[str]
) -> dict[str, dt.date | None] | None:
    """When each account's password was set, from the vault; None when no vault was analysed."""
    if facts is None:
        return None
    dates: dict[str, dt.date | None] = {}
    for account_id in accounts:
        secrets = facts.get(account_id)
        stamp = secrets.password_set_at if secrets else None
        dates[account_id] = stamp.date() if stamp else None
    return dates
