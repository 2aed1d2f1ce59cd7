"""What every report reads: one view of a scan result, built once.

The look-ups (checks and accounts by id), what is new or fixed since the previous scan, the
orderings the human formats share, the clock a report prints (`SOURCE_DATE_EPOCH` when set, so
two runs give the same bytes) and where the inventory sits relative to the repository root.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import subprocess
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scanner.core.errors import UsageError
from scanner.core.model import Finding, Severity, Status
from scanner.engine.check import Check
from scanner.engine.run import ScanResult, Summary
from scanner.inventory.accounts import Account

EPOCH_ENV = "SOURCE_DATE_EPOCH"

# The most severe first; then account, then check, so equal severities keep a stable order.
_STATUS_ORDER = {Status.ERROR: 0, Status.FAIL: 1, Status.SKIPPED: 2, Status.PASS: 3}


def source_date_epoch() -> dt.datetime | None:
    """The time `SOURCE_DATE_EPOCH` names (reproducible-builds.org), or None when unset."""
    raw = os.environ.get(EPOCH_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise UsageError(f'{EPOCH_ENV}: "{raw[:40]}" is not a whole number of seconds since 1970')
    try:
        return dt.datetime.fromtimestamp(int(raw), dt.UTC)
    except (OverflowError, ValueError, OSError):
        raise UsageError(f"{EPOCH_ENV}: {raw[:40]} is out of range") from None


def ordered(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by account and check."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.account, f.check_id))


def source_root(inventory: Path) -> Path:
    """The root of the git work tree holding `inventory`, else the inventory's own folder."""
    folder = inventory.resolve().parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return folder
    top = done.stdout.strip()
    if done.returncode != 0 or not top:
        return folder
    root = Path(top).resolve()
    return root if folder == root or root in folder.parents else folder


def relative_path(path: Path, base: Path) -> str | None:
    """`path` relative to `base` in POSIX form, or None when it is not inside `base`."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return None


def artifact_uri(path: Path, base: Path) -> str:
    """`path` as a relative URI against `base`, percent-encoded; its name alone when outside."""
    relative = relative_path(path, base)
    return urllib.parse.quote(relative if relative is not None else path.name)


@dataclass(frozen=True)
class ReportView:
    """One scan result with the look-ups and derived facts the formats share."""

    result: ScanResult
    summary: Summary
    checks: Mapping[str, Check]
    accounts: Mapping[str, Account]
    # True when the scan was recorded and a previous scan exists to compare with.
    has_previous: bool
    fixed: frozenset[str]  # fingerprints of findings that failed before and pass now

    @classmethod
    def of(cls, result: ScanResult) -> ReportView:
        history = result.history
        return cls(
            result=result,
            summary=result.summary(),
            checks={c.id: c for c in result.checks},
            accounts={a.id: a for a in result.context.inventory.accounts},
            has_previous=history is not None and history.previous is not None,
            fixed=frozenset(f.fingerprint for f in history.fixed) if history else frozenset(),
        )

    def is_new(self, finding: Finding) -> bool:
        history = self.result.history
        return self.has_previous and history is not None and history.is_new(finding)

    def change(self, finding: Finding) -> str:
        """ "new", "fixed" or "" against the previous scan."""
        if not self.has_previous:
            return ""
        if self.is_new(finding):
            return "new"
        return "fixed" if finding.fingerprint in self.fixed else ""

    def remediation(self, finding: Finding) -> str:
        check = self.checks.get(finding.check_id)
        return check.remediation if check else ""

    def family(self, finding: Finding) -> str:
        check = self.checks.get(finding.check_id)
        return check.family if check else "other"

    @functools.cached_property
    def to_fix(self) -> list[Finding]:
        """Unsuppressed failures, most severe first."""
        return ordered([f for f in self.result.findings if f.actionable])

    @functools.cached_property
    def suppressed(self) -> list[Finding]:
        return ordered([f for f in self.result.findings if f.suppressed])

    @functools.cached_property
    def errors(self) -> list[Finding]:
        return [f for f in self.result.findings if f.status is Status.ERROR]

    @functools.cached_property
    def suppressed_by_severity(self) -> dict[str, int]:
        counts = dict.fromkeys(self.summary.failed_by_severity, 0)
        for finding in self.suppressed:
            counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
        return counts

    @property
    def notes(self) -> list[str]:
        """Suppression notices, then the scan's own notes, one line each."""
        return [n.text for n in self.result.suppression_review.notices] + list(self.result.notes)

    @functools.cached_property
    def clock(self) -> tuple[dt.datetime, dt.datetime]:
        """(started, finished) as reports print them: both `SOURCE_DATE_EPOCH` when set."""
        epoch = source_date_epoch()
        if epoch is not None:
            return epoch, epoch
        return self.result.started, self.result.finished

    def by_account(self) -> dict[str, list[Finding]]:
        """Findings per account id, in each account's display order."""
        groups: dict[str, list[Finding]] = {}
        for finding in self.result.findings:
            groups.setdefault(finding.account, []).append(finding)
        for findings in groups.values():
            findings.sort(
                key=lambda f: (_STATUS_ORDER[f.status], f.suppressed, -f.severity.rank, f.check_id)
            )
        return groups


def worst_first(findings: list[Finding]) -> list[Finding]:
    """A stable order by severity alone (most severe first), keeping the input order within one."""
    return sorted(findings, key=lambda f: -f.severity.rank)


SEVERITIES_WORST_FIRST = tuple(reversed(Severity))
