"""The vault itself: in team mode, who can decrypt each entry must match the inventory."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scanner.core.model import EvidenceValue, Severity
from scanner.engine.check import Verdict, check, fail, passed, skipped

if TYPE_CHECKING:  # the catalogue lists checks without loading the inventory model
    from scanner.engine.context import ScanContext
    from scanner.engine.facts import EntryCustody
    from scanner.inventory.accounts import Account

AGE_SPEC = "https://age-encryption.org/v1"


def _differences(facts: EntryCustody, names: Callable[[str], str]) -> list[str]:
    """What differs between who can decrypt and who should, in words."""
    extra = [r for r in facts.readers if r not in facts.expected]
    missing = [r for r in facts.expected if r not in facts.readers]
    parts = []
    if extra:
        parts.append(f"can decrypt but should not: {', '.join(names(r) for r in extra)}")
    if facts.unknown_keys:
        parts.append(f"{facts.unknown_keys} key(s) of nobody in the inventory can decrypt")
    if missing:
        parts.append(f"should but cannot decrypt: {', '.join(names(r) for r in missing)}")
    return parts


@check(
    id="VLT-001",
    title="Vault entry readable by the wrong people",
    severity=Severity.HIGH,
    rationale=(
        "In a team vault each entry is encrypted to its readers. Anyone able to decrypt an "
        "entry who no longer holds the password (left, lost the role, agency ended) can still "
        "read every value written for them; a holder who cannot decrypt it works around the "
        "vault (CIS Controls v8 6.1, 6.2: revoke access when it is no longer needed)."
    ),
    remediation=(
        "Run `posture vault sync` (as a custodian): it re-encrypts the entry to the inventory's "
        "holders plus the custodians and marks it for rotation when a reader was removed; then "
        "`posture vault rotate --all-due`."
    ),
    references=(AGE_SPEC, "CIS Controls v8 6.1", "CIS Controls v8 6.2"),
    needs_secrets=True,
    needs_team_vault=True,
)
def entry_readers(account: Account, ctx: ScanContext) -> Verdict:
    if ctx.custody is None:  # not run without a team vault (needs_team_vault); kept for callers
        return skipped("not a team vault (passphrase mode: whoever has the passphrase reads all)")
    facts = ctx.custody.get(account.id)
    if facts is None:
        return skipped("no vault entry for this account")
    names = ctx.inventory.holder_name
    extra = [r for r in facts.readers if r not in facts.expected]
    parts = _differences(facts, names)
    evidence: dict[str, EvidenceValue] = {
        "readers": list(facts.readers),
        "expected": list(facts.expected),
        "unknown_keys": facts.unknown_keys,
    }
    if parts:
        # Only holders missing: nobody extra reads it; less urgent than a reader too many.
        shift = -1 if not extra and not facts.unknown_keys else 0
        return fail("; ".join(parts) + " (run posture vault sync)", shift=shift, **evidence)
    note = ""
    if facts.keyless:
        note = f"; {', '.join(names(r) for r in facts.keyless)} hold it without a vault key"
    return passed(
        f"readers are the holders plus custodians ({len(facts.readers)}){note}", **evidence
    )
