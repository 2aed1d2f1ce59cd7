"""Vault work the CLI asks for: storing secrets, importing an export, removing an entry,
forgetting a cached key. The CLI parses, prompts and prints; the changes themselves live here."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from scanner.core.secret import Secret
from scanner.vault.entries import AT, Entry
from scanner.vault.errors import EntryMissing
from scanner.vault.importers import Outcome, RowPlan
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
class ImportedRow:
    """What the import did (or, in a dry run, would do) with one planned row."""

    plan: RowPlan
    # "stored", "unchanged", "date" (same value, set date filled in) or "" (not imported).
    action: str
    set_at: dt.datetime | None = None


def import_rows(
    vault: Vault,
    plans: Sequence[RowPlan],
    *,
    source: str,
    seeds: Mapping[int, TotpSeed],
    set_on: dt.datetime | None,
    now: dt.datetime,
    dry_run: bool,
) -> list[ImportedRow]:
    """Store every row planned for import in one vault update (none in a dry run).

    A row's set date is the export's own (KeePassXC "Last Modified"), else `set_on`, else unknown.
    An unchanged password keeps its entry's date unless that date is unknown.
    """

    def change(entries: dict[str, Entry]) -> list[ImportedRow]:
        done = []
        for plan in plans:
            if plan.outcome is not Outcome.IMPORT or plan.account is None:
                done.append(ImportedRow(plan, ""))
                continue
            name = plan.account.vault_entry
            entry, action = _imported(entry_or_new(entries, name), plan, seeds, set_on, now, source)
            entries[name] = entry
            done.append(ImportedRow(plan, action, entry.password_set_at))
        return done

    planned = change(dict(vault.entries()))
    if dry_run or not any(row.action in ("stored", "date") for row in planned):
        return planned  # nothing to write: the vault file stays byte for byte as it was
    return vault.update(change, action=f"import {source}")


def _imported(
    entry: Entry,
    plan: RowPlan,
    seeds: Mapping[int, TotpSeed],
    set_on: dt.datetime | None,
    now: dt.datetime,
    source: str,
) -> tuple[Entry, str]:
    login = plan.login
    set_at = login.modified or set_on
    action = "unchanged"
    if login.password is not None and login.password != entry.password:
        entry = entry.with_password(
            login.password, now, f"replaced by import from {source}", set_at=set_at
        )
        action = "stored"
    elif login.password is not None and entry.password_set_at is None and set_at is not None:
        entry = dataclasses.replace(entry, password_set_at=set_at)
        action = "date"
    seed = seeds.get(login.row)
    if seed is not None and seed != entry.totp:
        entry = dataclasses.replace(entry, totp=seed)
        action = "stored"
    return entry, action


def forget_key(path: Path) -> bool:
    """Remove the vault's cached key from the OS keyring; False when none was held."""
    from scanner.vault import format as fmt
    from scanner.vault import store
    from scanner.vault.passphrase import OsKeyring

    header = fmt.parse(store.read(path), path).header
    return OsKeyring().forget(header.vault_id)
