"""What a scan's place in the history says: the scans before it, what is new and what is fixed.

The history itself lives in the state database (`scanner.state.scans`); these are the values the
reports read, and the rule that compares two scans.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
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


# A recorded finding that did not pass, as stored: check id, account, status, severity (their
# values), message, suppressed (0 or 1). Plain tuples: a scan of 10,000 accounts has 100,000.
Issue = tuple[str, str, str, str, str, int]


@dataclass(frozen=True)
class ScanRecord:
    """What the history keeps of one scan: the checks it ran, the accounts it scanned, and the
    findings that did not pass, in account then check order. A listed check on a listed account
    that is not among `issues` passed, or did not apply (a check about other tiers: an account
    moved off the critical tier no longer has its critical-only failures, which count as gone)."""

    checks: tuple[str, ...]
    accounts: tuple[str, ...]
    issues: tuple[Issue, ...]


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
    """
    failing = Status.FAIL.value
    failed_before = {(i[0], i[1]) for i in before.issues if i[2] == failing}
    checks_before = set(before.checks)
    new = tuple(
        _recorded(i)
        for i in after.issues
        if i[2] == failing and i[0] in checks_before and (i[0], i[1]) not in failed_before
    )
    issues_after = {(i[0], i[1]) for i in after.issues}
    checks_after, accounts_after = set(after.checks), set(after.accounts)
    fixed = tuple(
        _recorded(i)
        for i in before.issues
        if i[2] == failing
        and i[0] in checks_after
        and i[1] in accounts_after
        and (i[0], i[1]) not in issues_after
    )
    return new, fixed
