"""Password checks on the vault's secrets: strength, breaches, reuse, age, coverage.

Each reads only `ctx.secrets` (computed by `scanner.passwords.analysis.analyse` before the
checks run); without a vault they are SKIPPED. Evidence holds scores, counts and account ids,
never a password or a hash of one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.core.model import EvidenceValue, Mfa, Severity, Status
from scanner.engine.check import Verdict, check, fail, passed, skipped

if TYPE_CHECKING:  # the catalogue lists checks without loading the inventory model
    from scanner.engine.context import ScanContext
    from scanner.engine.facts import AccountSecrets
    from scanner.inventory.accounts import Account
    from scanner.inventory.policy import Rules

NIST_PASSWORDS = "https://pages.nist.gov/800-63-4/sp800-63b.html#password"
HIBP = "https://haveibeenpwned.com/Passwords"
ZXCVBN = "https://github.com/dropbox/zxcvbn"
CIS_5 = "https://www.cisecurity.org/controls/account-management"

NO_VAULT = "no vault opened for this scan; password checks need the vault"


def secrets_of(account: Account, ctx: ScanContext) -> AccountSecrets | Verdict:
    """The account's secret facts, or the SKIPPED verdict when the scan has no vault."""
    if ctx.secrets is None:
        return skipped(NO_VAULT)
    found = ctx.secrets.get(account.id)
    if found is None:
        return skipped("the password analysis did not cover this account")
    return found


def _stored_password(account: Account, ctx: ScanContext) -> AccountSecrets | Verdict:
    facts = secrets_of(account, ctx)
    if not isinstance(facts, Verdict) and not facts.has_password:
        return skipped("no password stored in the vault (see PWD-005)")
    return facts


@check(
    id="PWD-001",
    title="Weak password",
    severity=Severity.HIGH,
    rationale=(
        "Short or guessable passwords fall to online guessing and offline cracking. NIST SP "
        "800-63B-4 §3.1.1.2 asks for 15 characters for a password used alone and 8 inside MFA, "
        "and a blocklist of common and context-specific words (brand, handle, service, names)."
    ),
    remediation=(
        "Replace it with a password the vault generates at the platform's maximum length, with "
        "no brand, handle or name in it; `posture vault rotate` records the change."
    ),
    references=(NIST_PASSWORDS, ZXCVBN, "NIST SP 800-63B-4 §3.1.1.2"),
    needs_secrets=True,
    needs_strength=True,
)
def weak_password(account: Account, ctx: ScanContext) -> Verdict:
    facts = _stored_password(account, ctx)
    if isinstance(facts, Verdict):
        return facts
    if facts.held is not None:
        # The rules or context words changed since this verdict was recorded with the password:
        # it stands until the next rotation or `posture vault recheck` (the scan says so once,
        # for all such passwords), so an edit cannot probe the password's content.
        from scanner.engine.facts import PENDING

        held = facts.held
        if held.status == PENDING:
            return skipped(
                "not evaluated: the password rules or context words changed since this password "
                "was imported; `posture vault recheck` evaluates it"
            )
        return Verdict(Status(held.status), held.message, dict(held.evidence))
    return strength_verdict(account, facts, ctx.rules(account))


# NIST SP 800-63B-4 §3.1.1.2: 8 characters inside MFA, 15 for a password used alone. The band a
# finding names follows these fixed cut-offs, never the editable min_length (binary search).
LENGTH_CUTOFFS = (8, 15)


def length_band(length: int) -> str:
    """The password's length as a band with fixed cut-offs: "shorter than 8", "8 to 14", "15 or
    more"."""
    low, high = LENGTH_CUTOFFS
    if length < low:
        return f"shorter than {low}"
    if length < high:
        return f"{low} to {high - 1}"
    return f"{high} or more"


def strength_verdict(account: Account, facts: AccountSecrets, rules: Rules) -> Verdict:
    """PWD-001 evaluated now, under `rules` and the context words the facts were computed with."""
    strength = facts.strength
    if strength is None:
        return skipped("no strength verdict for this password")
    min_length = rules.min_length_for(account.mfa)
    # Bands only (issue 14): no guess count, no exact length, no zxcvbn feedback (whose
    # "top-10 common password" or "names are easy to guess" narrows a dictionary attack).
    short = facts.length < min_length
    band = length_band(facts.length)
    evidence: dict[str, EvidenceValue] = {
        "score": strength.score,
        "score_band": f"strength score {strength.score} of 4",
        "min_strength": rules.min_strength,
        "length_band": band,
        "min_length": min_length,
        "scored_as": strength.method.value,
    }
    problems = []
    built_on = _built_on_context(facts, rules.min_strength)
    if built_on:
        problems.append(built_on)
        evidence["context_word"] = facts.context.kind if facts.context else ""
    if strength.score < rules.min_strength:
        problems.append(
            f"strength score {strength.score} of 4 (policy: at least {rules.min_strength})"
        )
    if short:
        mfa = "with" if account.mfa is not Mfa.NONE else "without"
        problems.append(
            f"{band} characters, under the policy's minimum (at least {min_length} {mfa} a "
            "second factor)"
        )
    from scanner.engine.facts import ScoreMethod

    if strength.method is ScoreMethod.PARTS:
        note = "; scored in parts (over 72 characters or too slow for one run)"
    elif strength.method is ScoreMethod.UNRATED:
        note = "; could not be rated within the time bound, treated as weakest"
    else:
        note = ""
    if problems:
        return Verdict(Status.FAIL, "weak password: " + ", ".join(problems) + note, evidence)
    return Verdict(
        Status.PASS, f"strength score {strength.score} of 4, {band} characters{note}", evidence
    )


def breach_band(count: int) -> str:
    """A breach count as a band (1-9, 10-999, 1,000+): an exact count names one corpus line."""
    if count <= 0:
        return "0"
    if count < 10:
        return "1-9"
    if count < 1000:
        return "10-999"
    return "1,000+"


def _built_on_context(facts: AccountSecrets, min_strength: int) -> str:
    """Why the password counts as built on a context word ("" when it does not)."""
    word = facts.context
    if word is None:
        return ""
    article = "an" if word.kind[:1] in "aeiou" else "a"
    if word.remainder_score is None:
        return f"built on {article} {word.kind} plus only digits, symbols or a few characters"
    if word.remainder_score < min_strength:
        return (
            f"built on {article} {word.kind}; the rest scores {word.remainder_score} "
            f"(policy: at least {min_strength})"
        )
    return ""


@check(
    id="PWD-002",
    title="Breached password",
    severity=Severity.HIGH,
    rationale=(
        "A password in a breach corpus is in every attacker's wordlist; NIST SP 800-63B-4 "
        "§3.1.1.2 requires comparing passwords against breach corpora and changing them on "
        "evidence of compromise."
    ),
    remediation=(
        "Rotate it now to a new generated password, check the account for unknown sessions, "
        "and rotate every account that shared it (PWD-003)."
    ),
    references=(NIST_PASSWORDS, HIBP, "NIST SP 800-63B-4 §3.1.1.2"),
    needs_secrets=True,
    needs_corpus=True,
)
def breached_password(account: Account, ctx: ScanContext) -> Verdict:
    facts = _stored_password(account, ctx)
    if isinstance(facts, Verdict):
        return facts
    if facts.breach is None:
        return skipped("no breach corpus for this scan: give --hibp PATH or --online")
    source = ctx.secrets.breach_source if ctx.secrets else None
    if facts.breach.count is None:
        return Verdict(Status.ERROR, facts.breach.error or "breach look-up failed")
    band = breach_band(facts.breach.count)
    if facts.breach.count > 0:
        return fail(
            f"password seen {band} times in breaches ({source})", breach_band=band, source=source
        )
    return passed(f"not in the breach corpus ({source})", breach_band=band, source=source)


@check(
    id="PWD-003",
    title="Reused password",
    severity=Severity.MEDIUM,
    rationale=(
        "One password on several accounts turns one breach or one phished login into many; "
        "variants that differ only in case, a trailing number or a swapped character fall to "
        "the same guess with a few rules."
    ),
    remediation=(
        "Give each account its own generated password; rotate the named accounts one by one."
    ),
    references=(NIST_PASSWORDS, CIS_5),
    needs_secrets=True,
)
def reused_password(account: Account, ctx: ScanContext) -> Verdict:
    facts = _stored_password(account, ctx)
    if isinstance(facts, Verdict):
        return facts
    evidence: dict[str, EvidenceValue] = {
        "reused_with": list(facts.reused_with),
        "similar_to": list(facts.similar_to),
    }
    if facts.reused_with:
        message = f"same password as {', '.join(facts.reused_with)}"
        if facts.similar_to:
            message += f"; near-identical to {', '.join(facts.similar_to)}"
        return Verdict(Status.FAIL, message, evidence)
    if facts.similar_to:
        message = (
            "near-identical password (case, trailing digits or swapped characters) to "
            + ", ".join(facts.similar_to)
        )
        return Verdict(Status.FAIL, message, evidence, severity_shift=-1)
    return Verdict(Status.PASS, "password not used on any other account", evidence)


@check(
    id="PWD-004",
    title="Password older than the policy allows",
    severity=Severity.LOW,
    rationale=(
        "NIST no longer asks for periodic changes, but an organisation may set a maximum age "
        "(`max_password_age_days`) for passwords shared with agencies or staff."
    ),
    remediation="Rotate the password with `posture vault rotate`, which records the date.",
    references=(NIST_PASSWORDS, "NIST SP 800-63B-4 §3.1.1.2"),
    needs_secrets=True,
)
def old_password(account: Account, ctx: ScanContext) -> Verdict:
    limit = ctx.rules(account).max_password_age_days
    facts = _stored_password(account, ctx)
    if isinstance(facts, Verdict):
        return facts
    if limit <= 0:
        return skipped("the policy sets no max_password_age_days")
    if facts.password_set_at is None:
        return fail(
            f"no date recorded for the current password (policy: at most {limit} days)",
            max_password_age_days=limit,
        )
    age = (ctx.today - facts.password_set_at.date()).days
    evidence: dict[str, EvidenceValue] = {
        "age_days": age,
        "max_password_age_days": limit,
        "set_on": facts.password_set_at.date().isoformat(),
    }
    if age > limit:
        return Verdict(
            Status.FAIL, f"password is {age} days old (policy: at most {limit})", evidence
        )
    return Verdict(Status.PASS, f"password is {age} days old (policy: at most {limit})", evidence)


@check(
    id="PWD-005",
    title="No password in the vault",
    severity=Severity.MEDIUM,
    rationale=(
        "A password that lives only in someone's head or browser cannot be rotated, audited or "
        "handed over when that person leaves."
    ),
    remediation=(
        "Store the account's password in the vault (`posture vault set` or an import), then "
        "rotate it so only the vault knows the new value."
    ),
    references=(CIS_5, "CIS Controls v8 5.1"),
    needs_secrets=True,
)
def missing_password(account: Account, ctx: ScanContext) -> Verdict:
    facts = secrets_of(account, ctx)
    if isinstance(facts, Verdict):
        return facts
    if facts.has_password:
        return passed("password stored in the vault")
    return fail(f'no password in the vault (entry "{account.vault_entry}")')
