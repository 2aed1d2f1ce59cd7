"""Rotation: new passwords by the platform's rules, kept in the vault, and the breach
checklists that the rotation completes. Services may use both the vault and the breach records."""

from __future__ import annotations

import dataclasses
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
    # The checklist steps ticked, as lines ("breach checklist of x-main: ticked ..."): only on
    # confirmation, when the platform took the password.
    ticked: tuple[str, ...] = ()
    # A rotation already pending since this time (nothing new was generated for it).
    already_pending: dt.datetime | None = None


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
    vault: Vault, work: Sequence[tuple[Account, str]], *, now: dt.datetime
) -> list[RotationDone]:
    """Generate a new password for each account by its platform's rules and keep it PENDING:
    the live password stays current (scans judge it) until the operator confirms that the
    platform took the new one. An account with a rotation already pending keeps that value."""
    platforms = {a.id: platform_for(a.platform) for a, _ in work}
    fresh: dict[str, Secret] = {a.id: generate_password(platforms[a.id].password) for a, _ in work}

    def change(entries: dict[str, Entry]) -> list[RotationDone]:
        done = []
        for target, why in work:
            entry = entry_or_new(entries, target.vault_entry)
            pending = entry.pending.created_at if entry.pending is not None else None
            if pending is None:
                entries[target.vault_entry] = entry.with_pending(fresh[target.id], now, why)
            done.append(
                RotationDone(
                    account=target,
                    reason=entry.pending.reason if entry.pending is not None else why,
                    platform=platforms[target.id],
                    had_password=entry.password is not None,
                    already_pending=pending,
                )
            )
        return done

    return vault.update(change, action="rotate")


def confirm(
    vault: Vault, accounts: Sequence[Account], *, db: Path, by: str, now: dt.datetime
) -> list[RotationDone]:
    """The platform took the pending passwords: they become live (set now), the old ones go to
    history, and the breach checklists' rotate steps are ticked. EntryMissing when an account
    has no pending rotation (nothing is written)."""

    def change(entries: dict[str, Entry]) -> list[tuple[Account, str, bool]]:
        done = []
        for account in accounts:
            entry = entries.get(account.vault_entry)
            promoted = entry.confirmed(now) if entry is not None else None
            if entry is None or entry.pending is None or promoted is None:
                raise EntryMissing(
                    f"{account.id}: no rotation is pending (run posture vault rotate first)",
                    path=vault.path,
                )
            done.append((account, entry.pending.reason, entry.password is not None))
            entries[account.vault_entry] = promoted
        return done

    return [
        RotationDone(
            account=account,
            reason=why,
            platform=platform_for(account.platform),
            had_password=had,
            ticked=tick_checklists(db, account.id, by),
        )
        for account, why, had in vault.update(change, action="confirm rotation")
    ]


def tick_checklists(db: Path, account_id: str, by: str) -> tuple[str, ...]:
    """Tick the rotate steps a confirmed rotation completes: breach incidents and offboarding
    cases; one line for each."""
    from scanner.breach.incidents import tick_rotation
    from scanner.offboard.cases import tick_rotation as tick_offboarding

    lines = [
        f"breach checklist of {a}: ticked {step}" for a, step in tick_rotation(db, account_id, by)
    ]
    lines += [
        f"offboarding of {w}: ticked {step}" for w, step in tick_offboarding(db, account_id, by)
    ]
    return tuple(lines)


def rollback(vault: Vault, name: str, now: dt.datetime) -> str:
    """Cancel entry `name`'s pending rotation, or else bring back its previous password; says
    which ("cancelled" or "rolled back"). EntryMissing when there is nothing to undo."""

    def change(entries: dict[str, Entry]) -> str:
        entry = entries.get(name)
        if entry is None:
            raise EntryMissing(f'no vault entry "{name}"', path=vault.path)
        if entry.pending is not None:
            entries[name] = dataclasses.replace(entry, pending=None)
            return "cancelled"
        previous = entry.rolled_back(now)
        if previous is None:
            raise EntryMissing(f'entry "{name}" has no earlier password', path=vault.path)
        entries[name] = previous
        return "rolled back"

    return vault.update(change, action="rollback")
