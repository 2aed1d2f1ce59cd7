"""Who must be able to read each vault entry in team mode, from the inventory: the account's
current password holders who have an age recipient, plus the vault's custodians."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from scanner.core.errors import VaultError
from scanner.inventory.accounts import Inventory
from scanner.inventory.holders import has_access, is_agency
from scanner.inventory.keys import signing_key_bytes


@dataclass(frozen=True)
class Custody:
    """The inventory's answer to "who reads which entry" and "whose signature counts"."""

    custodians: Mapping[str, str]  # custodian id -> age recipient
    signing_keys: Mapping[str, bytes]  # custodian id -> Ed25519 public key
    recipients: Mapping[str, str]  # every ref (person id, agency:ID) with a recipient
    holders: Mapping[str, tuple[str, ...]]  # entry name -> current holders with a recipient
    keyless: Mapping[str, tuple[str, ...]]  # entry name -> current holders without a recipient

    def readers(self, name: str) -> dict[str, str]:
        """ref -> recipient of everyone who must read entry `name` (custodians for any entry the
        inventory does not name)."""
        refs = dict.fromkeys((*self.holders.get(name, ()), *self.custodians))
        return {ref: self.recipients[ref] for ref in refs}

    def who(self, recipient: str) -> str | None:
        """The ref whose recipient this is (the first in inventory order), or None."""
        if not hasattr(self, "_owners"):
            owners: dict[str, str] = {}
            for ref, known in self.recipients.items():
                owners.setdefault(known, ref)
            object.__setattr__(self, "_owners", owners)
        found: str | None = getattr(self, "_owners").get(recipient)  # noqa: B009
        return found


def custody(inventory: Inventory, today: dt.date | None = None) -> Custody:
    """The custody the inventory asks for as of `today`; VaultError when it is not team mode."""
    settings = inventory.vault
    if not settings.team:
        raise VaultError('the inventory has no [vault] mode = "team"')
    day = today or dt.date.today()
    recipients = _recipients(inventory)
    holders: dict[str, tuple[str, ...]] = {}
    keyless: dict[str, tuple[str, ...]] = {}
    for account in inventory.accounts:
        current = [ref for ref in account.password_known_by if has_access(inventory, ref, day)]
        holders[account.vault_entry] = tuple(r for r in current if r in recipients)
        keyless[account.vault_entry] = tuple(r for r in current if r not in recipients)
    signing = {
        ref: raw
        for ref in settings.custodians
        if (raw := signing_key_bytes(inventory.people[ref].signing_key or "")) is not None
    }
    return Custody(
        custodians={ref: recipients[ref] for ref in settings.custodians},
        signing_keys=signing,
        recipients=recipients,
        holders=holders,
        keyless=keyless,
    )


def _recipients(inventory: Inventory) -> dict[str, str]:
    """ref -> age recipient of every person and agency that has one."""
    found = {p.id: p.age_recipient for p in inventory.people.values() if p.age_recipient}
    for agency in inventory.agencies.values():
        if agency.age_recipient:
            found[agency.ref] = agency.age_recipient
    return found


def holder_ref(inventory: Inventory, ref: str) -> str:
    """A person id or agency ref as given on the command line (`agency:ID` or the agency's id)."""
    if is_agency(ref) or ref in inventory.people:
        return ref
    if ref in inventory.agencies:
        return inventory.agencies[ref].ref
    return ref
