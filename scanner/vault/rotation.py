"""Which accounts must have their password rotated: someone who knew it is gone."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from scanner.inventory.accounts import Account, Inventory
from scanner.vault.entries import Entry


class EntrySource(Protocol):
    def entry(self, name: str) -> Entry | None: ...


def due_for_rotation(
    inventory: Inventory, vault: EntrySource, today: dt.date
) -> list[tuple[Account, str]]:
    """Accounts whose password was set (or has no known set date) before a holder lost access.

    A person in `password_known_by` who departed on or before `today` loses access on
    `departed_on`; a password set on or after that day is fresh. An agency loses access the day
    after `contract_ends`. Returns (account, reason) in inventory order; the reason names who.
    """
    due: list[tuple[Account, str]] = []
    for account in inventory.accounts:
        entry = vault.entry(account.vault_entry)
        set_on = (
            entry.password_set_at.date()
            if entry is not None and entry.password is not None and entry.password_set_at
            else None
        )
        reason = rotation_reason(inventory, account, set_on, today)
        if reason:
            due.append((account, reason))
    return due


def rotation_reason(
    inventory: Inventory, account: Account, set_on: dt.date | None, today: dt.date
) -> str | None:
    """Why the account's password must be rotated now (who lost access since it was set), or None.

    The one rule behind ACC-003 and `posture vault rotate --all-due`.
    """
    reasons = []
    for ref in account.password_known_by:
        lost_access = _access_lost_on(inventory, ref)
        if lost_access is None or lost_access > today:
            continue
        if set_on is None or set_on < lost_access:
            reasons.append(_reason(inventory, ref, lost_access))
    if not reasons:
        return None
    when = f"password set {set_on.isoformat()}" if set_on else "no password set date"
    return f"{'; '.join(reasons)} ({when})"


def _access_lost_on(inventory: Inventory, ref: str) -> dt.date | None:
    if ref.startswith("agency:"):
        agency = inventory.agencies.get(ref[len("agency:") :])
        if agency is None or agency.contract_ends is None:
            return None
        return agency.contract_ends + dt.timedelta(days=1)
    person = inventory.people.get(ref)
    if person is None or person.active:
        return None
    return person.departed_on


def _reason(inventory: Inventory, ref: str, lost_access: dt.date) -> str:
    name = inventory.holder_name(ref)
    if ref.startswith("agency:"):
        ended = lost_access - dt.timedelta(days=1)
        return f"{name}'s contract ended {ended.isoformat()}"
    return f"{name} departed {lost_access.isoformat()}"
