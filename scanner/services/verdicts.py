"""PWD-001 verdicts recorded with each stored password, and `posture vault recheck` (issue 14).

A strength verdict is a function of the password and of non-secret inputs anyone who edits the
policy or the inventory controls (blocklist, minimum length and strength, context words). If a
scan re-evaluated it under every edit, adding `penguin` to the blocklist and watching one
account's PWD-001 flip would tell the editor the password contains "penguin". So the verdict is
evaluated when a password is written into the vault and recorded with it, inside the encrypted
payload (a fresh CI state database cannot bypass it), with the digest of those inputs (its
`basis`). A scan under the same basis evaluates live; under another it keeps the recorded
verdict and says, once for all such passwords, that the rules changed. `vault recheck` (which
needs the passphrase, so whoever runs it can read every password anyway) applies the new rules.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from checks.passwords import weak_password
from scanner.core.model import Status
from scanner.engine.context import ScanContext
from scanner.engine.facts import PENDING, HeldVerdict, SecretRecord
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import catalogue
from scanner.inventory.policy import Policy
from scanner.passwords.analysis import analyse, verdict_bases
from scanner.passwords.records import records_from_vault
from scanner.services.scan import HMAC_PURPOSE
from scanner.state.db import StateDB
from scanner.state.scores import ScoreCache
from scanner.vault.entries import Entry
from scanner.vault.vault import Vault


def record_verdicts(
    entries: dict[str, Entry],
    inventory: Inventory,
    policy: Policy,
    hmac_key: bytes,
    *,
    every: bool = False,
    defer: bool = False,
    db: Path | None = None,
) -> list[str]:
    """Record the PWD-001 verdict, evaluated now, with every inventory account's password that
    has none recorded for its current value (every password with `every`); returns the entry
    names given a record. Changes `entries` in place; scores only the passwords concerned, through
    the score cache of the state database `db` when given (so the next scan need not). With
    `defer` (a bulk import) nothing is scored: the basis is recorded with a PENDING verdict."""
    due = [
        account
        for account in inventory.accounts
        if (entry := entries.get(account.vault_entry)) is not None
        and entry.password is not None
        and (every or entry.recorded is None)
    ]
    if not due:
        return []
    # The accounts due, and any sharing a password with them: a password is scored against the
    # context words of every account that uses it, as in a scan.
    values = {_password(entries, a) for a in due}
    records = [
        SecretRecord(r.account_id, r.password, r.password_set_at)
        for r in records_from_vault(inventory, entries)
        if r.password is not None and r.password.reveal() in values
    ]
    if defer:
        return _record_bases(
            entries, due, verdict_bases(inventory, policy, records, hmac_key=hmac_key)
        )
    with _cache(db) as cache:
        facts = analyse(inventory, policy, records, hmac_key=hmac_key, cache=cache)
    context = ScanContext(inventory=inventory, policy=policy, platforms=catalogue(), secrets=facts)
    done = []
    for account in due:
        verdict = weak_password(account, context)
        basis = facts.accounts[account.id].basis
        if basis is None or verdict.status not in (Status.PASS, Status.FAIL):
            continue
        held = HeldVerdict(basis, verdict.status.value, verdict.message, dict(verdict.evidence))
        entries[account.vault_entry] = entries[account.vault_entry].with_verdict(held)
        done.append(account.vault_entry)
    return done


def _record_bases(
    entries: dict[str, Entry], due: list[Account], bases: dict[str, str]
) -> list[str]:
    """Record each due password's basis alone (PENDING): scoring nothing keeps a bulk import
    linear and cheap; a scan under the same basis evaluates live, under another it skips."""
    done = []
    for account in due:
        if account.id in bases:
            held = HeldVerdict(bases[account.id], PENDING, "")
            entries[account.vault_entry] = entries[account.vault_entry].with_verdict(held)
            done.append(account.vault_entry)
    return done


@contextlib.contextmanager
def _cache(db: Path | None) -> Iterator[ScoreCache | None]:
    if db is None or not db.parent.is_dir():
        yield None
        return
    with StateDB(db) as opened:
        yield ScoreCache(opened)


def _password(entries: dict[str, Entry], account: Account) -> str:
    password = entries[account.vault_entry].password
    assert password is not None  # noqa: S101 - only accounts with a password are due
    return password.reveal()


def recorder(
    vault: Vault,
    inventory: Inventory,
    policy: Policy,
    db: Path | None = None,
    *,
    defer: bool = False,
) -> Callable[[dict[str, Entry]], object]:
    """What `Vault.stamp` runs on every save: a record for each password lacking one (its basis
    alone with `defer`, for imports of many passwords at once)."""
    key = vault.derive_key(HMAC_PURPOSE)
    return lambda entries: record_verdicts(entries, inventory, policy, key, defer=defer, db=db)


def recheck(
    vault: Vault, inventory: Inventory, policy: Policy, db: Path | None = None
) -> list[str]:
    """Re-evaluate every stored password under the current rules and record the verdicts, in
    one audited vault change (`recheck`); returns the entry names rechecked."""
    key = vault.derive_key(HMAC_PURPOSE)
    return vault.update(
        lambda entries: record_verdicts(entries, inventory, policy, key, every=True, db=db),
        action="recheck",
    )
