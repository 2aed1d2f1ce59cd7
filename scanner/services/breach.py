"""Breach work that needs the vault: which other accounts still use a value the attacker may hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.breach.runbook import PasswordLikeness, SharedPassword
from scanner.core.secret import Secret
from scanner.inventory.accounts import Account, Inventory
from scanner.passwords.reuse import Grouping
from scanner.services.scan import HMAC_PURPOSE

if TYPE_CHECKING:
    from scanner.vault.vault import Vault

# Values replaced this recently may be what the attacker took (a panic rotation came first).
RECENT_DAYS = 30
_SUSPECT = "\x00suspect-"  # keys no account id can take ([A-Za-z0-9._-] only)


def compromised_values(
    entry_password: Secret | None,
    history: list[tuple[Secret, dt.datetime]],
    since: dt.datetime,
) -> list[Secret]:
    """The account's live value plus every value replaced on or after `since`."""
    values = [entry_password] if entry_password is not None else []
    values += [value for value, retired in history if retired >= since]
    return list(dict.fromkeys(values))


def _suspects(vault: Vault, account: Account, cutoff: dt.datetime) -> list[Secret]:
    entry = vault.entry(account.vault_entry)
    if entry is None:
        return []
    history = [(p.value, p.retired_at) for p in entry.history]
    return compromised_values(entry.password, history, cutoff)


def _live_passwords(vault: Vault, inventory: Inventory, account: Account) -> dict[str, Secret]:
    """Every other account's live password."""
    found = {}
    for other in inventory.accounts:
        entry = vault.entry(other.vault_entry)
        if other.id != account.id and entry is not None and entry.password is not None:
            found[other.id] = entry.password
    return found


def shared_with_compromised(
    vault_path: Path,
    inventory: Inventory,
    account: Account,
    *,
    since: dt.date | None = None,
    passphrase_file: Path | None = None,
    notice: Callable[[str], None] | None = None,
) -> tuple[SharedPassword, ...]:
    """Other accounts whose live password is the same as, or nearly, a value this account had
    when it was compromised: its live one and those replaced since `since` (default: 30 days
    ago), from the vault's history. Found by keyed digests, never by comparing plaintexts."""
    from scanner.state.db import default_state_path
    from scanner.vault import unlock
    from scanner.vault.team_access import TeamAccess

    vault = unlock(
        vault_path,
        passphrase_file=passphrase_file,
        notice=notice or (lambda _: None),
        team=TeamAccess(inventory, default_state_path(inventory.path)),
    )
    start = since or (dt.date.today() - dt.timedelta(days=RECENT_DAYS))
    cutoff = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    suspects = _suspects(vault, account, cutoff)
    others = _live_passwords(vault, inventory, account)
    keys = {f"{_SUSPECT}{n}": value for n, value in enumerate(suspects)}
    grouping = Grouping({**others, **keys}, vault.derive_key(HMAC_PURPOSE))
    same: dict[str, None] = {}
    similar: dict[str, None] = {}
    for key in keys:
        same.update(dict.fromkeys(a for a in grouping.same.get(key, ()) if a in others))
        similar.update(dict.fromkeys(a for a in grouping.similar.get(key, ()) if a in others))
    return (
        *(SharedPassword(a, PasswordLikeness.SAME) for a in same),
        *(SharedPassword(a, PasswordLikeness.SIMILAR) for a in similar if a not in same),
    )
