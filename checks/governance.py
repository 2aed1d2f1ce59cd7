"""Policy acknowledgement and brand protection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.core.model import Severity, Tier
from scanner.engine.check import Verdict, check, fail, passed, skipped

if TYPE_CHECKING:  # the catalogue lists checks without loading the inventory model
    from scanner.engine.context import ScanContext
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
        "Have each person and agency with access read the handbook (posture handbook) and record "
        "it with posture handbook ack PERSON, or record the date they signed the policy in the "
        "inventory (policy_acknowledged)."
    ),
    references=(CISA_SOCIAL,),
)
def policy_not_acknowledged(account: Account, ctx: ScanContext) -> Verdict:
    from scanner.inventory import holders

    max_age = ctx.rules(account).policy_ack_max_age_days
    inventory = ctx.inventory
    refs = [account.owner] if account.owner else []
    refs += [*account.admins, *account.password_known_by]
    missing, sources = [], []
    for ref in dict.fromkeys(refs):
        if not holders.has_access(inventory, ref, ctx.today):
            continue  # leavers are ACC-002's concern
        gap, source = _acknowledgement(ref, ctx, max_age)
        if gap:
            missing.append(f"{inventory.holder_name(ref)} ({gap})")
        elif source:
            sources.append(source)
    found = sorted(set(sources))
    if missing:
        return fail(
            f"policy not acknowledged within {max_age} days by: {', '.join(missing)}",
            people=missing,
            max_age_days=max_age,
            sources=found,
        )
    how = f" ({' and '.join(found)})" if found else ""
    return passed(
        f"everyone with access acknowledged the policy{how}", max_age_days=max_age, sources=found
    )


def _acknowledgement(ref: str, ctx: ScanContext, max_age: int) -> tuple[str | None, str | None]:
    """(what is missing, or None; where the acknowledgement comes from).

    A recorded acknowledgement of the current handbook counts first. Someone who acknowledged
    only an earlier version has not seen the rules now in force. Without any record, the
    inventory's policy_acknowledged date counts.
    """
    handbook = ctx.handbook
    if handbook is not None and handbook.acks.get(ref):
        current = handbook.latest(ref, handbook.version)
        if current is None:
            seen = handbook.latest(ref)
            assert seen is not None  # noqa: S101 - acks.get(ref) is not empty
            return f"has not seen handbook {handbook.version}; acknowledged {seen.version}", None
        if (ctx.today - current.on).days > max_age:
            return f"handbook acknowledged {current.on}", None
        return None, f"handbook {handbook.version}"
    agency = ctx.inventory.agency_for(ref)
    acknowledged = (
        agency.policy_acknowledged if agency else ctx.inventory.people[ref].policy_acknowledged
    )
    if acknowledged is None:
        return "never", None
    if (ctx.today - acknowledged).days > max_age:
        return str(acknowledged), None
    return None, "policy_acknowledged in the inventory"


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
    from scanner.inventory import holders

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


@check(
    id="GOV-004",
    title="Account under a launch embargo is exposed",
    severity=Severity.HIGH,
    rationale=(
        "Launches leak when the wrong people hold the accounts that will carry them: an agency "
        "or a leaver who can still post, a login shared by many, a weak second factor, or an "
        "account already compromised. Until the launch is public, its accounts need the "
        "critical tier's protection whatever their own tier."
    ),
    remediation=(
        "Before the launch: remove agencies and leavers from the account (delegated roles only "
        "for those who must post), cut password holders to the policy's limit and rotate, enrol "
        "the strongest second factor the platform offers, and close any open incident."
    ),
    references=(CISA_SOCIAL, "https://pages.nist.gov/800-63-4/sp800-63b.html#sec3"),
    scales_with_tier=False,
)
def launch_embargo(account: Account, ctx: ScanContext) -> Verdict:
    launches = ctx.inventory.embargoes(account, ctx.today)
    if not launches:
        return skipped("no launch under embargo on this account")
    problems = _embargo_problems(account, ctx)
    named = "; ".join(f"{x.name} (public on {x.public_on.isoformat()})" for x in launches)
    ids = [x.id for x in launches]
    if problems:
        return fail(f"carries {named}: {'; '.join(problems)}", problems=problems, launches=ids)
    return passed(f"carries {named}; no exposure found", launches=ids)


def _embargo_problems(account: Account, ctx: ScanContext) -> list[str]:
    from scanner.inventory import holders

    inventory = ctx.inventory
    problems = []
    refs = dict.fromkeys((*account.admins, *account.password_known_by))
    agencies = [inventory.holder_name(r) for r in refs if holders.is_agency(r)]
    if agencies:
        problems.append(f"reachable by agency {', '.join(agencies)}")
    leavers = [
        loss.name for loss in holders.lapsed(inventory, account, ctx.today) if not loss.is_agency
    ]
    if leavers:
        problems.append(f"reachable by {', '.join(leavers)}, who left")
    limit = ctx.rules(account).max_password_holders
    if len(account.password_known_by) > limit:
        problems.append(f"password known by {len(account.password_known_by)} (policy: {limit})")
    minimum = ctx.policy.for_tier(Tier.CRITICAL).mfa_minimum
    platform = ctx.platform(account)
    if not platform.meets_minimum(account.mfa, minimum):
        wanted = minimum if platform.offers(minimum) else platform.strongest_mfa
        problems.append(f"second factor {account.mfa.value}, weaker than {wanted.value}")
    incident = ctx.incidents.get(account.id)
    if incident is not None:
        problems.append(f"breach incident #{incident.incident_id} is open")
    return problems
