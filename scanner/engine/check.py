"""What a check is: metadata that describes it fully, and a function from account to verdict."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from scanner.core.model import EvidenceValue, Severity, Status, Tier

if TYPE_CHECKING:  # `posture checks` lists the catalogue without loading the inventory model
    from scanner.engine.context import ScanContext
    from scanner.inventory.accounts import Account

FAMILIES = {
    "PWD": "passwords",
    "MFA": "mfa",
    "OWN": "ownership",
    "ACC": "access",
    "GOV": "governance",
    "INC": "incidents",
    "VLT": "vault",
}


_NO_EVIDENCE: Mapping[str, EvidenceValue] = MappingProxyType({})


class Verdict(NamedTuple):
    """A check's answer for one account; the engine turns it into a Finding.

    A named tuple, immutable like the frozen dataclass it was and made in a third of the time:
    a scan of 10,000 accounts makes 230,000 of them."""

    status: Status
    message: str
    evidence: Mapping[str, EvidenceValue] = _NO_EVIDENCE
    severity_shift: int = 0


def fail(message: str, *, shift: int = 0, **evidence: EvidenceValue) -> Verdict:
    """A failure; `shift` moves the severity up or down from the check's tier-scaled one."""
    return Verdict(Status.FAIL, message, evidence, shift)


def passed(message: str, **evidence: EvidenceValue) -> Verdict:
    return Verdict(Status.PASS, message, evidence)


def skipped(message: str, **evidence: EvidenceValue) -> Verdict:
    return Verdict(Status.SKIPPED, message, evidence)


CheckFunction: TypeAlias = "Callable[[Account, ScanContext], Verdict]"


@dataclass(frozen=True)
class Check:
    """A catalogue entry. Ids are stable and never reused."""

    id: str
    title: str
    severity: Severity
    rationale: str
    remediation: str
    references: tuple[str, ...]
    function: CheckFunction
    scales_with_tier: bool = True
    needs_secrets: bool = False
    needs_corpus: bool = False  # a breach corpus (--hibp/--online): not run without one
    # Reads zxcvbn strength verdicts (the costly part of the analysis): a scan whose selected
    # checks do not scores no password.
    needs_strength: bool = False
    # The tiers the check is about (None: every tier). On an account of another tier the check
    # does not run and makes no finding: "not applicable" is neither a pass nor a skip, so it
    # weighs nothing in the score, the coverage or any report's counts.
    tiers: frozenset[Tier] | None = None
    # About a team vault's custody (VLT-*): with no team vault open the check does not run and
    # makes no finding, like a check about another tier.
    needs_team_vault: bool = False

    def applies_to(self, tier: Tier) -> bool:
        """Whether the check is about accounts of `tier`."""
        return self.tiers is None or tier in self.tiers

    @property
    def scope(self) -> str:
        """ "critical accounts" for a tier-scoped check; "" for one about every account."""
        if self.tiers is None:
            return ""
        named = [t.value for t in Tier if t in self.tiers]
        return f"{' and '.join(named)} accounts"

    @property
    def family(self) -> str:
        return FAMILIES[self.id.split("-")[0]]

    @property
    def help_uri(self) -> str:
        """The first reference that is a URL."""
        return next((r for r in self.references if r.startswith("https://")), "")

    def severity_for(self, tier: Tier, shift: int = 0) -> Severity:
        """The check's severity on an account of `tier`: critical accounts one up, low one down."""
        steps = shift + (_TIER_STEPS[tier] if self.scales_with_tier else 0)
        return self.severity.shifted(steps)


_TIER_STEPS = {Tier.CRITICAL: 1, Tier.STANDARD: 0, Tier.LOW: -1}
_REGISTRY: dict[str, Check] = {}


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    rationale: str,
    remediation: str,
    references: tuple[str, ...],
    scales_with_tier: bool = True,
    needs_secrets: bool = False,
    needs_corpus: bool = False,
    needs_strength: bool = False,
    tiers: Iterable[Tier] | None = None,
    needs_team_vault: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as check `id`."""

    def register(function: CheckFunction) -> CheckFunction:
        if id in _REGISTRY:
            raise RuntimeError(f"check id {id} registered twice")
        _REGISTRY[id] = Check(
            id=id,
            title=title,
            severity=severity,
            rationale=rationale,
            remediation=remediation,
            references=references,
            function=function,
            scales_with_tier=scales_with_tier,
            needs_secrets=needs_secrets or needs_strength,
            needs_strength=needs_strength,
            needs_corpus=needs_corpus,
            tiers=None if tiers is None else frozenset(tiers),
            needs_team_vault=needs_team_vault,
        )
        return function

    return register


def registered() -> Mapping[str, Check]:
    return _REGISTRY
