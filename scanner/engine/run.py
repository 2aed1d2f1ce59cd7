"""Run the checks: inventory + policy -> context -> findings -> a ScanResult with its score."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scanner.core.model import Finding, Severity, Status, Tier
from scanner.engine.check import Check, Verdict
from scanner.engine.context import ScanContext
from scanner.engine.suppressions import SuppressionReview

if TYPE_CHECKING:
    from scanner.engine.changes import ScanChanges

# Weight of a finding in the posture score, by severity.
SCORE_WEIGHTS = {
    Severity.CRITICAL: 10,
    Severity.HIGH: 5,
    Severity.MEDIUM: 3,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


@dataclass(frozen=True)
class Summary:
    accounts: int
    checks: int
    failed_by_severity: dict[str, int]
    by_status: dict[str, int]
    score: int
    incomplete: bool
    suppressed: int = 0


@dataclass(frozen=True)
class ScanResult:
    """The outcome of one scan: findings in account, then check order."""

    context: ScanContext
    checks: tuple[Check, ...]
    findings: tuple[Finding, ...]
    started: dt.datetime
    finished: dt.datetime
    notes: tuple[str, ...] = field(default_factory=tuple)
    # One-line warnings the CLI also prints on stderr (stale catalogue facts); each is in notes.
    warnings: tuple[str, ...] = field(default_factory=tuple)
    suppression_review: SuppressionReview = field(default_factory=SuppressionReview)
    # Set when the scan was recorded in the history database.
    history: ScanChanges | None = None

    @property
    def incomplete(self) -> bool:
        return any(f.status is Status.ERROR for f in self.findings)

    def summary(self) -> Summary:
        fails = Counter(f.severity.value for f in self.findings if f.failed)
        statuses = Counter(f.status.value for f in self.findings)
        return Summary(
            accounts=len(self.context.inventory.accounts),
            checks=len(self.checks),
            failed_by_severity={s.value: fails.get(s.value, 0) for s in reversed(Severity)},
            by_status={s.value: statuses.get(s.value, 0) for s in Status},
            score=posture_score(self.findings),
            incomplete=self.incomplete,
            suppressed=sum(1 for f in self.findings if f.suppressed),
        )

    def worst_failure(self) -> Severity | None:
        """The highest severity among unsuppressed failures: what the exit code looks at."""
        ranks = [f.severity for f in self.findings if f.actionable]
        return max(ranks, key=lambda s: s.rank) if ranks else None


def posture_score(findings: Sequence[Finding]) -> int:
    """0-100: the weighted share of evaluated (PASS or FAIL) findings that passed.

    A suppressed finding still counts as failed here: a suppression accepts a risk for a while,
    it does not remove it, so the score keeps measuring the real posture.
    """
    total = passed = 0
    for finding in findings:
        if finding.status not in (Status.PASS, Status.FAIL):
            continue
        weight = SCORE_WEIGHTS[finding.severity]
        total += weight
        if finding.status is Status.PASS:
            passed += weight
    return 100 if total == 0 else round(100 * passed / total)


def run_checks(context: ScanContext, checks: Sequence[Check]) -> ScanResult:
    """Run every check on every account. A check that raises gives an ERROR finding."""
    started = dt.datetime.now(dt.UTC)
    findings = []
    severities: dict[tuple[str, Tier, int], Severity] = {}
    for account in context.inventory.accounts:
        for check in checks:
            try:
                verdict = check.function(account, context)
            except Exception as exc:
                # Only the type: an exception message could quote a secret.
                verdict = Verdict(Status.ERROR, f"check failed: {type(exc).__name__}")
            key = (check.id, account.tier, verdict.severity_shift)
            severity = severities.get(key)
            if severity is None:
                severity = severities[key] = check.severity_for(*key[1:])
            findings.append(
                Finding(
                    check_id=check.id,
                    status=verdict.status,
                    severity=severity,
                    account=account.id,
                    message=verdict.message,
                    evidence=verdict.evidence,
                )
            )
    return ScanResult(
        context=context,
        checks=tuple(checks),
        findings=tuple(findings),
        started=started,
        finished=dt.datetime.now(dt.UTC),
    )
