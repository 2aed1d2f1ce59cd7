"""GOV-003: an open offboarding case past `offboarding_max_days` fails on each account still tied."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app

runner = CliRunner()


def _gov003(as_of: str, *extra: str) -> dict[str, dict[str, object]]:
    result = runner.invoke(
        app, ["scan", "--no-vault", "--checks", "GOV-003", "--as-of", as_of, "-f", "json", *extra]
    )
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.stdout)["findings"]
    return {f["account"]: f for f in findings if f["check_id"] == "GOV-003"}


def _start(*args: str) -> None:
    result = runner.invoke(app, ["offboard", "start", *args])
    assert result.exit_code == 0, result.output


def test_passes_within_the_deadline_and_fails_after_it_on_tied_accounts(work: Path) -> None:
    _start("agency:brightsocial", "--on", "2026-11-01")
    within = _gov003("2026-11-15")  # 14 days: the default limit, not past it
    assert {f["status"] for f in within.values()} == {"PASS"}
    late = _gov003("2026-11-16")
    failing = {a for a, f in late.items() if f["status"] == "FAIL"}
    assert failing == {"facebook-page", "tiktok-brand"}
    message = str(late["facebook-page"]["message"])
    assert "Bright Social Ltd (case #1, 15 days; admin, knows the password)" in message
    assert late["facebook-page"]["severity"] == "high"
    assert late["x-main"]["status"] == "PASS"


def test_the_limit_comes_from_the_policy(work: Path) -> None:
    inventory = work / "inventory.toml"
    inventory.write_text(
        inventory.read_text().replace(
            "dormant_days = 60", "dormant_days = 60\noffboarding_max_days = 3"
        )
    )
    _start("alex", "--on", "2026-11-01")
    assert _gov003("2026-11-04")["x-support"]["status"] == "PASS"
    assert _gov003("2026-11-05")["x-support"]["status"] == "FAIL"


def test_an_account_no_longer_tied_passes_and_a_closed_case_counts_no_more(work: Path) -> None:
    _start("alex")  # counts from the recorded departure, 2026-08-15
    assert _gov003("2026-11-23")["x-support"]["status"] == "FAIL"
    inventory = work / "inventory.toml"
    inventory.write_text(
        inventory.read_text().replace(
            'password_known_by = ["tom", "alex"]', 'password_known_by = ["tom"]'
        )
    )
    assert _gov003("2026-11-23")["x-support"]["status"] == "PASS"
    _start("jordan")
    assert _gov003("2026-11-23")["linkedin-page"]["status"] == "FAIL"
    closed = runner.invoke(app, ["offboard", "close", "jordan", "--force", "--reason", "drill"])
    assert closed.exit_code == 0, closed.output
    assert _gov003("2026-11-23")["linkedin-page"]["status"] == "PASS"


def test_explain_describes_gov003(work: Path) -> None:
    result = runner.invoke(app, ["explain", "GOV-003"])
    assert result.exit_code == 0
    assert "posture offboard close WHO" in result.stdout


def test_skipped_while_no_case_is_open(work: Path) -> None:
    found = _gov003("2026-11-23")
    assert {f["status"] for f in found.values()} == {"SKIPPED"}
