"""Vault work the CLI asks for: storing secrets, importing an export, removing an entry,
forgetting a cached key. The CLI parses, prompts and prints; the changes themselves live here."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scanner.core.secret import Secret
from scanner.vault.entries import AT, Entry
from scanner.vault.errors import EntryMissing
from scanner.vault.otp import TotpSeed
from scanner.vault.vault import Vault


def entry_or_new(entries: dict[str, Entry], name: str) -> Entry:
    return entries.get(name) or Entry(name=name)


@dataclass(frozen=True)
class NewSecrets:
    """What `vault set` stores in one entry; None (or `codes is None`) leaves a part as it is."""

    password: Secret | None = None
    # When the password was set on the platform: AT (now), a given date, or None (unknown).
    set_at: dt.datetime | Literal["at"] | None = AT
    totp: TotpSeed | None = None
    codes: tuple[Secret, ...] | None = None


def store_secrets(vault: Vault, name: str, new: NewSecrets, now: dt.datetime) -> None:
    """Store `new` in entry `name` (created when missing); an unchanged password keeps its date."""

    def change(entries: dict[str, Entry]) -> None:
        entry = entry_or_new(entries, name)
        if new.password is not None and new.password != entry.password:
            entry = entry.with_password(
                new.password, now, "replaced by vault set", set_at=new.set_at
            )
        elif new.password is not None and isinstance(new.set_at, dt.datetime):
            entry = dataclasses.replace(entry, password_set_at=new.set_at)
        if new.totp is not None:
            entry = dataclasses.replace(entry, totp=new.totp)
        if new.codes is not None:
            entry = dataclasses.replace(entry, recovery_codes=new.codes)
        entries[name] = entry

    vault.update(change, action="set")


def remove_entry(vault: Vault, name: str) -> None:
    """Remove entry `name`; EntryMissing when there is none (nothing is written)."""

    def change(entries: dict[str, Entry]) -> None:
        if entries.pop(name, None) is None:
            raise EntryMissing(f'no vault entry "{name}"', path=vault.path)

    vault.update(change, action="rm")


@dataclass(frozen=True)
class Stored:
    """One value an import writes into an entry."""

    entry: str
    password: Secret | None
    set_at: dt.datetime | Literal["at"] | None  # the export's date; None: unknown; AT: now
    totp: TotpSeed | None


def store_imported(vault: Vault, rows: Sequence[Stored], source: str, now: dt.datetime) -> None:
    """Write the planned rows in one vault update; an unchanged password keeps its own date."""

    def change(entries: dict[str, Entry]) -> None:
        for row in rows:
            entry = entry_or_new(entries, row.entry)
            if row.password is not None and row.password != entry.password:
                entry = entry.with_password(
                    row.password, now, f"replaced by import from {source}", set_at=row.set_at
                )
            if row.totp is not None:
                entry = dataclasses.replace(entry, totp=row.totp)
            entries[row.entry] = entry

    if rows:
        vault.update(change, action=f"import {source}")


def forget_key(path: Path) -> bool:
    """Remove the vault's cached key from the OS keyring; False when none was held."""
    from scanner.vault import format as fmt
    from scanner.vault import store
    from scanner.vault.passphrase import OsKeyring

    header = fmt.parse(store.read(path), path).header
    return OsKeyring().forget(header.vault_id)
