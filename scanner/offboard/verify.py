"""What still ties a leaver to the company's accounts when their case is closed.

`posture offboard close` runs ACC-002, ACC-003, OWN-002 and OWN-004 on the case's accounts; a
failing finding blocks the close when it names the leaver: ACC-002 while they are still an admin
or password holder, ACC-003 while they are still listed as knowing an unrotated password, OWN-002
while the login or recovery channel is theirs (the `holders.offboarding_ties` rule), OWN-004
while they are still the owner. Three things the checks cannot see also block: the inventory not
recording the departure, a password they knew (at the start of the case) not changed since, and a
vault that could not be opened to tell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from scanner.core.model import Finding, Status
from scanner.inventory import holders
from scanner.inventory.accounts import Inventory
from scanner.inventory.holders import Tie

VERIFIED_CHECKS = ("ACC-002", "ACC-003", "OWN-002", "OWN-004")


def _names(check_id: str, ties: Sequence[Tie]) -> bool:
    if check_id == "ACC-002":
        return Tie.ADMIN in ties or Tie.KNOWS_PASSWORD in ties
    if check_id == "ACC-003":
        return Tie.KNOWS_PASSWORD in ties
    if check_id == "OWN-002":
        return any(t.is_email or t is Tie.RECOVERY_PHONE for t in ties)
    return check_id == "OWN-004" and Tie.OWNER in ties


def naming_findings(
    findings: Sequence[Finding], inventory: Inventory, ref: str, accounts: Sequence[str]
) -> list[str]:
    """Each failing verified-check finding on `accounts` that names `ref`, as one line."""
    by_id = {a.id: a for a in inventory.accounts}
    found = []
    for finding in findings:
        account = by_id.get(finding.account)
        if finding.check_id not in VERIFIED_CHECKS or account is None:
            continue
        if finding.account not in accounts or finding.status is not Status.FAIL:
            continue
        if _names(finding.check_id, holders.offboarding_ties(inventory, account, ref)):
            found.append(f"{finding.check_id} {finding.account}: {finding.message}")
    return found


def departure_recorded(inventory: Inventory, ref: str, on: dt.date) -> str | None:
    """Why the inventory does not yet record that `ref` left, or None when it does."""
    if holders.access_lost_on(inventory, ref) is not None:
        return None
    if holders.is_agency(ref):
        return f"inventory: {ref} has no contract_ends; set contract_ends = {on.isoformat()}"
    return (
        f'inventory: {ref} is still listed as active; set status = "departed" and '
        f"departed_on = {on.isoformat()}"
    )


def unrotated(
    inventory: Inventory,
    ref: str,
    knew: Sequence[str],
    set_dates: Mapping[str, dt.date | None] | None,
    today: dt.date,
) -> list[str]:
    """Accounts whose password `ref` knew when the case opened and that was not changed since
    they lost access: the ACC-003 rule (`holders.rotation_reason`) for a holder the inventory may
    no longer list. `set_dates` None: the vault was not opened, so nothing can be verified."""
    if not knew:
        return []
    if set_dates is None:
        return [f"ACC-003: vault not opened, so the rotation of {', '.join(knew)} is unverified"]
    by_id = {a.id: a for a in inventory.accounts}
    found = []
    for account_id in knew:
        account = by_id.get(account_id)
        if account is None:
            continue  # gone from the inventory: nothing left to rotate
        as_known = dataclasses.replace(account, password_known_by=(ref,))
        reason = holders.rotation_reason(inventory, as_known, set_dates.get(account_id), today)
        if reason:
            found.append(f"ACC-003 {account_id}: rotate now, {reason}")
    return found
