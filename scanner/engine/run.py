"""Run the checks: inventory + policy -> context -> findings -> a ScanResult with its score."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
from collections import Counter
from collections.abc import Mapping, Sequence
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


# An open (unsuppressed) failure of this severity caps the score, as SSL Labs caps a grade.
SCORE_CAPS = {Severity.CRITICAL: 39, Severity.HIGH: 69}


@dataclass(frozen=True)
class Summary:
    accounts: int
    checks: int
    failed_by_severity: dict[str, int]
    by_status: dict[str, int]
    score: int  # after the cap
    incomplete: bool
    suppressed: int = 0
    raw_score: int = 100  # the weighted share of passes, before the cap
    cap: int | None = None  # the cap applied, when it lowered the score
    cap_cause: str = ""  # "3 open critical findings"
    coverage: int = 100  # % of (check, account) pairs that ran; lower when inputs were missing
    not_run: tuple[str, ...] = ()  # "password checks not run (no vault)"

    @property
    def partial(self) -> bool:
        return self.coverage < 100

    @property
    def score_notes(self) -> tuple[str, ...]:
        """What to print beside the score: its cap and cause, and that it is partial."""
        notes = []
        if self.cap is not None:
            notes.append(
                f"capped at {self.cap} by {self.cap_cause}, {self.raw_score} before the cap"
            )
        if self.partial:
            notes.append(f"partial: coverage {self.coverage}%, {'; '.join(self.not_run)}")
        return tuple(notes)


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
        return self._tally.statuses.get(Status.ERROR, 0) > 0

    def summary(self) -> Summary:
        return self._summary

    @functools.cached_property
    def _tally(self) -> _Tally:
        # One pass over the findings (10,000 accounts give 230,000) for every count: the
        # summary, the score and its cap, `incomplete` and `worst_failure`.
        return _Tally(self.findings)

    @functools.cached_property
    def _summary(self) -> Summary:
        tally = self._tally
        raw = tally.score()
        cap, cause = tally.cap()
        coverage, not_run = self.coverage()
        statuses = tally.statuses
        return Summary(
            accounts=len(self.context.inventory.accounts),
            checks=len(self.checks),
            failed_by_severity={s.value: tally.fails.get(s, 0) for s in reversed(Severity)},
            by_status={s.value: statuses.get(s, 0) for s in Status},
            score=min(raw, cap) if cap is not None else raw,
            incomplete=statuses.get(Status.ERROR, 0) > 0,
            suppressed=tally.suppressed,
            raw_score=raw,
            cap=cap if cap is not None and cap < raw else None,
            cap_cause=cause if cap is not None and cap < raw else "",
            coverage=coverage,
            not_run=not_run,
        )

    def with_history(self, history: ScanChanges) -> ScanResult:
        """This result with its place in the history; the summary, already counted, is kept."""
        recorded = dataclasses.replace(self, history=history)
        for counted in ("_tally", "_summary"):
            if counted in self.__dict__:
                recorded.__dict__[counted] = self.__dict__[counted]
        return recorded

    def coverage(self) -> tuple[int, tuple[str, ...]]:
        """% of the (check, account) pairs the checks apply to that could run, and what did not
        for lack of input."""
        missing, not_run = self._not_run()
        tiers = Counter(a.tier for a in self.context.inventory.accounts)
        pairs = applicable_pairs(self.checks, tiers)
        if not pairs or not missing:
            return 100, not_run
        ran = pairs - applicable_pairs([c for c in self.checks if c.id in missing], tiers)
        return int(100 * ran / pairs), not_run

    def _not_run(self) -> tuple[set[str], tuple[str, ...]]:
        """The checks that could not run for lack of input, and why."""
        if self.context.secrets is None and any(c.needs_secrets for c in self.checks):
            return {c.id for c in self.checks if c.needs_secrets}, (
                "password checks not run (no vault)",
            )
        if self.context.secrets is not None and self.context.secrets.breach_source is None:
            corpus = {c.id for c in self.checks if c.needs_corpus}
            if corpus:
                return corpus, ("breach check not run (no corpus: --hibp or --online)",)
        return set(), ()

    def worst_failure(self) -> Severity | None:
        """The highest severity among unsuppressed failures: what the exit code looks at."""
        ranks = [severity for severity, count in self._tally.open.items() if count]
        return max(ranks, key=lambda s: s.rank) if ranks else None


def applicable_pairs(checks: Sequence[Check], tiers: Mapping[Tier, int]) -> int:
    """How many (check, account) pairs the checks are about, given the accounts per tier."""
    return sum(count for check in checks for tier, count in tiers.items() if check.applies_to(tier))


class _Tally:
    """What the summary counts, in one pass: the rules of `posture_score` and `score_cap`."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        # Counted by C loops (Counter over attrgetter), not a Python loop over the findings:
        # there are 230,000 at 10,000 accounts, and suppressed ones are few.
        pairs: Counter[tuple[Status, Severity]] = Counter(
            map(operator.attrgetter("status", "severity"), findings)
        )
        suppressed_findings = [f for f in findings if f.suppression is not None]
        suppressed = len(suppressed_findings)
        # FAIL and not suppressed
        open_failures = Counter({sev: n for (st, sev), n in pairs.items() if st is Status.FAIL})
        open_failures.subtract(f.severity for f in suppressed_findings if f.failed)
        self.statuses: Counter[Status] = Counter()
        self.fails: Counter[Severity] = Counter()  # every FAIL, suppressed or not
        self.total = self.passed = 0
        for (status, severity), count in pairs.items():
            self.statuses[status] += count
            if status is Status.FAIL:
                self.fails[severity] += count
            if status in (Status.PASS, Status.FAIL):
                self.total += SCORE_WEIGHTS[severity] * count
            if status is Status.PASS:
                self.passed += SCORE_WEIGHTS[severity] * count
        self.open = open_failures
        self.suppressed = suppressed

    def score(self) -> int:
        return 100 if self.total == 0 else round(100 * self.passed / self.total)

    def cap(self) -> tuple[int | None, str]:
        return _cap(self.open)


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


def score_cap(findings: Sequence[Finding]) -> tuple[int | None, str]:
    """The cap the worst open (unsuppressed) failure puts on the score, and its cause."""
    return _cap(Counter(f.severity for f in findings if f.actionable))


def _cap(open_failures: Mapping[Severity, int]) -> tuple[int | None, str]:
    for severity, cap in SCORE_CAPS.items():
        count = open_failures.get(severity, 0)
        if count:
            noun = "finding" if count == 1 else "findings"
            return cap, f"{count} open {severity.value} {noun}"
    return None, ""


def run_checks(context: ScanContext, checks: Sequence[Check]) -> ScanResult:
    """Run every check on every account of the tiers it is about. A check that raises gives an
    ERROR finding."""
    started = dt.datetime.now(dt.UTC)
    findings: list[Finding] = []
    severities: dict[tuple[str, Tier, int], Severity] = {}
    # A check about a team vault makes no finding without one (not applicable, as for tiers).
    checks = [c for c in checks if not (c.needs_team_vault and context.custody is None)]
    scoped = {tier: [c for c in checks if c.applies_to(tier)] for tier in Tier}
    add = findings.append
    make = Finding.verdict
    for account in context.inventory.accounts:
        # A check about other tiers makes no finding here (not applicable is not a pass).
        tier = account.tier
        for check in scoped[tier]:
            try:
                status, message, evidence, shift = check.function(account, context)
            except Exception as exc:
                # Only the type: an exception message could quote a secret.
                status, message, evidence, shift = Verdict(
                    Status.ERROR, f"check failed: {type(exc).__name__}"
                )
            key = (check.id, tier, shift)
            severity = severities.get(key)
            if severity is None:
                severity = severities[key] = check.severity_for(tier, shift)
            add(make(check.id, status, severity, account.id, message, evidence))
    return ScanResult(
        context=context,
        checks=tuple(checks),
        findings=tuple(findings),
        started=started,
        finished=dt.datetime.now(dt.UTC),
    )
