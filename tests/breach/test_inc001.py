"""INC-001: a scan fails an account with an open breach incident."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.breach.incidents import IncidentLog
from scanner.breach.runbook import ROTATE_STEP, tailor_checklist
from scanner.core.model import Finding, Status
from scanner.inventory.accounts import Inventory
from scanner.services.scan import ScanRequest, perform_scan
from scanner.state.db import StateDB
from tests.breach.conftest import TODAY


def _inc001(inventory_file: Path, **request: object) -> dict[str, Finding]:
    result = perform_scan(
        ScanRequest(inventory=inventory_file, include=("INC-001",), today=TODAY, **request)  # type: ignore[arg-type]
    )
    return {f.account: f for f in result.findings}


def _open(inventory: Inventory, db_path: Path, account: str) -> int:
    checklist = tailor_checklist(inventory, inventory.account(account), today=TODAY)
    with StateDB(db_path) as db:
        log = IncidentLog(db)
        log.start(checklist, by="dana", note=None)
        log.tick(account, ROTATE_STEP, by="dana", note=None)
    return len(checklist.required_ids) - 1


def test_inc001_passes_every_account_when_no_database_exists(inventory_file: Path):
    findings = _inc001(inventory_file)
    assert {f.status for f in findings.values()} == {Status.PASS}
    assert not (inventory_file.parent / "posture.db").exists()  # a scan never creates it


def test_inc001_fails_the_account_with_an_open_incident_and_counts_required_steps(
    inventory: Inventory, inventory_file: Path, db_path: Path
):
    open_required = _open(inventory, db_path, "tiktok-brand")
    findings = _inc001(inventory_file)
    finding = findings.pop("tiktok-brand")
    assert finding.status is Status.FAIL
    assert f"{open_required} required steps open" in finding.message
    assert finding.evidence["incident"] == 1
    assert {f.status for f in findings.values()} == {Status.PASS}


def test_inc001_passes_once_the_incident_is_closed(
    inventory: Inventory, inventory_file: Path, db_path: Path
):
    _open(inventory, db_path, "tiktok-brand")
    with StateDB(db_path) as db:
        IncidentLog(db).close("tiktok-brand", by="dana", force=True, reason="drill")
    assert _inc001(inventory_file)["tiktok-brand"].status is Status.PASS


def test_inc001_reads_the_database_named_by_posture_db(
    inventory: Inventory, inventory_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    elsewhere = tmp_path / "state" / "incidents.db"
    elsewhere.parent.mkdir()
    _open(inventory, elsewhere, "x-main")
    assert _inc001(inventory_file)["x-main"].status is Status.PASS
    monkeypatch.setenv("POSTURE_DB", str(elsewhere))
    assert _inc001(inventory_file)["x-main"].status is Status.FAIL
    monkeypatch.delenv("POSTURE_DB")
    assert _inc001(inventory_file, db=elsewhere)["x-main"].status is Status.FAIL
