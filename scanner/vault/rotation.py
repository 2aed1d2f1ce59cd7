"""Which accounts must have their password rotated: someone who knew it is gone."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.holders import rotation_reason
from scanner.vault.entries import Entry


class EntrySource(Protocol):
    def entry(self, name: str) -> Entry | None: ...


def due_for_rotation(
    inventory: Inventory, vault: EntrySource, today: dt.date
) -> list[tuple[Account, str]]:
    """Accounts whose password was set (or has no known set date) before a holder lost access,
    as (account, reason) in inventory order; `holders.rotation_reason` is the rule."""
    due: list[tuple[Account, str]] = []
    # Team vault: entries `vault sync` took a reader from since their password was set.
    marks_of = getattr(vault, "rotation_marks", None)
    marks = marks_of() if marks_of is not None else {}
    for account in inventory.accounts:
        entry = vault.entry(account.vault_entry)
        set_on = (
            entry.password_set_at.date()
            if entry is not None and entry.password is not None and entry.password_set_at
            else None
        )
        reason = rotation_reason(inventory, account, set_on, today)
        mark = marks.get(account.vault_entry)
        if mark is not None:
            who = ", ".join(inventory.holder_name(r) for r in mark.removed)
            removed = f"{who} no longer read(s) the vault entry (vault sync {mark.since.date()})"
            reason = f"{reason}; {removed}" if reason else removed
        if reason:
            due.append((account, reason))
    return due
