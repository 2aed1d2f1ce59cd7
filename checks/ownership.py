"""Who legally holds the account and its recovery channels."""

from __future__ import annotations

from scanner.core.model import EvidenceValue, Holder, Severity, Status
from scanner.engine.check import Verdict, check, fail, passed
from scanner.engine.context import ScanContext
from scanner.inventory.accounts import Account

CISA_SOCIAL = "https://www.cisa.gov/resources-tools/resources/capacity-enhancement-guide-social-media-account-protection"
NCSC_SOCIAL = "https://www.ncsc.gov.uk/guidance/social-media-protecting-what-you-publish"
META_SECURITY = "https://www.facebook.com/business/help/442345745885606"


@check(
    id="OWN-001",
    title="Account not registered to the company",
    severity=Severity.HIGH,
    rationale=(
        "When an employee or an agency registered the account, they can walk away with it and the "
        "platform will side with the registered holder in a dispute."
    ),
    remediation=(
        "Transfer the account to the company: company login email, company recovery channels, and "
        "the company as legal holder (business portfolio, brand account, page ownership)."
    ),
    references=(CISA_SOCIAL, NCSC_SOCIAL),
)
def not_company_registered(account: Account, ctx: ScanContext) -> Verdict:
    if account.registered_to is Holder.COMPANY:
        return passed("registered to the company", registered_to="company")
    return fail(
        f"registered to {account.registered_to.value}, not the company",
        registered_to=account.registered_to.value,
    )


@check(
    id="OWN-002",
    title="Login or recovery channel not held by the company",
    severity=Severity.HIGH,
    rationale=(
        "Whoever holds the login email, the recovery email or the recovery phone can reset the "
        "password and take the account; CISA calls the linked email the key to the account."
    ),
    remediation=(
        "Use a company-domain shared mailbox for login and recovery, protected with MFA, and a "
        "company-held phone for recovery."
    ),
    references=(CISA_SOCIAL, "CIS Controls v8 5.1"),
)
def foreign_recovery(account: Account, ctx: ScanContext) -> Verdict:
    org = ctx.inventory.organization
    problems = []
    if not account.login_email:
        problems.append("login email not recorded")
    elif not org.owns_email(account.login_email):
        problems.append(f"login email {account.login_email} is outside {', '.join(org.domains)}")
    if account.recovery_email and not org.owns_email(account.recovery_email):
        problems.append(f"recovery email {account.recovery_email} is outside the company domains")
    if account.recovery_phone_holder in (Holder.EMPLOYEE, Holder.AGENCY):
        problems.append(f"recovery phone held by {account.recovery_phone_holder.value}")
    evidence: dict[str, EvidenceValue] = {
        "login_email_company": org.owns_email(account.login_email),
        "recovery_email_company": (
            None if account.recovery_email is None else org.owns_email(account.recovery_email)
        ),
        "recovery_phone_holder": account.recovery_phone_holder.value,
    }
    if problems:
        return Verdict(Status.FAIL, "; ".join(problems), evidence)
    return Verdict(Status.PASS, "login and recovery channels are company-held", evidence)


@check(
    id="OWN-003",
    title="Too few active company admins",
    severity=Severity.MEDIUM,
    rationale=(
        "With one admin the account is lost when that person leaves or is locked out; LinkedIn "
        "will not reassign a page whose only super admin is gone."
    ),
    remediation=(
        "Give at least two active employees their own admin role on the platform (delegated "
        "access, not the shared password)."
    ),
    references=(NCSC_SOCIAL, "https://www.linkedin.com/help/linkedin/answer/a541981"),
)
def too_few_admins(account: Account, ctx: ScanContext) -> Verdict:
    people = ctx.inventory.people
    active = [a for a in account.admins if a in people and people[a].active]
    minimum = ctx.rules(account).min_admins
    evidence = {"active_company_admins": len(active), "min_admins": minimum}
    if len(active) < minimum:
        return fail(
            f"{len(active)} active company admin(s); policy wants at least {minimum}", **evidence
        )
    return passed(f"{len(active)} active company admins", **evidence)


@check(
    id="OWN-004",
    title="Owner missing or departed",
    severity=Severity.HIGH,
    rationale=(
        "Every account needs one accountable person who reviews access and answers for it; an "
        "account whose owner left is the one nobody rotates."
    ),
    remediation="Name an active employee as owner in the inventory and hand the account over.",
    references=("CIS Controls v8 5.1", CISA_SOCIAL),
)
def owner_missing(account: Account, ctx: ScanContext) -> Verdict:
    if account.owner is None:
        return fail("no owner named")
    person = ctx.inventory.people[account.owner]
    if not person.active:
        return fail(f"owner {person.name} departed on {person.departed_on}", owner=person.id)
    return passed(f"owned by {person.name}", owner=person.id)
