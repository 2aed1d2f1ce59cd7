"""Scan results for the report tests, built in code: the example inventory is loaded and checked
directly (no vault, no database, no pipeline), and the history is a ScanChanges made here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import checks
from scanner.engine.changes import PastScan, RecordedFinding, ScanChanges, compare
from scanner.engine.context import ScanContext
from scanner.engine.run import ScanResult, run_checks
from scanner.engine.suppressions import apply_suppressions, load_suppressions
from scanner.inventory.accounts import load_inventory
from scanner.inventory.platforms import catalogue, platform_ids
from scanner.inventory.policy import load_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "scanner" / "data" / "inventory.example.toml"
AS_OF = dt.date(2026, 11, 23)
STARTED = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
SUPPRESSIONS = """
[[suppression]]
check = "MFA-002"
accounts = ["newsletter"]
reason = "Mail platform offers only email codes; login alerts go to the IT mailbox"
owner = "it-security@acme.example"
expires = 2027-01-31

[[suppression]]
check = "GOV-*"
accounts = ["youtube-channel"]
reason = "Channel is being retired | archived in Q1"
owner = "priya@acme.example"
expires = 2027-03-31
"""


def build_result(
    path: Path, *, suppressions: Path | None = None, include: Sequence[str] = ()
) -> ScanResult:
    """The checks run on the inventory at `path` as of AS_OF, with the suppressions applied."""
    inventory = load_inventory(path, platform_ids())
    context = ScanContext(
        inventory=inventory,
        policy=load_policy(inventory.policy_table, None),
        platforms=catalogue(),
        today=AS_OF,
    )
    selected = checks.select(list(include), [])
    result = run_checks(context, selected)
    entries = load_suppressions(suppressions) if suppressions is not None else None
    findings, review = apply_suppressions(
        result.findings,
        entries,
        today=AS_OF,
        account_ids=[a.id for a in inventory.accounts],
        check_ids=[c.id for c in selected],
    )
    return dataclasses.replace(
        result,
        findings=findings,
        suppression_review=review,
        started=STARTED,
        finished=STARTED + dt.timedelta(seconds=2),
    )


def recorded(result: ScanResult) -> list[RecordedFinding]:
    return [
        RecordedFinding(f.check_id, f.account, f.status, f.severity, f.message, f.suppressed)
        for f in result.findings
    ]


def past(scan_id: int, result: ScanResult, day: int) -> PastScan:
    summary = result.summary()
    when = dt.datetime(2026, 11, day, 8, 0, tzinfo=dt.UTC)
    return PastScan(
        id=scan_id,
        started=when,
        finished=when,
        as_of=AS_OF,
        score=summary.score,
        failed_by_severity=summary.failed_by_severity,
        suppressed=summary.suppressed,
        incomplete=summary.incomplete,
    )


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    """A fresh copy of the example inventory in a temporary folder."""
    target = tmp_path / "inventory.toml"
    shutil.copyfile(EXAMPLE, target)
    return target


@pytest.fixture
def scan(inventory: Path) -> Callable[..., ScanResult]:
    """Check the copied inventory as of AS_OF; `suppressions` and `include` as build_result."""

    def run(**options: object) -> ScanResult:
        return build_result(inventory, **options)  # type: ignore[arg-type]

    return run


@pytest.fixture
def result(scan: Callable[..., ScanResult]) -> ScanResult:
    return scan()


@pytest.fixture
def suppressed_result(inventory: Path, scan: Callable[..., ScanResult]) -> ScanResult:
    """The example scan with two suppressions applied (MFA-002 on newsletter, GOV-* on YouTube)."""
    path = inventory.parent / "posture.suppressions.toml"
    path.write_text(SUPPRESSIONS, encoding="utf-8")
    return scan(suppressions=path)


@pytest.fixture
def history_result(inventory: Path, scan: Callable[..., ScanResult]) -> ScanResult:
    """The second recorded scan of the example, after TikTok gained TOTP (fixes MFA-001)."""
    first = scan()
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(text.replace('mfa = "none"', 'mfa = "totp"'), encoding="utf-8")
    second = scan()
    new, fixed = compare(recorded(first), recorded(second))
    changes = ScanChanges(
        scan_id=2,
        previous=past(1, first, 14),
        new=new,
        fixed=fixed,
        trend=(past(1, first, 14), past(2, second, 15)),
    )
    return dataclasses.replace(second, history=changes)
