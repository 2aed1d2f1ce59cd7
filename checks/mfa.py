"""Second-factor checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scanner.core.model import EvidenceValue, Holder, Mfa, Severity, Status, Tier
from scanner.engine.check import Verdict, check, fail, passed, skipped

if TYPE_CHECKING:  # the catalogue lists checks without loading the platform catalogue
    from scanner.engine.context import ScanContext
    from scanner.inventory.accounts import Account
    from scanner.inventory.platforms import Platform

NIST_MFA = "https://pages.nist.gov/800-63-4/sp800-63b.html#sec3"
CIS_6 = "https://www.cisecurity.org/controls/account-management"
CISA_PR_MFA = "https://www.cisa.gov/resources-tools/resources/implementing-phishing-resistant-mfa"

# RFC 4226 §4 asks for 128 bits of key and recommends 160.
MIN_SEED_BITS = 128


def _offer(platform: Platform, methods: Sequence[Mfa] | None = None) -> str:
    """What the platform really offers: "X offers fido2, totp, sms (condition) as second factors
    and passkey sign-in" (of the second factors, only `methods` when given)."""
    chosen = platform.mfa_methods if methods is None else tuple(methods)
    parts = []
    if chosen:
        kind = "second factors" if len(chosen) > 1 else "a second factor"
        parts.append(f"{platform.second_factor.describe(chosen)} as {kind}")
    if platform.passkey:
        parts.append("passkey sign-in")
    return f"{platform.display_name} offers {' and '.join(parts) or 'no second factor'}"


@check(
    id="MFA-001",
    title="No second factor",
    severity=Severity.HIGH,
    rationale=(
        "A password alone falls to phishing, reuse and breach dumps; CIS Controls v8 6.3 and 6.5 "
        "require MFA on externally exposed and administrative accounts."
    ),
    remediation=(
        "Turn on two-step verification with the strongest method the platform offers (a "
        "security key, or passkey sign-in where offered, then an authenticator app); store "
        "recovery codes in the vault."
    ),
    references=(NIST_MFA, CIS_6, "CIS Controls v8 6.3, 6.5"),
)
def no_mfa(account: Account, ctx: ScanContext) -> Verdict:
    from scanner.inventory.platforms import OTHER

    if account.mfa is Mfa.PASSKEY:
        return passed("signs in with a passkey", mfa=account.mfa.value)
    if account.mfa is not Mfa.NONE:
        return passed(f"second factor: {account.mfa.value}", mfa=account.mfa.value)
    if not ctx.rules(account).mfa_required:
        return passed("no second factor, and the policy does not require one", mfa="none")
    platform = ctx.platform(account)
    offered = [m.value for m in platform.mfa_methods]
    offers = "" if platform.id == OTHER else f"; {_offer(platform)}"
    return fail(
        f"no second factor{offers}",
        mfa="none",
        platform_offers=offered,
        passkey_sign_in=platform.passkey,
    )


@check(
    id="MFA-002",
    title="Second factor weaker than the tier's minimum",
    severity=Severity.MEDIUM,
    rationale=(
        "SMS and email codes are intercepted by SIM swaps and mailbox takeovers (NIST SP 800-63B-4 "
        "§3.1.3.1, §3.1.3.3; CISA: do not use SMS as a second factor); only FIDO2/WebAuthn "
        "(security keys and passkeys) resists phishing (§3.2.5)."
    ),
    remediation=(
        "Enrol the strongest method the platform offers (security key or passkey, else an "
        "authenticator app), then remove SMS and email as second factors."
    ),
    references=(NIST_MFA, CISA_PR_MFA, "NIST SP 800-63B-4 §3.1.3.3, §3.2.5"),
)
def weak_mfa(account: Account, ctx: ScanContext) -> Verdict:
    method = account.mfa
    if method is Mfa.NONE:
        return skipped("no second factor at all (see MFA-001)")
    minimum = ctx.rules(account).mfa_minimum
    platform = ctx.platform(account)
    stronger = [m for m in platform.mfa_methods if m.strength > method.strength]
    evidence = {
        "mfa": method.value,
        "minimum": minimum.value,
        "platform_offers_stronger": [m.value for m in stronger],
    }
    if platform.meets_minimum(method, minimum) and method.strength >= minimum.strength:
        resists = " (phishing-resistant)" if method.phishing_resistant else ""
        return passed(
            f"{method.value}{resists} meets the {account.tier.value}-tier minimum "
            f"({minimum.value})",
            **evidence,
        )
    if platform.meets_minimum(method, minimum):
        return passed(
            f"{method.value} is the strongest method {platform.display_name} offers "
            f"(policy asks for {minimum.value})",
            **evidence,
        )
    private_phone = method is Mfa.SMS and account.recovery_phone_holder is not Holder.COMPANY
    message = (
        f"second factor is {method.value}; the {account.tier.value}-tier minimum is {minimum.value}"
    )
    if private_phone:
        message += " and the phone is not company-held"
    message += _stronger_advice(platform, method, stronger)
    return fail(message, shift=1 if private_phone else 0, **evidence)


def _stronger_advice(platform: Platform, method: Mfa, stronger: Sequence[Mfa]) -> str:
    """ "; X offers ..." naming only what the platform offers beyond `method`."""
    from scanner.inventory.platforms import OTHER

    if platform.id == OTHER:
        return f"; {_unknown_service_advice(method)}"
    if stronger or platform.passkey:
        return f"; {_offer(platform, stronger)}"
    return ""


def _unknown_service_advice(method: Mfa) -> str:
    """For a service the catalogue does not describe: only what would be stronger than `method`."""
    if method.strength >= Mfa.TOTP.strength:
        return "use a security key or passkey if the service offers one"
    return "use a security key, a passkey or an authenticator app if the service offers one"


@check(
    id="MFA-004",
    title="Critical account could use a passkey or security key",
    severity=Severity.MEDIUM,
    rationale=(
        "Codes typed from an app, a text or an email can be phished in real time; a passkey or "
        "security key cannot (NIST SP 800-63B-4 §3.2.5, CISA phishing-resistant MFA). A critical "
        "account on a platform that offers one should use it."
    ),
    remediation=(
        "Enrol a company-held security key as a second factor, or create a passkey for sign-in, "
        "on the devices the account's custodian uses; keep a second key or passkey as a backup "
        'and set `mfa = "fido2"` or `mfa = "passkey"` in the inventory.'
    ),
    references=(NIST_MFA, CISA_PR_MFA, "NIST SP 800-63B-4 §3.2.5"),
    tiers=(Tier.CRITICAL,),
)
def passkey_available(account: Account, ctx: ScanContext) -> Verdict:
    from scanner.inventory.platforms import OTHER

    platform = ctx.platform(account)
    options = platform.phishing_resistant_options
    evidence: dict[str, EvidenceValue] = {
        "mfa": account.mfa.value,
        "phishing_resistant_options": [m.value for m in options],
    }
    if account.mfa.phishing_resistant:
        return passed(f"{account.mfa.value} is phishing-resistant", **evidence)
    if not options:
        return passed(f"{platform.display_name} offers no passkey or security key", **evidence)
    offered = " and ".join(
        "a security key as a second factor" if m is Mfa.FIDO2 else "passkey sign-in"
        for m in options
    )
    where = "the service may offer" if platform.id == OTHER else f"{platform.display_name} offers"
    return Verdict(
        Status.FAIL, f"critical account on {account.mfa.value}; {where} {offered}", evidence
    )


@check(
    id="MFA-003",
    title="Weak or shared TOTP seed",
    severity=Severity.MEDIUM,
    rationale=(
        "RFC 4226 §4 requires a shared secret of at least 128 bits (160 recommended); one seed "
        "on several accounts means one leaked seed opens them all."
    ),
    remediation=(
        "Re-enrol the authenticator on the platform so it issues a fresh seed (most issue 160 "
        "bits), and store the new seed in the vault for this account only."
    ),
    references=("https://www.rfc-editor.org/rfc/rfc4226#section-4", NIST_MFA),
    needs_secrets=True,
)
def weak_totp_seed(account: Account, ctx: ScanContext) -> Verdict:
    from checks.passwords import secrets_of
    from scanner.engine.facts import AccountSecrets

    facts = secrets_of(account, ctx)
    if not isinstance(facts, AccountSecrets):
        return facts
    if facts.totp_bits is None:
        return skipped("no TOTP seed stored in the vault")
    evidence: dict[str, EvidenceValue] = {
        "seed_bits": facts.totp_bits,
        "min_seed_bits": MIN_SEED_BITS,
        "shared_with": list(facts.totp_shared_with),
    }
    if not facts.totp_valid:
        return Verdict(Status.FAIL, "stored TOTP seed is not valid base32", evidence)
    problems = []
    if facts.totp_bits < MIN_SEED_BITS:
        problems.append(f"seed holds {facts.totp_bits} bits (at least {MIN_SEED_BITS})")
    if facts.totp_shared_with:
        problems.append(f"same seed as {', '.join(facts.totp_shared_with)}")
    if problems:
        return Verdict(Status.FAIL, "TOTP seed: " + "; ".join(problems), evidence)
    return Verdict(
        Status.PASS, f"{facts.totp_bits}-bit TOTP seed, used on this account only", evidence
    )
