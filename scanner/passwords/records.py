"""From vault entries to `SecretRecord`s: the one place that knows the vault's entry shape.

Typed by structure (Protocols), so it accepts the vault's `Entry` without importing the vault.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol

from scanner.core.secret import Secret
from scanner.engine.facts import HeldVerdict, SecretRecord
from scanner.inventory.accounts import Inventory


class TotpSeedLike(Protocol):
    @property
    def secret(self) -> Secret: ...


class PendingLike(Protocol):
    @property
    def created_at(self) -> dt.datetime: ...


class EntryLike(Protocol):
    @property
    def password(self) -> Secret | None: ...
    @property
    def password_set_at(self) -> dt.datetime | None: ...
    @property
    def totp(self) -> TotpSeedLike | None: ...
    @property
    def pending(self) -> PendingLike | None: ...
    @property
    def recorded(self) -> HeldVerdict | None: ...


def records_from_vault(
    inventory: Inventory, entries: Mapping[str, EntryLike]
) -> list[SecretRecord]:
    """One record per inventory account that has a vault entry (matched by `vault_entry`)."""
    records = []
    for account in inventory.accounts:
        entry = entries.get(account.vault_entry)
        if entry is None:
            continue
        records.append(
            SecretRecord(
                account_id=account.id,
                password=entry.password,
                password_set_at=entry.password_set_at,
                totp_secret=entry.totp.secret if entry.totp is not None else None,
                rotation_pending_since=entry.pending.created_at if entry.pending else None,
                recorded=entry.recorded,
            )
        )
    return records
