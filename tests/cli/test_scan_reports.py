import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "scanner" / "data" / "inventory.example.toml"
runner = CliRunner()


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    target = tmp_path / "inventory.toml"
    shutil.copyfile(EXAMPLE, target)
    return target


def scan(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["scan", "--as-of", "2026-11-23", *args], env=env)


def scan_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM scans").fetchone()[0]


def test_every_format_is_written_from_one_scan(inventory, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    names = ["json", "sarif", "junit", "csv", "markdown", "html", "table"]
    args = [str(inventory)]
    for name in names:
        args += ["--format", name, "--output", str(out / f"report.{name}")]
    outcome = scan(*args)
    assert outcome.exit_code == 1, outcome.output
    assert outcome.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == sorted(f"report.{n}" for n in names)
    document = json.loads((out / "report.json").read_text())
    sarif = json.loads((out / "report.sarif").read_text())
    failing = [f for f in document["findings"] if f["status"] == "FAIL"]
    assert len(sarif["runs"][0]["results"]) == len(failing)
    # One scan: the SARIF invocation and the JSON envelope carry the same start time.
    assert sarif["runs"][0]["invocations"][0]["startTimeUtc"] == document["scan"][
        "started"
    ].replace("+00:00", "Z")
    junit = ET.fromstring((out / "report.junit").read_text())  # noqa: S314 - our own output
    assert int(junit.get("failures")) == len(failing)
    assert len(list(csv.reader(io.StringIO((out / "report.csv").read_text())))) == 1 + len(
        document["findings"]
    )
    assert scan_count(tmp_path / "posture.db") == 1


def test_format_and_output_counts_must_match(inventory, tmp_path):
    outcome = scan(str(inventory), "-f", "json", "-f", "sarif", "-o", str(tmp_path / "a.json"))
    assert outcome.exit_code == 2
    assert "one --output per --format" in outcome.stderr


def test_unknown_format_is_exit_2_before_scanning(inventory, tmp_path):
    outcome = scan(str(inventory), "-f", "pdf")
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith('posture: error: unknown format "pdf"; choose from table')
    assert not (tmp_path / "posture.db").exists()


def test_unwritable_output_fails_before_the_scan_is_recorded(inventory, tmp_path):
    good = tmp_path / "good.json"
    outcome = scan(
        str(inventory),
        *("-f", "json", "-o", str(good)),
        *("-f", "sarif", "-o", str(tmp_path / "missing" / "r.sarif")),
    )
    assert outcome.exit_code == 2
    assert "folder" in outcome.stderr
    assert "does not exist" in outcome.stderr
    assert not good.exists()
    assert not (tmp_path / "posture.db").exists()


def test_same_output_twice_is_refused(inventory, tmp_path):
    target = str(tmp_path / "r.json")
    outcome = scan(str(inventory), "-f", "json", "-o", target, "-f", "sarif", "-o", target)
    assert outcome.exit_code == 2
    assert "given twice" in outcome.stderr


def test_history_goes_beside_the_inventory_or_to_db_or_posture_db(inventory, tmp_path):
    assert scan(str(inventory), "--fail-on", "none").exit_code == 0
    assert scan_count(tmp_path / "posture.db") == 1
    explicit = tmp_path / "explicit.db"
    assert scan(str(inventory), "--fail-on", "none", "--db", str(explicit)).exit_code == 0
    assert scan_count(explicit) == 1
    from_env = tmp_path / "env.db"
    outcome = scan(str(inventory), "--fail-on", "none", env={"POSTURE_DB": str(from_env)})
    assert outcome.exit_code == 0
    assert scan_count(from_env) == 1
    assert scan_count(tmp_path / "posture.db") == 1


def test_no_history_leaves_no_database(inventory, tmp_path):
    outcome = scan(str(inventory), "--no-history", "--fail-on", "none")
    assert outcome.exit_code == 0
    assert "recorded scan" not in outcome.stdout
    assert not (tmp_path / "posture.db").exists()


def test_unusable_database_is_exit_2_with_one_line_and_no_report(inventory, tmp_path):
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    out = tmp_path / "r.json"
    outcome = scan(str(inventory), "--db", str(folder), "-f", "json", "-o", str(out))
    assert outcome.exit_code == 2
    assert outcome.stderr == f"posture: error: {folder}: state database path is a directory\n"
    assert not out.exists()


def test_table_says_what_was_fixed_since_the_previous_scan(inventory):
    scan(str(inventory))
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(text.replace('mfa = "none"', 'mfa = "totp"'), encoding="utf-8")
    outcome = scan(str(inventory))
    assert "Since scan #1" in outcome.stdout
    assert ": 0 new, 1 fixed" in outcome.stdout
    assert "  fixed: MFA-001 on tiktok-brand" in outcome.stdout


def test_scan_subprocess_writes_sarif_and_markdown(inventory, tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            "inventory.toml",
            "--as-of",
            "2026-11-23",
            *("--format", "sarif", "--output", "posture.sarif"),
            *("--format", "markdown", "--output", "summary.md"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == ""
    # One line for the CI log: counts, score, exit reason, files written.
    assert completed.stderr.startswith("posture: 14 accounts: failing 0 critical, 13 high")
    assert (
        "; exit 1: findings at or above high; wrote posture.sarif, summary.md\n" in completed.stderr
    )
    assert completed.stderr.count("\n") == 1
    sarif = json.loads((tmp_path / "posture.sarif").read_text())
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "inventory.toml"
    assert (tmp_path / "summary.md").read_text().startswith("# posture scan: Acme Outdoor")
