"""`posture accounts`: the inventory as rows (who owns what, MFA, holders, vault entry, open cases).

Reads the inventory, the vault's entry list when a passphrase source is at hand (never a
prompt; never a secret in a row), and the open incidents in the state database.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scanner.breach.incidents import open_incidents_at
from scanner.core.errors import InputError
from scanner.core.model import Tier
from scanner.engine.facts import OpenIncident, OpenOffboarding
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.holders import lost_access, offboarding_ties, ties
from scanner.inventory.platforms import platform_ids
from scanner.offboard.cases import open_offboardings_at
from scanner.services.scan import load


class VaultState(enum.Enum):
    """What the listing could learn about the vault."""

    OPEN = "open"  # unlocked: each row says whether its entry is stored, and its age
    LOCKED = "locked"  # there is a vault, but no passphrase source without a prompt
    ABSENT = "absent"  # no vault file


@dataclass(frozen=True)
class AccountsRequest:
    inventory: Path
    vault: Path | None  # None: do not look at the vault
    db: Path
    passphrase_file: Path | None = None
    person: str | None = None
    platform: str | None = None
    tier: Tier | None = None
    today: dt.date | None = None


@dataclass(frozen=True)
class AccountRow:
    """One account as listed. People are ids or `agency:ID`; `lost_access` names those listed
    (owner, admin, holder) who have left or whose contract has ended."""

    id: str
    platform: str
    tier: str
    owner: str | None
    mfa: str
    admins: tuple[str, ...]
    holders: tuple[str, ...]
    lost_access: tuple[str, ...]
    vault_entry: str
    # "stored", "no password", "missing" (no entry); "locked" or "no vault" when not open.
    vault: str
    password_age_days: int | None
    incident: str | None
    line: int | None
    # Open offboarding cases of people or agencies tied to the account ("offboarding #2 (alex)").
    offboarding: tuple[str, ...] = ()
    # Launches under embargo on the account ("Spring range until 2027-03-01").
    embargo: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountsListing:
    inventory: Inventory
    vault_state: VaultState
    rows: tuple[AccountRow, ...]


def list_accounts(request: AccountsRequest) -> AccountsListing:
    """The inventory's accounts that match the filters, with vault and incident status."""
    inventory = load(request.inventory)
    _check_filters(inventory, request)
    today = request.today or dt.date.today()
    state, entries = _vault_entries(request, inventory)
    incidents = open_incidents_at(request.db)
    cases = open_offboardings_at(request.db)
    rows = tuple(
        _row(inventory, account, today, state, entries, incidents.get(account.id), cases)
        for account in inventory.accounts
        if _selected(account, request)
    )
    return AccountsListing(inventory=inventory, vault_state=state, rows=rows)


def _check_filters(inventory: Inventory, request: AccountsRequest) -> None:
    from scanner.core.tomlsource import suggest

    person = request.person
    if (
        person is not None
        and person not in inventory.people
        and not (person.startswith("agency:") and inventory.agency_for(person))
    ):
        known = list(inventory.people) + [a.ref for a in inventory.agencies.values()]
        raise InputError(
            f'--person: no person or agency "{person}" in the inventory{suggest(person, known)}',
            path=inventory.path,
        )
    platforms = platform_ids()
    if request.platform is not None and request.platform not in platforms:
        raise InputError(
            f'--platform: unknown platform "{request.platform}"'
            f"{suggest(request.platform, platforms)}; known: {', '.join(sorted(platforms))}"
        )


def _selected(account: Account, request: AccountsRequest) -> bool:
    if request.platform is not None and account.platform != request.platform:
        return False
    if request.tier is not None and account.tier is not request.tier:
        return False
    return request.person is None or request.person in ties(account)


# (password present, when it was set) per vault entry name.
_Entries = dict[str, tuple[bool, dt.datetime | None]]


def _vault_entries(request: AccountsRequest, inventory: Inventory) -> tuple[VaultState, _Entries]:
    from scanner.state.db import default_state_path
    from scanner.vault import unlock
    from scanner.vault.errors import PassphraseUnavailable
    from scanner.vault.team_access import TeamAccess

    if request.vault is None or not request.vault.exists():
        return VaultState.ABSENT, {}
    try:
        vault = unlock(
            request.vault,
            passphrase_file=request.passphrase_file,
            interactive=False,
            team=TeamAccess(inventory, default_state_path(inventory.path)),
        )
    except PassphraseUnavailable:
        return VaultState.LOCKED, {}
    entries = {
        name: (entry.password is not None, entry.password_set_at)
        for name, entry in vault.entries().items()
    }
    return VaultState.OPEN, entries


def _row(
    inventory: Inventory,
    account: Account,
    today: dt.date,
    state: VaultState,
    entries: _Entries,
    incident: OpenIncident | None,
    cases: Mapping[str, OpenOffboarding],
) -> AccountRow:
    listed = [*([account.owner] if account.owner else []), *account.admins]
    listed += account.password_known_by
    lost = tuple(
        ref for ref in dict.fromkeys(listed) if lost_access(inventory, ref, today) is not None
    )
    vault, age = _vault_cell(account, state, entries, today)
    return AccountRow(
        id=account.id,
        platform=account.platform,
        tier=account.tier.value,
        owner=account.owner,
        mfa=account.mfa.value,
        admins=account.admins,
        holders=account.password_known_by,
        lost_access=lost,
        vault_entry=account.vault_entry,
        vault=vault,
        password_age_days=age,
        incident=_incident_cell(incident),
        line=account.line,
        offboarding=tuple(
            f"offboarding #{case.case_id} ({who})"
            for who, case in cases.items()
            if offboarding_ties(inventory, account, who)
        ),
        embargo=tuple(
            f"{launch.name} until {launch.public_on.isoformat()}"
            for launch in inventory.embargoes(account, today)
        ),
    )


def _vault_cell(
    account: Account, state: VaultState, entries: _Entries, today: dt.date
) -> tuple[str, int | None]:
    if state is VaultState.ABSENT:
        return "no vault", None
    if state is VaultState.LOCKED:
        return "locked", None
    found = entries.get(account.vault_entry)
    if found is None:
        return "missing", None
    has_password, set_at = found
    if not has_password:
        return "no password", None
    return "stored", (today - set_at.date()).days if set_at else None


def _incident_cell(incident: OpenIncident | None) -> str | None:
    if incident is None:
        return None
    open_count = len(incident.required_open)
    return (
        f"incident #{incident.incident_id} open: {open_count} required "
        f"step{'s' if open_count != 1 else ''} open"
    )
