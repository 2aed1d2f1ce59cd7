"""Rotation: new passwords by the platform's rules, kept in the vault, and the breach
checklists that the rotation completes. Services may use both the vault and the breach records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.core.errors import UsageError
from scanner.core.secret import Secret
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import Platform, platform_for
from scanner.vault.entries import Entry
from scanner.vault.errors import EntryMissing
from scanner.vault.generate import generate_password
from scanner.vault.rotation import due_for_rotation
from scanner.vault.service import entry_or_new
from scanner.vault.vault import Vault


@dataclass(frozen=True)
class RotationDone:
    """One account rotated: what the operator must now do on the platform."""

    account: Account
    reason: str
    platform: Platform
    had_password: bool
    ticked: tuple[tuple[str, str], ...]  # (incident account, step id) ticked by this rotation


def rotation_work(
    inventory: Inventory,
    vault: Vault,
    account_id: str | None,
    *,
    all_due: bool,
    reason: str | None,
    today: dt.date,
) -> list[tuple[Account, str]]:
    """The accounts to rotate with why: one named account, or every account due (holders)."""
    if (account_id is None) == (not all_due):
        raise UsageError("give one ACCOUNT or --all-due")
    if all_due:
        return [(a, reason or why) for a, why in due_for_rotation(inventory, vault, today)]
    assert account_id is not None  # noqa: S101 - checked above
    return [(inventory.account(account_id), reason or "manual rotation")]


def rotate(
    vault: Vault,
    work: Sequence[tuple[Account, str]],
    *,
    db: Path,
    by: str,
    now: dt.datetime,
) -> list[RotationDone]:
    """Generate and store a new password for each account, then tick the incidents' steps."""
    from scanner.breach.incidents import tick_rotation

    platforms = {a.id: platform_for(a.platform) for a, _ in work}
    fresh: dict[str, Secret] = {a.id: generate_password(platforms[a.id].password) for a, _ in work}
    had_password = {a.id for a, _ in work if (e := vault.entry(a.vault_entry)) and e.password}

    def change(entries: dict[str, Entry]) -> None:
        for target, why in work:
            entry = entry_or_new(entries, target.vault_entry)
            entries[target.vault_entry] = entry.rotated(fresh[target.id], now, why)

    vault.update(change, action="rotate")
    return [
        RotationDone(
            account=target,
            reason=why,
            platform=platforms[target.id],
            had_password=target.id in had_password,
            ticked=tuple(tick_rotation(db, target.id, by)),
        )
        for target, why in work
    ]


def rollback(vault: Vault, name: str, now: dt.datetime) -> None:
    """Bring back the previous password of entry `name`; EntryMissing when there is none."""

    def change(entries: dict[str, Entry]) -> None:
        entry = entries.get(name)
        if entry is None:
            raise EntryMissing(f'no vault entry "{name}"', path=vault.path)
        previous = entry.rolled_back(now)
        if previous is None:
            raise EntryMissing(f'entry "{name}" has no earlier password', path=vault.path)
        entries[name] = previous

    vault.update(change, action="rollback")
