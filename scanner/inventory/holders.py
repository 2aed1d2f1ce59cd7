"""Who holds an account, who has lost access, and since when: the one rule every caller uses.

A holder is referred to by a person id or `agency:ID`. A person loses access on `departed_on`, a
leaving person on `leaving_on`; an agency the day after `contract_ends`. A date still in the future means access continues until
then, so ACC-002, ACC-003, the breach runbook and `vault rotate --all-due` agree on every case.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from scanner.core.model import Holder
from scanner.inventory.accounts import AGENCY_PREFIX, Account, Inventory, PersonStatus


@dataclass(frozen=True)
class LostAccess:
    """A holder who no longer has a right to the account, from `since` on."""

    ref: str
    name: str
    since: dt.date

    @property
    def is_agency(self) -> bool:
        return is_agency(self.ref)

    @property
    def ended(self) -> str:
        """How access ended, in words: "left 2026-03-31" or "contract ended 2026-06-30"."""
        if self.is_agency:
            return f"contract ended {(self.since - dt.timedelta(days=1)).isoformat()}"
        return f"left {self.since.isoformat()}"

    @property
    def reason(self) -> str:
        """One clause for messages: "Ana departed 2026-03-31", "Bright's contract ended ..."."""
        if self.is_agency:
            ended = (self.since - dt.timedelta(days=1)).isoformat()
            return f"{self.name}'s contract ended {ended}"
        return f"{self.name} departed {self.since.isoformat()}"


def is_agency(ref: str) -> bool:
    return ref.startswith(AGENCY_PREFIX)


def access_lost_on(inventory: Inventory, ref: str) -> dt.date | None:
    """The first day `ref` has no right to access, or None while that right has no end."""
    if is_agency(ref):
        agency = inventory.agency_for(ref)
        if agency is None or agency.contract_ends is None:
            return None
        return agency.contract_ends + dt.timedelta(days=1)
    person = inventory.people.get(ref)
    if person is None:
        return None
    if person.status is PersonStatus.LEAVING:
        return person.leaving_on
    return None if person.status is PersonStatus.ACTIVE else person.departed_on


@dataclass(frozen=True)
class Leaving:
    """A person who still has access but leaves on `on`: hand over before then."""

    ref: str
    name: str
    on: dt.date

    @property
    def reason(self) -> str:
        return f"{self.name} is leaving on {self.on.isoformat()}: hand over before {self.on.isoformat()}"


def leaving_soon(
    inventory: Inventory, ref: str, today: dt.date, notice_days: int
) -> Leaving | None:
    """`ref`'s coming departure when it is within `notice_days` of `today` and not yet passed."""
    person = inventory.people.get(ref)
    if person is None or person.status is not PersonStatus.LEAVING or person.leaving_on is None:
        return None
    days_left = (person.leaving_on - today).days
    if days_left <= 0 or days_left > notice_days:
        return None
    return Leaving(ref, person.name, person.leaving_on)


def leaving(
    inventory: Inventory, account: Account, today: dt.date, notice_days: int
) -> list[Leaving]:
    """Admins and password holders leaving within the notice period (ACC-002)."""
    refs = dict.fromkeys(account.admins + account.password_known_by)
    found = [leaving_soon(inventory, ref, today, notice_days) for ref in refs]
    return [x for x in found if x is not None]


def lost_access(inventory: Inventory, ref: str, today: dt.date) -> LostAccess | None:
    """`ref`'s loss of access if it happened on or before `today`."""
    since = access_lost_on(inventory, ref)
    if since is None or since > today:
        return None
    return LostAccess(ref, inventory.holder_name(ref), since)


def has_access(inventory: Inventory, ref: str, today: dt.date) -> bool:
    return lost_access(inventory, ref, today) is None


def ties(account: Account) -> dict[str, list[str]]:
    """Each holder ref with what ties them to the account: owner, admin, knows the password."""
    found: dict[str, list[str]] = {}
    if account.owner:
        found.setdefault(account.owner, []).append("owner")
    for ref in account.admins:
        found.setdefault(ref, []).append("admin")
    for ref in account.password_known_by:
        found.setdefault(ref, []).append("knows the password")
    return found


def lapsed(inventory: Inventory, account: Account, today: dt.date) -> list[LostAccess]:
    """Admins and password holders who have lost access but are still listed (ACC-002)."""
    found = []
    for ref in dict.fromkeys(account.admins + account.password_known_by):
        loss = lost_access(inventory, ref, today)
        if loss is not None:
            found.append(loss)
    return found


def rotation_reason(
    inventory: Inventory, account: Account, set_on: dt.date | None, today: dt.date
) -> str | None:
    """Why the password must be rotated now (who lost access since it was set), or None.

    The one rule behind ACC-003, the breach runbook and `posture vault rotate --all-due`. A
    password with no known set date is older than any departure.
    """
    reasons = []
    for ref in account.password_known_by:
        loss = lost_access(inventory, ref, today)
        if loss is not None and (set_on is None or set_on < loss.since):
            reasons.append(loss.reason)
    if not reasons:
        return None
    when = f"password set {set_on.isoformat()}" if set_on else "no password set date"
    return f"{'; '.join(reasons)} ({when})"


class Tie(enum.Enum):
    """One way a person or agency is tied to an account (the scope of an offboarding)."""

    OWNER = "owner"
    REGISTERED = "registered to them"
    ADMIN = "admin"
    KNOWS_PASSWORD = "knows the password"  # noqa: S105 - a tie, not a password
    LOGIN_EMAIL = "logs in with their email"
    RECOVERY_EMAIL = "recovers through their email"
    RECOVERY_PHONE = "recovers through their phone"

    @property
    def is_email(self) -> bool:
        return self in (Tie.LOGIN_EMAIL, Tie.RECOVERY_EMAIL)


def _registered_to(inventory: Inventory, account: Account, ref: str) -> bool:
    """The account is legally held by `ref`: an employee account they own, or an agency account
    where that agency is among the holders (the inventory names no other agency link)."""
    if is_agency(ref):
        named = ref in account.admins or ref in account.password_known_by
        return account.registered_to is Holder.AGENCY and named
    return account.registered_to is Holder.EMPLOYEE and account.owner == ref


def _theirs(inventory: Inventory, ref: str, address: str | None, registered: bool) -> bool:
    """`address` is `ref`'s: their own email, or any non-company address on an account
    registered to them (a personal or agency mailbox the inventory does not list)."""
    if not address:
        return False
    person = inventory.people.get(ref)
    if person is not None and person.email and person.email.lower() == address.strip().lower():
        return True
    return registered and not inventory.organization.owns_email(address)


def offboarding_ties(inventory: Inventory, account: Account, ref: str) -> tuple[Tie, ...]:
    """Every tie `ref` (a person id or `agency:ID`) has to `account`; empty when none.

    The one rule behind `posture offboard` scope, its close verification and GOV-003.
    """
    registered = _registered_to(inventory, account, ref)
    named = ref in account.admins or ref in account.password_known_by
    # The inventory says only "employee" or "agency" holds the phone: the owner or the
    # registering employee, or an agency that works on the account.
    phone = (
        account.recovery_phone_holder is Holder.AGENCY and named
        if is_agency(ref)
        else account.recovery_phone_holder is Holder.EMPLOYEE
        and (registered or account.owner == ref)
    )
    found = [
        (Tie.OWNER, account.owner == ref),
        (Tie.REGISTERED, registered),
        (Tie.ADMIN, ref in account.admins),
        (Tie.KNOWS_PASSWORD, ref in account.password_known_by),
        (Tie.LOGIN_EMAIL, _theirs(inventory, ref, account.login_email, registered)),
        (Tie.RECOVERY_EMAIL, _theirs(inventory, ref, account.recovery_email, registered)),
        (Tie.RECOVERY_PHONE, phone),
    ]
    return tuple(tie for tie, present in found if present)


def is_holder(inventory: Inventory, ref: str) -> bool:
    """`ref` names a person or an agency of the inventory."""
    return ref in inventory.people or inventory.agency_for(ref) is not None
