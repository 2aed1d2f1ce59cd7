"""What a scan's place in the history says: the scans before it, what is new and what is fixed.

The history itself lives in the state database (`scanner.state.scans`); these are the values the
reports read, and the rule that compares two scans.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scanner.core.model import Finding, Severity, Status, fingerprint


@dataclass(frozen=True)
class PastScan:
    """One recorded scan, as `posture history` and the trend chart show it."""

    id: int
    started: dt.datetime
    finished: dt.datetime
    as_of: dt.date
    score: int
    failed_by_severity: Mapping[str, int]
    suppressed: int
    incomplete: bool

    @property
    def failed(self) -> int:
        return sum(self.failed_by_severity.values())


@dataclass(frozen=True)
class RecordedFinding:
    """A finding as the history keeps it: no evidence needed to compare scans."""

    check_id: str
    account: str
    status: Status
    severity: Severity
    message: str
    suppressed: bool

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.check_id, self.account)


@dataclass(frozen=True)
class ScanChanges:
    """This scan's place in the history: its id, the previous scan, what is new and fixed."""

    scan_id: int
    previous: PastScan | None
    new: tuple[RecordedFinding, ...]
    fixed: tuple[RecordedFinding, ...]
    trend: tuple[PastScan, ...]  # oldest first; this scan is the last

    @functools.cached_property
    def _new_keys(self) -> frozenset[tuple[str, str]]:
        return frozenset((n.check_id, n.account) for n in self.new)

    def is_new(self, finding: Finding) -> bool:
        return (finding.check_id, finding.account) in self._new_keys


# A recorded finding that did not pass: check id, account, status, severity (their values),
# message, suppressed (0 or 1).
Issue = tuple[str, str, str, str, str, int]
# How a ScanRecord numbers statuses and severities (stored with each record, so a reader never
# depends on this order).
STATUSES = tuple(s.value for s in Status)
SEVERITIES = tuple(s.value for s in Severity)
ROW = 6  # numbers per issue in ScanRecord.rows


@dataclass(frozen=True)
class ScanRecord:
    """What the history keeps of one scan: the checks it ran, the accounts it scanned, and the
    findings that did not pass, in account then check order. A listed check on a listed account
    that is not among the issues passed, or did not apply (a check about other tiers: an account
    moved off the critical tier no longer has its critical-only failures, which count as gone).

    The issues are numbers, `ROW` per issue in `rows`: indexes into `checks`, `accounts`,
    `statuses`, `severities` and `messages` (each distinct message once), then suppressed (0/1).
    A 10,000-account scan has over 100,000 issues: numbers encode, decode and compare in a
    fraction of the time tuples of strings take."""

    checks: tuple[str, ...]
    accounts: tuple[str, ...]
    rows: Sequence[int] = ()
    messages: tuple[str, ...] = ()
    statuses: tuple[str, ...] = STATUSES
    severities: tuple[str, ...] = SEVERITIES

    @classmethod
    def of_issues(
        cls, checks: Sequence[str], accounts: Sequence[str], issues: Iterable[Issue]
    ) -> ScanRecord:
        """The record of `issues` (their checks and accounts are added where not listed)."""
        check_index = {c: n for n, c in enumerate(dict.fromkeys(checks))}
        account_index = {a: n for n, a in enumerate(dict.fromkeys(accounts))}
        status_index = {s: n for n, s in enumerate(STATUSES)}
        severity_index = {s: n for n, s in enumerate(SEVERITIES)}
        message_index: dict[str, int] = {}
        rows: list[int] = []
        for check_id, account, status, severity, message, suppressed in issues:
            rows += (
                check_index.setdefault(check_id, len(check_index)),
                account_index.setdefault(account, len(account_index)),
                status_index[status],
                severity_index[severity],
                message_index.setdefault(message, len(message_index)),
                int(suppressed),
            )
        return cls(
            checks=tuple(check_index),
            accounts=tuple(account_index),
            rows=rows,
            messages=tuple(message_index),
        )

    @property
    def issues(self) -> tuple[Issue, ...]:
        """Every issue as a tuple of values, in order."""
        return tuple(self._issue(n) for n in range(0, len(self.rows), ROW))

    def _issue(self, at: int) -> Issue:
        check, account, status, severity, message, suppressed = self.rows[at : at + ROW]
        return (
            self.checks[check],
            self.accounts[account],
            self.statuses[status],
            self.severities[severity],
            self.messages[message],
            suppressed,
        )

    def recorded(self, at: int) -> RecordedFinding:
        return _recorded(self._issue(at))


def issue(finding: Finding) -> Issue:
    return (
        finding.check_id,
        finding.account,
        finding.status.value,
        finding.severity.value,
        finding.message,
        int(finding.suppression is not None),
    )


def _recorded(item: Issue) -> RecordedFinding:
    check_id, account, status, severity, message, suppressed = item
    return RecordedFinding(
        check_id, account, Status(status), Severity(severity), message, bool(suppressed)
    )


@dataclass(frozen=True)
class HistoryEntry:
    """A row of `posture history`: a scan and its changes against the scan before it."""

    scan: PastScan
    has_previous: bool
    new: tuple[RecordedFinding, ...]
    fixed: tuple[RecordedFinding, ...]


def compare(
    before: Iterable[RecordedFinding], after: Iterable[RecordedFinding]
) -> tuple[tuple[RecordedFinding, ...], tuple[RecordedFinding, ...]]:
    """(new, fixed): failing in `after` but not in `before`; failing in `before`, passing after.

    A check the earlier scan did not run at all (`--checks`/`--exclude-checks`) makes nothing
    new: its failures were not known to be absent then.
    """
    was = {f.fingerprint: f for f in before}
    now = {f.fingerprint: f for f in after}
    checks_before = {f.check_id for f in was.values()}
    new = tuple(
        f
        for fp, f in now.items()
        if f.status is Status.FAIL
        and (was[fp].status is not Status.FAIL if fp in was else f.check_id in checks_before)
    )
    fixed = tuple(
        f
        for fp, f in was.items()
        if f.status is Status.FAIL and fp in now and now[fp].status is Status.PASS
    )
    return new, fixed


def changes_between(
    before: ScanRecord, after: ScanRecord
) -> tuple[tuple[RecordedFinding, ...], tuple[RecordedFinding, ...]]:
    """`compare` on two recorded scans, from what did not pass: (new, fixed), same rule.

    New: failing after, not failing before, and its check ran before. Fixed: failing before,
    and after its check ran on its account (still in the inventory) and it is not an issue.
    A (check, account) pair is compared as one number in `after`'s numbering.
    """
    width = len(after.accounts)
    # `before`'s check and account numbers in `after`'s numbering (-1: not in `after`).
    check_at = _renumbering(before.checks, after.checks)
    account_at = _renumbering(before.accounts, after.accounts)
    fail_before = before.statuses.index(Status.FAIL.value)
    fail_after = after.statuses.index(Status.FAIL.value)
    # Failures of `before` on a check and account `after` has, as (pair number, offset).
    failed_before = [
        (check_at[c] * width + account_at[a], n * ROW)
        for n, (c, a, s) in enumerate(zip(*_columns(before, 3), strict=True))
        if s == fail_before and check_at[c] >= 0 and account_at[a] >= 0
    ]
    failing = {pair for pair, _ in failed_before}
    checks_before = {n for n in check_at if n >= 0}
    pairs_after = [c * width + a for c, a in zip(*_columns(after, 2), strict=True)]
    new = tuple(
        after.recorded(n * ROW)
        for n, (pair, c, s) in enumerate(
            zip(pairs_after, after.rows[0::ROW], after.rows[2::ROW], strict=True)
        )
        if s == fail_after and c in checks_before and pair not in failing
    )
    issues_after = set(pairs_after)
    fixed = tuple(before.recorded(at) for pair, at in failed_before if pair not in issues_after)
    return new, fixed


def _renumbering(old: Sequence[str], new: Sequence[str]) -> list[int]:
    if tuple(old) == tuple(new):
        return list(range(len(old)))
    where = {name: n for n, name in enumerate(new)}
    return [where.get(name, -1) for name in old]


def _columns(record: ScanRecord, count: int) -> list[Sequence[int]]:
    return [record.rows[column::ROW] for column in range(count)]
