"""What makes an account easy to take, and which accounts give control of which.

One place for the predicates MFA-001, MFA-002, OWN-002 and OWN-005 share, and for the links
between accounts (the breach runbook and OWN-005 follow the same ones):

- a login or recovery address that is another account's mailbox (`mailbox_accounts`);
- `access_via`: accounts whose control gives control of this one (a personal profile that
  administers a Page, the Apple ID that recovers a Gmail).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from scanner.core.model import Holder, Mfa
from scanner.inventory.accounts import Account, Inventory, Organization
from scanner.inventory.platforms import Platform
from scanner.inventory.policy import Rules

# --- predicates ------------------------------------------------------------------------------


def lacks_second_factor(account: Account, rules: Rules) -> bool:
    """MFA-001's rule: no second factor (and no passkey sign-in) where the policy wants one."""
    return account.mfa is Mfa.NONE and rules.mfa_required


def below_minimum(account: Account, platform: Platform, minimum: Mfa) -> bool:
    """MFA-002's rule: a second factor weaker than `minimum` and not the platform's strongest."""
    if account.mfa is Mfa.NONE:
        return False
    return not platform.meets_minimum(account.mfa, minimum)


def outside_channels(account: Account, org: Organization) -> list[str]:
    """OWN-002's rule: each login or recovery channel the company does not hold, in words."""
    problems = []
    if not account.login_email:
        problems.append("login email not recorded")
    elif not org.owns_email(account.login_email):
        problems.append(f"login email {account.login_email} is outside {', '.join(org.domains)}")
    if account.recovery_email and not org.owns_email(account.recovery_email):
        problems.append(f"recovery email {account.recovery_email} is outside the company domains")
    if account.recovery_phone_holder in (Holder.EMPLOYEE, Holder.AGENCY):
        problems.append(f"recovery phone held by {account.recovery_phone_holder.value}")
    return problems


def phone_involved(account: Account) -> bool:
    """A phone can receive this account's codes or resets: SMS second factor or a recovery phone."""
    return account.mfa is Mfa.SMS or account.recovery_phone_holder is not Holder.NONE


def chain_weaknesses(
    account: Account, platform: Platform, rules: Rules, critical: Rules, org: Organization
) -> list[str]:
    """Why a hop of an access chain is a way in (OWN-005): MFA-001 with its own rules, MFA-002 at
    the critical tier's minimum, OWN-002."""
    found = []
    if lacks_second_factor(account, rules):
        found.append("no second factor")
    elif below_minimum(account, platform, critical.mfa_minimum):
        found.append(f"second factor {account.mfa.value} is below {critical.mfa_minimum.value}")
    found += outside_channels(account, org)
    return found


# --- links -----------------------------------------------------------------------------------


def _norm(address: str | None) -> str:
    return (address or "").strip().lower()


@dataclass(frozen=True)
class _Index:
    """Look-ups built once per inventory, so following links stays linear in its size."""

    by_id: Mapping[str, Account]
    # address -> accounts that ARE that mailbox (handle is the address, or tagged mailbox and
    # logging in with it), in inventory order.
    mailboxes: Mapping[str, tuple[Account, ...]]


_INDEXES: dict[int, tuple[weakref.ref[Inventory], _Index]] = {}


def _index(inventory: Inventory) -> _Index:
    cached = _INDEXES.get(id(inventory))
    if cached is not None and cached[0]() is inventory:
        return cached[1]
    mailboxes: dict[str, list[Account]] = {}
    for other in inventory.accounts:
        keys = {_norm(other.handle)}
        if "mailbox" in other.tags:
            keys.add(_norm(other.login_email))
        for key in keys - {""}:
            mailboxes.setdefault(key, []).append(other)
    index = _Index(
        by_id={a.id: a for a in inventory.accounts},
        mailboxes={k: tuple(v) for k, v in mailboxes.items()},
    )
    slot = id(inventory)
    _INDEXES[slot] = (weakref.ref(inventory, lambda _: _INDEXES.pop(slot, None)), index)
    return index


def mailbox_accounts(inventory: Inventory, account: Account) -> tuple[tuple[Account, str], ...]:
    """Accounts in the inventory that ARE the login or recovery mailbox of `account`.

    A mailbox account is one whose handle is the address, or one tagged "mailbox" that logs in
    with it (social accounts also log in with the address, so a login match alone is not enough).
    """
    index = _index(inventory)
    found: list[tuple[Account, str]] = []
    for address in dict.fromkeys(a for a in (account.login_email, account.recovery_email) if a):
        for other in index.mailboxes.get(_norm(address), ()):
            if other.id == account.id or any(other is f for f, _ in found):
                continue
            found.append((other, address))
    return tuple(found)


@dataclass(frozen=True)
class Link:
    """`source` gives control of `target`: `how` says why ("access_via", "login mailbox")."""

    source: Account
    how: str


def links_into(inventory: Inventory, account: Account) -> list[Link]:
    """The accounts one step up from `account`: its mailboxes, then its `access_via` accounts."""
    links: list[Link] = []
    for other, address in mailbox_accounts(inventory, account):
        uses = [
            use
            for use, value in (("login", account.login_email), ("recovery", account.recovery_email))
            if _norm(value) == _norm(address)
        ]
        links.append(Link(other, f"{' and '.join(uses)} mailbox"))
    by_id = _index(inventory).by_id
    for ref in account.access_via:
        if ref in by_id and all(link.source.id != ref for link in links):
            links.append(Link(by_id[ref], "access_via"))
    return links


def chains(inventory: Inventory, account: Account) -> Iterator[tuple[Account, ...]]:
    """Every path up from `account` (the account first, its furthest controller last), depth
    first; a path stops where it would revisit one of its own accounts (a cycle)."""

    def walk(path: tuple[Account, ...]) -> Iterator[tuple[Account, ...]]:
        for link in links_into(inventory, path[-1]):
            if any(link.source.id == a.id for a in path):
                continue
            longer = (*path, link.source)
            yield longer
            yield from walk(longer)

    yield from walk((account,))


def chain_text(path: tuple[Account, ...]) -> str:
    """`x-brand <- x-person <- gmail-person`: the account first, each controller after it."""
    return " <- ".join(a.id for a in path)


def upstream(inventory: Inventory, account: Account) -> list[tuple[Account, tuple[Account, ...]]]:
    """Every account reachable up the chains with its shortest path, roots first: the order in
    which to secure them. Breadth first, each account once, so it stays linear in the links."""
    first: dict[str, tuple[Account, ...]] = {account.id: (account,)}
    frontier: list[tuple[Account, ...]] = [(account,)]
    while frontier:
        following: list[tuple[Account, ...]] = []
        for path in frontier:
            for link in links_into(inventory, path[-1]):
                if link.source.id not in first:
                    first[link.source.id] = (*path, link.source)
                    following.append(first[link.source.id])
        frontier = following
    del first[account.id]
    return sorted(
        ((p[-1], p) for p in first.values()), key=lambda item: (-len(item[1]), item[1][-1].id)
    )
