"""Policy acknowledgement and brand protection."""

from __future__ import annotations

from scanner.core.model import Severity
from scanner.engine.check import Verdict, check, fail, passed, skipped
from scanner.engine.context import ScanContext
from scanner.inventory import holders
from scanner.inventory.accounts import Account

CISA_SOCIAL = "https://www.cisa.gov/resources-tools/resources/capacity-enhancement-guide-social-media-account-protection"


@check(
    id="GOV-001",
    title="Social media policy not acknowledged",
    severity=Severity.MEDIUM,
    rationale=(
        "CISA's social media guidance starts with a written policy; people who never acknowledged "
        "it are the ones who share the password or post from the company account by mistake."
    ),
    remediation=(
        "Have each person and agency with access read and sign the social media policy, and "
        "record the date in the inventory (policy_acknowledged)."
    ),
    references=(CISA_SOCIAL,),
)
def policy_not_acknowledged(account: Account, ctx: ScanContext) -> Verdict:
    max_age = ctx.rules(account).policy_ack_max_age_days
    inventory = ctx.inventory
    refs = [account.owner] if account.owner else []
    refs += [*account.admins, *account.password_known_by]
    missing = []
    for ref in dict.fromkeys(refs):
        if not holders.has_access(inventory, ref, ctx.today):
            continue  # leavers are ACC-002's concern
        agency = inventory.agency_for(ref)
        acknowledged = (
            agency.policy_acknowledged if agency else inventory.people[ref].policy_acknowledged
        )
        if acknowledged is None:
            missing.append(f"{inventory.holder_name(ref)} (never)")
        elif (ctx.today - acknowledged).days > max_age:
            missing.append(f"{inventory.holder_name(ref)} ({acknowledged})")
    if missing:
        return fail(
            f"policy not acknowledged within {max_age} days by: {', '.join(missing)}",
            people=missing,
            max_age_days=max_age,
        )
    return passed("everyone with access acknowledged the policy", max_age_days=max_age)


@check(
    id="GOV-002",
    title="Brand handle without a registered trademark",
    severity=Severity.LOW,
    rationale=(
        "Platforms settle impersonation and handle disputes in favour of a registered trademark; "
        "without one, a squatter or a departing agency can keep the brand's name."
    ),
    remediation=(
        "Register the brand as a trademark where you trade and record it (trademark_registered = "
        "true); file the platform's trademark form when the handle is disputed."
    ),
    references=("https://help.x.com/en/rules-and-policies/x-trademark-policy",),
    scales_with_tier=False,
)
def brand_without_trademark(account: Account, ctx: ScanContext) -> Verdict:
    terms = [t.lower() for t in ctx.inventory.organization.brand_terms]
    handle = (account.handle or "").lower()
    social = account.platform != "other"
    is_brand = "brand" in account.tags or (social and any(term in handle for term in terms))
    if not is_brand:
        return passed("not a brand handle", brand=False)
    if account.trademark_registered:
        return passed("brand handle backed by a registered trademark", brand=True)
    return fail(
        f"brand handle {account.handle or account.id} has no registered trademark", brand=True
    )


@check(
    id="GOV-003",
    title="Offboarding case open too long",
    severity=Severity.HIGH,
    rationale=(
        "An offboarding left open past its deadline is the leaver or ended agency keeping the "
        "password, the admin role or the recovery mailbox: the way companies lose their own "
        "social accounts (CISA social media guidance; CIS Controls v8 5.3, 6.2)."
    ),
    remediation=(
        "Finish the case: posture offboard show WHO lists the open steps; hand the account over, "
        "remove the role, rotate the password, replace the recovery channels, then posture "
        "offboard close WHO."
    ),
    references=(CISA_SOCIAL, "CIS Controls v8 6.2"),
    scales_with_tier=False,
)
def offboarding_overdue(account: Account, ctx: ScanContext) -> Verdict:
    if not ctx.offboardings:
        # Nothing to judge: no case is open (and a pass here would only dilute the score).
        return skipped("no offboarding case is open")
    max_days = ctx.rules(account).offboarding_max_days
    overdue = []
    for case in ctx.offboardings.values():
        days = (ctx.today - case.starts_on).days
        if days <= max_days:
            continue
        ties = holders.offboarding_ties(ctx.inventory, account, case.who)
        if ties:
            tied = ", ".join(t.value for t in ties)
            overdue.append(f"{case.name} (case #{case.case_id}, {days} days; {tied})")
    if overdue:
        return fail(
            f"offboarding open more than {max_days} days and still tied: {'; '.join(overdue)}",
            cases=overdue,
            max_days=max_days,
        )
    return passed("no overdue offboarding case ties this account", max_days=max_days)
