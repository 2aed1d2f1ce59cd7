"""Who legally holds the account and its recovery channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.core.model import EvidenceValue, Holder, Mfa, Severity, Status, Tier
from scanner.engine.check import Verdict, check, fail, passed

if TYPE_CHECKING:  # the catalogue lists checks without loading the inventory model
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
    from scanner.inventory import exposure

    org = ctx.inventory.organization
    problems = exposure.outside_channels(account, org)
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
    from scanner.inventory import holders

    people = ctx.inventory.people
    active = [
        a for a in account.admins if a in people and holders.has_access(ctx.inventory, a, ctx.today)
    ]
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
    from scanner.inventory import holders

    if account.owner is None:
        return fail("no owner named")
    person = ctx.inventory.people[account.owner]
    loss = holders.lost_access(ctx.inventory, person.id, ctx.today)
    if loss is not None:
        return fail(f"owner {person.name} departed on {loss.since}", owner=person.id)
    notice = ctx.rules(account).leaving_notice_days
    leaving = holders.leaving_soon(ctx.inventory, person.id, ctx.today, notice)
    if leaving is not None:
        return fail(f"owner {leaving.reason}", owner=person.id, leaving_on=leaving.on.isoformat())
    return passed(f"owned by {person.name}", owner=person.id)


@check(
    id="OWN-005",
    title="Access chain through a weaker account",
    severity=Severity.HIGH,
    rationale=(
        "Control of one account often gives control of another: the mailbox that receives its "
        "resets, the personal profile that administers a Page, the Apple ID that recovers a "
        "Gmail. In 2012 help-desk resets walked a journalist's Apple ID to his Gmail, his personal "
        "X account and the brand account still linked to it; the brand was only as safe as the "
        "weakest account up the chain."
    ),
    remediation=(
        "Secure every account up the chain like the critical account itself (a strong second "
        "factor, company-held login and recovery channels), or cut the link: unlink the personal "
        "account, move the recovery address to a company mailbox."
    ),
    references=(
        "https://www.wired.com/2012/08/apple-amazon-mat-honan-hacking/",
        CISA_SOCIAL,
    ),
    tiers=(Tier.CRITICAL,),
)
def weak_chain(account: Account, ctx: ScanContext) -> Verdict:
    from scanner.inventory import exposure

    critical = ctx.policy.for_tier(Tier.CRITICAL)
    org = ctx.inventory.organization
    problems: list[str] = []
    hops = exposure.upstream(ctx.inventory, account)
    for hop, path in hops:
        weak = exposure.chain_weaknesses(hop, ctx.platform(hop), ctx.rules(hop), critical, org)
        if weak:
            problems.append(f"{exposure.chain_text(path)}: {'; '.join(weak)}")
    evidence = {"upstream_accounts": len(hops), "weak_hops": len(problems)}
    if problems:
        return fail(" | ".join(problems), **evidence)
    if not hops:
        return passed("no account in the inventory gives control of this one", **evidence)
    return passed(f"{len(hops)} account(s) up the chain, each secured", **evidence)


@check(
    id="OWN-006",
    title="Phone that receives codes or resets has no carrier lock",
    severity=Severity.HIGH,
    rationale=(
        "A SIM swap or port-out moves the number to the attacker's SIM and with it every SMS code "
        "and reset; in January 2024 the SEC's X account was taken that way after its 2FA was off. "
        "Carriers offer a port-out PIN or SIM lock that stops it."
    ),
    remediation=(
        "Ask the carrier for a number lock / port-out PIN on the phone (and a SIM PIN on the "
        "handset), record recovery_phone_carrier_lock = true, and move the second factor off SMS."
    ),
    references=(
        "https://blockworks.co/news/sec-confirms-sim-swap-attack",
        "https://www.fcc.gov/port-out-fraud-targets-your-private-accounts",
    ),
    tiers=(Tier.CRITICAL,),
)
def no_carrier_lock(account: Account, ctx: ScanContext) -> Verdict:
    from scanner.inventory import exposure

    if not exposure.phone_involved(account):
        return passed("no SMS second factor and no recovery phone", carrier_lock=None)
    if account.recovery_phone_carrier_lock:
        return passed("the phone has a carrier lock", carrier_lock=True)
    uses = []
    if account.mfa is Mfa.SMS:
        uses.append("SMS second factor")
    if account.recovery_phone_holder is not Holder.NONE:
        uses.append(f"recovery phone held by {account.recovery_phone_holder.value}")
    return fail(
        f"no carrier lock recorded on the phone ({', '.join(uses)}): a SIM swap or port-out "
        "receives its codes and resets",
        carrier_lock=False,
    )
