"""Scan results of the example inventory for the report tests, with and without extras."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.engine.run import ScanResult
from scanner.services.scan import ScanRequest, perform_scan

EXAMPLE = Path(__file__).resolve().parents[2] / "scanner" / "data" / "inventory.example.toml"
AS_OF = dt.date(2026, 11, 23)

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


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    """A fresh copy of the example inventory in a temporary folder."""
    target = tmp_path / "inventory.toml"
    shutil.copyfile(EXAMPLE, target)
    return target


@pytest.fixture
def scan(inventory: Path) -> Callable[..., ScanResult]:
    """Scan the copied inventory as of AS_OF; keyword arguments go to ScanRequest."""

    def run(**options: object) -> ScanResult:
        return perform_scan(ScanRequest(inventory=inventory, today=AS_OF, **options))  # type: ignore[arg-type]

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
    db = inventory.parent / "posture.db"
    scan(db=db, record_history=True)
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(text.replace('mfa = "none"', 'mfa = "totp"'), encoding="utf-8")
    return scan(db=db, record_history=True)
