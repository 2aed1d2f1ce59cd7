"""The score cannot read as fine: open critical caps it at 39, open high at 69, and a scan whose
password checks could not run says it is partial (table, Markdown, HTML, JSON)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core.model import Finding, Severity, Status
from scanner.engine.run import score_cap

FJORDLINE = Path(__file__).resolve().parents[1] / "data" / "fjordline" / "inventory.toml"
runner = CliRunner()


@pytest.fixture
def fjordline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(FJORDLINE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _scan(*args: str) -> str:
    result = runner.invoke(app, ["scan", "--as-of", "2026-12-01", "--fail-on", "none", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _finding(severity: Severity, status: Status = Status.FAIL) -> Finding:
    return Finding("X-001", status, severity, "a", "m")


def test_caps_follow_the_worst_open_failure() -> None:
    assert score_cap([_finding(Severity.MEDIUM)]) == (None, "")
    assert score_cap([_finding(Severity.HIGH), _finding(Severity.HIGH)]) == (
        69,
        "2 open high findings",
    )
    assert score_cap([_finding(Severity.HIGH), _finding(Severity.CRITICAL)])[0] == 39
    assert score_cap([_finding(Severity.CRITICAL, Status.PASS)]) == (None, "")


def test_open_critical_caps_the_score_and_every_report_says_why(fjordline: Path) -> None:
    document = json.loads(_scan("-f", "json"))
    summary = document["summary"]
    assert summary["failed_by_severity"]["critical"] > 0
    assert summary["score"] <= 39 < summary["raw_score"]
    assert summary["cap"] == 39
    assert summary["cap_cause"].endswith("open critical findings")
    table = _scan()
    line = next(x for x in table.splitlines() if x.startswith("Posture score"))
    assert f"Posture score: {summary['score']}/100; capped at 39 by " in line
    assert "capped at 39" in _scan("-f", "markdown")
    assert "capped at 39" in _scan("-f", "html")


def test_a_scan_without_a_vault_is_partial_and_cannot_score_higher(fjordline: Path) -> None:
    summary = json.loads(_scan("-f", "json"))["summary"]
    assert summary["coverage"] < 100
    assert summary["not_run"] == ["password checks not run (no vault)"]
    for text in (_scan(), _scan("-f", "markdown"), _scan("-f", "html")):
        assert "partial: coverage" in text
        assert "password checks not run" in text


def test_suppressed_criticals_do_not_cap(fjordline: Path) -> None:
    (fjordline / "s.toml").write_text(
        '[[suppression]]\ncheck = "*"\naccounts = ["instagram-brand", "tiktok", "linkedin-page",'
        ' "workspace-admin", "shopify", "hello-mailbox", "mailchimp", "x-brand", "youtube",'
        ' "facebook-page"]\nreason = "test"\nowner = "it@fjordline-bikes.example"\n'
        "expires = 2099-01-01\n"
    )
    summary = json.loads(_scan("-f", "json", "--suppressions", "s.toml"))["summary"]
    assert summary["cap"] is None
    assert summary["score"] == summary["raw_score"]
