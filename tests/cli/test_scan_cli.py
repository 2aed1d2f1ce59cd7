"""`posture scan`, `checks`, `explain`, `init`, `demo` through the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from scanner.cli import app
from tests.checks.test_metadata import IMPLEMENTED
from tests.conftest import EXAMPLE, REPO

runner = CliRunner()
AS_OF = ["--as-of", "2026-11-23"]


def test_example_inventory_fails_at_the_default_threshold():
    result = runner.invoke(app, ["scan", str(EXAMPLE), *AS_OF])
    assert result.exit_code == 1
    assert "== linkedin-page (acme-outdoor) [linkedin, standard]" in result.stdout
    assert "Posture score:" in result.stdout


def test_fail_on_none_exits_zero():
    assert runner.invoke(app, ["scan", str(EXAMPLE), *AS_OF, "--fail-on", "none"]).exit_code == 0


def test_fail_on_critical_with_no_critical_finding_exits_zero():
    result = runner.invoke(
        app, ["scan", str(EXAMPLE), *AS_OF, "--fail-on", "critical", "--format", "json"]
    )
    severities = {
        f["severity"] for f in json.loads(result.stdout)["findings"] if f["status"] == "FAIL"
    }
    assert result.exit_code == (1 if "critical" in severities else 0)


def test_json_envelope_names_every_implemented_check_as_failing():
    result = runner.invoke(app, ["scan", str(EXAMPLE), *AS_OF, "--format", "json"])
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1
    assert document["tool"]["name"] == "posture"
    assert set(document["summary"]) >= {"score", "failed_by_severity", "by_status"}
    failing = {f["check_id"] for f in document["findings"] if f["status"] == "FAIL"}
    assert failing >= IMPLEMENTED
    finding = document["findings"][0]
    assert set(finding) >= {
        "check_id",
        "status",
        "severity",
        "account",
        "message",
        "evidence",
        "fingerprint",
    }


def test_example_has_clean_accounts():
    result = runner.invoke(app, ["scan", str(EXAMPLE), *AS_OF, "--format", "json"])
    findings = json.loads(result.stdout)["findings"]
    failing_accounts = {f["account"] for f in findings if f["status"] == "FAIL"}
    all_accounts = {f["account"] for f in findings}
    assert {"x-main", "instagram-main"} <= all_accounts - failing_accounts


def test_fingerprints_are_stable_between_runs():
    def prints():
        out = runner.invoke(app, ["scan", str(EXAMPLE), *AS_OF, "--format", "json"]).stdout
        return [f["fingerprint"] for f in json.loads(out)["findings"]]

    assert prints() == prints()


def test_checks_and_exclude_checks_take_globs():
    result = runner.invoke(
        app,
        [
            "scan",
            str(EXAMPLE),
            *AS_OF,
            "--format",
            "json",
            "--checks",
            "OWN-*,MFA-001",
            "--exclude-checks",
            "OWN-004",
        ],
    )
    ids = {f["check_id"] for f in json.loads(result.stdout)["findings"]}
    assert ids == {"OWN-001", "OWN-002", "OWN-003", "OWN-005", "OWN-006", "MFA-001"}


def test_selection_that_leaves_nothing_is_a_usage_error():
    result = runner.invoke(app, ["scan", str(EXAMPLE), "--checks", "NOPE-*"])
    assert result.exit_code == 2
    assert "leave no check to run" in result.stderr


def test_output_writes_a_file(tmp_path):
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["scan", str(EXAMPLE), *AS_OF, "-f", "json", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(out.read_text())["schema_version"] == 1


def test_bad_fail_on_and_bad_date_are_usage_errors():
    result = runner.invoke(app, ["scan", str(EXAMPLE), "--fail-on", "severe"])
    assert result.exit_code == 2
    assert '--fail-on: "severe" is not one of' in result.stderr
    result = runner.invoke(app, ["scan", str(EXAMPLE), "--as-of", "23/11/2026"])
    assert result.exit_code == 2
    assert "--as-of" in result.stderr


def test_unknown_format_is_a_usage_error():
    result = runner.invoke(app, ["scan", str(EXAMPLE), "--format", "yaml"])
    assert result.exit_code == 2
    assert 'unknown format "yaml"' in result.stderr


def test_a_check_that_crashes_makes_the_scan_incomplete(monkeypatch):
    import checks
    from scanner.engine import check as contract

    found = checks.get("GOV-002")
    assert found is not None

    def broken(account, ctx):
        raise RuntimeError("sentinel-should-not-print")

    monkeypatch.setitem(contract._REGISTRY, "GOV-002", dataclasses.replace(found, function=broken))
    result = runner.invoke(app, ["scan", str(EXAMPLE), *AS_OF, "--fail-on", "none"])
    assert result.exit_code == 3
    assert "check failed: RuntimeError" in result.stdout
    assert "sentinel-should-not-print" not in result.output
    assert "INCOMPLETE" in result.stdout


def test_checks_lists_the_catalogue():
    result = runner.invoke(app, ["checks"])
    assert result.exit_code == 0
    for check_id in IMPLEMENTED:
        assert check_id in result.stdout


def test_explain_shows_rationale_remediation_references():
    result = runner.invoke(app, ["explain", "mfa-002"])
    assert result.exit_code == 0
    assert "Why it matters:" in result.stdout
    assert "How to fix it:" in result.stdout
    assert "https://" in result.stdout


def test_explain_unknown_check_suggests():
    result = runner.invoke(app, ["explain", "MFA-02"])
    assert result.exit_code == 2
    assert 'no check "MFA-02"' in result.stderr


def test_init_writes_a_starter_inventory_that_scans(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "inventory.toml").read_text() == EXAMPLE.read_text()
    again = runner.invoke(app, ["init", str(tmp_path)])
    assert again.exit_code == 2
    assert "--force" in again.stderr


def test_demo_prints_the_report_with_password_checks_on_its_vault():
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Posture score:" in result.stdout
    for check_id in ("PWD-001", "PWD-002", "PWD-003", "MFA-003", "ACC-003"):
        assert "FAIL" in result.stdout.split(check_id)[0].splitlines()[-1], check_id


def test_posture_console_script_runs_as_a_subprocess(tmp_path):
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", str(EXAMPLE), *AS_OF, "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["summary"]["accounts"] == 14
    bad = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", str(tmp_path / "missing.toml")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr


def test_help_is_fast_and_does_not_import_heavy_modules():
    code = (
        "import sys; from scanner.cli import app; "
        "heavy = [m for m in ('zxcvbn', 'keyring', 'cryptography', 'tabulate') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip() == ""
