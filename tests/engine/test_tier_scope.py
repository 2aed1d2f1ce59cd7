"""Checks scoped to critical accounts (MFA-004, OWN-005, OWN-006, ACC-006) make no finding on
other accounts: not applicable is neither a pass nor a skip, and every report agrees."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

import checks
from scanner.cli import app
from scanner.core.model import Tier
from tests.conftest import clean_inventory, write_toml

SCOPED = {"MFA-004", "OWN-005", "OWN-006", "ACC-006"}
AS_OF = ["--as-of", "2026-11-23"]


def test_the_catalogue_scopes_exactly_the_critical_only_checks() -> None:
    scoped = {c.id for c in checks.all_checks() if c.tiers is not None}
    assert scoped == SCOPED
    for check_id in SCOPED:
        found = checks.get(check_id)
        assert found is not None and found.tiers == frozenset({Tier.CRITICAL})
        assert found.applies_to(Tier.CRITICAL) and not found.applies_to(Tier.STANDARD)


def _inventory(tmp_path: Path) -> Path:
    """One critical and two non-critical accounts, each on SMS with an unlocked recovery phone:
    OWN-006 and MFA-004 would fail all three if they ran on all three."""
    data = clean_inventory()
    base = data["accounts"][0] | {"mfa": "sms", "platform": "instagram", "admins": ["ana"]}
    data["accounts"] = [
        base | {"id": "crit", "tier": "critical", "handle": "@crit"},
        copy.deepcopy(base) | {"id": "std", "tier": "standard", "handle": "@std"},
        copy.deepcopy(base) | {"id": "low", "tier": "low", "handle": "@low"},
    ]
    return write_toml(tmp_path / "inventory.toml", data)


def test_reports_agree_on_findings_counts_and_coverage_without_out_of_scope_pairs(
    tmp_path: Path,
) -> None:
    inventory = _inventory(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    done = CliRunner().invoke(
        app,
        [
            "scan",
            "--inventory",
            str(inventory),
            "--no-vault",
            "--no-history",
            *AS_OF,
            "-f",
            "json",
            "-o",
            str(out / "r.json"),
            "-f",
            "junit",
            "-o",
            str(out / "j.xml"),
            "-f",
            "csv",
            "-o",
            str(out / "r.csv"),
        ],
    )
    assert done.exit_code in (0, 1), done.output
    report = json.loads((out / "r.json").read_text("utf-8"))
    findings = report["findings"]
    pairs = {(f["check_id"], f["account"]) for f in findings}
    # the scoped checks ran on the critical account, and only there
    assert {c for c, a in pairs if a == "crit"} >= SCOPED
    assert not {c for c, a in pairs if a != "crit"} & SCOPED
    own006 = next(f for f in findings if f["check_id"] == "OWN-006")
    assert own006["status"] == "FAIL"  # it does run where it applies
    n_checks = len(report["checks"])
    assert len(findings) == 3 * n_checks - 2 * len(SCOPED)
    summary = report["summary"]
    assert sum(summary["by_status"].values()) == len(findings)
    # coverage counts applicable pairs only: the missing password checks over them
    no_vault = [c for c in checks.all_checks() if c.needs_secrets and not c.needs_team_vault]
    applicable = len(findings)
    ran = applicable - 3 * len(no_vault)
    assert summary["coverage"] == int(100 * ran / applicable)
    tiers = {c["id"]: c["tiers"] for c in report["checks"]}
    assert tiers["OWN-006"] == ["critical"] and tiers["MFA-001"] == ["critical", "standard", "low"]
    junit = ET.parse(out / "j.xml").getroot()  # noqa: S314 - our own output
    assert int(junit.get("tests", "0")) == len(findings)
    assert len(junit.findall(".//testcase")) == len(findings)
    assert not [t for t in junit.iter("testcase") if t.get("name") == "OWN-006 std"]
    rows = (out / "r.csv").read_text("utf-8").splitlines()
    assert not [r for r in rows if r.startswith("OWN-006,std") or ",std,OWN-006" in r]


def test_explain_says_a_scoped_check_looks_at_critical_accounts_only() -> None:
    shown = CliRunner().invoke(app, ["explain", "OWN-006"])
    assert shown.exit_code == 0
    assert "applies to: critical accounts only" in shown.stdout
    assert "applies to" not in CliRunner().invoke(app, ["explain", "MFA-001"]).stdout
