"""Who can get in: shared logins, leavers, admin counts, dormancy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.core.model import EvidenceValue, Severity, Status, Tier
from scanner.engine.check import Verdict, check, fail, passed, skipped

if TYPE_CHECKING:  # the catalogue lists checks without loading the inventory model
    from scanner.engine.context import ScanContext
    from scanner.inventory.accounts import Account

NCSC_SOCIAL = "https://www.ncsc.gov.uk/guidance/social-media-protecting-what-you-publish"
CISA_SOCIAL = "https://www.cisa.gov/resources-tools/resources/capacity-enhancement-guide-social-media-account-protection"
META_SECURITY = "https://www.facebook.com/business/help/442345745885606"


@check(
    id="ACC-001",
    title="Shared login",
    severity=Severity.MEDIUM,
    rationale=(
        "A password known by several people cannot be revoked from one of them; nobody rotates it "
        "when someone leaves. Platforms offer delegated roles instead (NCSC, CISA)."
    ),
    remediation=(
        "Give each person and agency their own delegated role on the platform (the finding names "
        "the role the platform's catalogue entry recommends), then rotate the password and keep "
        "it with one custodian."
    ),
    references=(NCSC_SOCIAL, CISA_SOCIAL),
)
def shared_login(account: Account, ctx: ScanContext) -> Verdict:
    holders = account.password_known_by
    limit = ctx.rules(account).max_password_holders
    evidence: dict[str, EvidenceValue] = {"holders": len(holders), "max_password_holders": limit}
    if len(holders) > limit:
        names = [ctx.inventory.holder_name(h) for h in holders]
        delegation = ctx.platform(account).delegation
        instead = ""
        if delegation.request_role is not None:
            instead = (
                f"; give each their own {delegation.model} role instead "
                f'("{delegation.request_role.name}")'
            )
            evidence["role_instead"] = delegation.request_role.name
        return Verdict(
            Status.FAIL,
            f"password known by {len(holders)}: {', '.join(names)} (policy: {limit}){instead}",
            {"names": names, **evidence},
        )
    return passed(f"password known by {len(holders)}", **evidence)


@check(
    id="ACC-002",
    title="Departed person or ended agency still has access",
    severity=Severity.HIGH,
    rationale=(
        "Access must be revoked when people leave or contracts end (CIS Controls v8 6.2); a "
        "leaver with a role or the password can still post as the company."
    ),
    remediation=(
        "Remove their platform role, rotate the password if they knew it, and update the inventory."
    ),
    references=("CIS Controls v8 6.2", NCSC_SOCIAL),
)
def leaver_access(account: Account, ctx: ScanContext) -> Verdict:
    from scanner.inventory import holders

    lapsed = holders.lapsed(ctx.inventory, account, ctx.today)
    notice = ctx.rules(account).leaving_notice_days
    leaving = holders.leaving(ctx.inventory, account, ctx.today, notice)
    problems = []
    if lapsed:
        problems.append(f"still listed with access: {', '.join(loss.name for loss in lapsed)}")
    problems += [x.reason for x in leaving]
    names = [loss.name for loss in lapsed] + [x.name for x in leaving]
    if problems:
        return fail("; ".join(problems), names=names)
    return passed("no departed person or ended agency has access, and nobody is about to leave")


@check(
    id="ACC-004",
    title="Too many admins",
    severity=Severity.LOW,
    rationale=(
        "Every admin is a way in; Meta's business security guidance keeps full control to about "
        "ten people or fewer."
    ),
    remediation="Downgrade admins who only publish to a content role.",
    references=(META_SECURITY,),
)
def too_many_admins(account: Account, ctx: ScanContext) -> Verdict:
    limit = ctx.rules(account).max_admins
    count = len(account.admins)
    if count > limit:
        return fail(f"{count} admins; policy allows {limit}", admins=count, max_admins=limit)
    return passed(f"{count} admins", admins=count, max_admins=limit)


@check(
    id="ACC-005",
    title="Dormant account",
    severity=Severity.LOW,
    rationale=(
        "Unwatched accounts are taken over unnoticed and used to impersonate the brand; CIS "
        "Controls v8 5.3 disables accounts dormant for 45 days."
    ),
    remediation=(
        "Post or log in to keep it watched, or close it (keeping the handle reserved) and remove "
        "it from the inventory."
    ),
    references=("CIS Controls v8 5.3", "https://www.cisecurity.org/controls/account-management"),
)
def dormant(account: Account, ctx: ScanContext) -> Verdict:
    limit = ctx.rules(account).dormant_days
    if account.last_activity is None:
        return skipped("last_activity not recorded")
    idle = (ctx.today - account.last_activity).days
    if idle > limit:
        return fail(
            f"no activity for {idle} days (policy: {limit})", idle_days=idle, dormant_days=limit
        )
    return passed(f"active {idle} days ago", idle_days=idle, dormant_days=limit)


@check(
    id="ACC-003",
    title="Password not rotated since a holder left",
    severity=Severity.HIGH,
    rationale=(
        "NIST SP 800-63B-4 §3.1.1.2 drops calendar rotation but requires a change on evidence of "
        "compromise; a person or agency who knew the password and has left is exactly that "
        "(CIS Controls v8 6.2)."
    ),
    remediation=(
        "Rotate now with `posture vault rotate ACCOUNT` (or `--all-due`), change it on the "
        "platform, and remove the leaver from password_known_by."
    ),
    references=("https://pages.nist.gov/800-63-4/sp800-63b.html", "CIS Controls v8 6.2"),
    needs_secrets=True,
)
def rotate_after_departure(account: Account, ctx: ScanContext) -> Verdict:
    from scanner.inventory import holders

    if ctx.secrets is None:
        return skipped("no vault opened for this scan; rotation dates live in the vault")
    facts = ctx.secrets.accounts.get(account.id)
    set_at = facts.password_set_at if facts is not None and facts.has_password else None
    reason = holders.rotation_reason(
        ctx.inventory, account, set_at.date() if set_at else None, ctx.today
    )
    custody = ctx.custody.get(account.id) if ctx.custody is not None else None
    if custody is not None and custody.removed and custody.removed_at is not None:
        who = ", ".join(ctx.inventory.holder_name(r) for r in custody.removed)
        removed = (
            f"{who} no longer read(s) the vault entry (vault sync {custody.removed_at.date()})"
        )
        reason = f"{reason}; {removed}" if reason else removed
    if reason:
        return fail(
            f"rotate now: {reason}", password_set=set_at.date().isoformat() if set_at else None
        )
    return passed("no holder has left since the password was set")


@check(
    id="ACC-006",
    title="Too many full-control holders on a critical account",
    severity=Severity.MEDIUM,
    rationale=(
        "Every full-control role can add admins, change recovery details and remove the company. "
        "In the 2022-23 Ducktail campaigns, infostealers took Meta Business admins' session "
        "cookies and the attacker used full control to make itself admin and spend on ads; "
        "fewer full-control holders is a smaller target."
    ),
    remediation=(
        "Keep full control to max_full_control people; give everyone else a partial role "
        "(editor, contributor, analyst) and record it as admins = [{ id, role }]."
    ),
    references=(
        "https://www.news18.com/amp/news/tech/new-malware-poses-security-concerns-for-facebook-accounts-all-details-6192835.html",
        META_SECURITY,
    ),
    tiers=(Tier.CRITICAL,),
)
def full_control_holders(account: Account, ctx: ScanContext) -> Verdict:
    limit = ctx.rules(account).max_full_control
    platform = ctx.platform(account)
    full: list[str] = []
    unknown: list[str] = []
    for ref in account.admins:
        role = platform.role(account.role_of(ref) or "")
        if role is None:
            unknown.append(ref)
        elif role.full_control:
            full.append(ref)
    count = len(full) + len(unknown)
    evidence = {"full_control": count, "no_role_recorded": len(unknown), "max_full_control": limit}
    note = f" ({len(unknown)} without a known role, counted as full control)" if unknown else ""
    if count > limit:
        names = ", ".join(ctx.inventory.holder_name(r) for r in full + unknown)
        return fail(
            f"{count} full-control holders{note}: {names}; policy allows {limit}", **evidence
        )
    return passed(f"{count} full-control holder(s){note}", **evidence)


@check(
    id="ACC-007",
    title="Write-scope connected app not reviewed",
    severity=Severity.MEDIUM,
    rationale=(
        "An app authorised to post keeps its own token after every password change; when the "
        "Twitter Counter analytics app was compromised in 2017 it posted from hundreds of "
        "verified accounts at once. Write access nobody reviews is a standing way in."
    ),
    remediation=(
        "Review each write-scope app on the platform's connected-apps page: revoke what is not "
        "needed, reduce to read where possible, and record the review date as reviewed = DATE."
    ),
    references=(
        "https://www.newstatesman.com/science-tech/2017/03/why-did-nazi-themed-twitter-hack-target-unicef-amnesty-international-and",
        "https://www.ncsc.gov.uk/guidance/social-media-protecting-what-you-publish",
    ),
)
def connected_apps(account: Account, ctx: ScanContext) -> Verdict:
    from scanner.inventory.accounts import AppScope

    limit = ctx.rules(account).app_review_days
    writers = [a for a in account.connected_apps if a.scope is AppScope.WRITE]
    stale = []
    for app in writers:
        if app.reviewed is None:
            stale.append(f"{app.name} (never reviewed)")
        elif (ctx.today - app.reviewed).days > limit:
            stale.append(f"{app.name} (reviewed {app.reviewed.isoformat()})")
    evidence = {"apps": len(account.connected_apps), "write_apps": len(writers)}
    if stale:
        return fail(
            f"write-scope app(s) not reviewed within {limit} days: {', '.join(stale)}",
            app_review_days=limit,
            **evidence,
        )
    if not account.connected_apps:
        return passed("no connected apps recorded", **evidence)
    return passed(f"{len(writers)} write-scope app(s), each reviewed", **evidence)
