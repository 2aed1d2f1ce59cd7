"""Issue 21: outputs that respect the filesystem, a CI log that speaks, reproducible bytes,
SARIF severities as GitHub reads them and reports within their consumers' limits."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.report.github import escape_data, escape_property
from tests.hardening.test_large_inventory import write_inventory
from tests.vault.conftest import posture_in_process

EXAMPLE = Path(__file__).resolve().parents[2] / "scanner" / "data" / "inventory.example.toml"
REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()
MIB = 1024 * 1024


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    target = tmp_path / "inventory.toml"
    shutil.copyfile(EXAMPLE, target)
    return target


def scan(inventory: Path, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(
        app, ["scan", str(inventory), "--no-vault", "--as-of", "2026-11-23", *args], env=env
    )


def posture(cwd: Path, *args: str, env: dict[str, str] | None = None, **kw):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    environment |= {"PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        **kw,
    )


def in_process(cwd: Path, *args: str, env: dict[str, str] | None = None):
    """`posture ARGS` in process (CliRunner) with `posture`'s result shape; the tests about the
    real process (a FIFO, GitHub annotations, byte-identical reports across processes) use
    `posture`."""
    return posture_in_process(*args, cwd=cwd, env=env)


def scans_recorded(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM scans").fetchone()[0]


def test_a_symlink_output_is_written_through_and_stays_a_symlink(inventory, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "latest.sarif").write_text("old", encoding="utf-8")
    link = tmp_path / "posture.sarif"
    link.symlink_to("reports/latest.sarif")
    done = scan(inventory, "-f", "sarif", "-o", str(link))
    assert done.exit_code == 1, done.output
    assert link.is_symlink()
    assert os.readlink(link) == "reports/latest.sarif"
    assert json.loads((reports / "latest.sarif").read_text("utf-8"))["version"] == "2.1.0"
    assert [p.name for p in reports.iterdir()] == ["latest.sarif"]  # no temp file left


def test_a_dangling_symlink_creates_its_target(inventory, tmp_path):
    (tmp_path / "out").mkdir()
    link = tmp_path / "summary.md"
    link.symlink_to(tmp_path / "out" / "summary.md")
    assert scan(inventory, "-f", "markdown", "-o", str(link)).exit_code == 1
    assert link.is_symlink()
    assert (tmp_path / "out" / "summary.md").read_text("utf-8").startswith("# posture scan")


def test_dev_null_is_written_not_replaced(inventory):
    before = os.stat("/dev/null")
    done = scan(inventory, "-f", "json", "-o", "/dev/null", "--no-history")
    assert done.exit_code == 1, done.output
    after = os.stat("/dev/null")
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert Path("/dev/null").is_char_device()


def test_a_fifo_is_written_in_place(inventory, tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    done = posture(tmp_path, "scan", "--no-vault", "--no-history", "-f", "json", "-o", str(fifo))
    reader.join(timeout=60)
    assert done.returncode == 1, done.stderr
    assert json.loads(received[0])["schema_version"] == 1
    assert fifo.is_fifo()


def test_dash_is_stdout_and_creates_no_file(inventory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = scan(inventory, "-f", "json", "-o", "-", "-f", "markdown", "-o", "summary.md")
    assert done.exit_code == 1
    assert json.loads(done.stdout.split("\nposture: ")[0])["schema_version"] == 1
    assert not (tmp_path / "-").exists()
    assert (tmp_path / "summary.md").exists()


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("missing/x.json", "does not exist"),
        ("/sys/posture.json", "cannot write in /sys"),
        ("/dev/posture-report", "creates no file under /dev"),
        (".", "is a folder"),
    ],
)
def test_an_unwritable_output_is_refused_before_the_scan(inventory, tmp_path, output, message):
    db = tmp_path / "posture.db"
    done = in_process(
        tmp_path,
        "scan",
        "inventory.toml",
        "-f",
        "sarif",
        "-o",
        "ok.sarif",
        "-f",
        "json",
        "-o",
        output,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("posture: error: --output ")
    assert message in done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "ok.sarif").exists()  # nothing written
    assert scans_recorded(db) == 0  # nothing recorded
    assert not Path("/dev/posture-report").exists()


def test_a_read_only_output_file_is_refused_before_the_scan(inventory, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes read-only files; the /proc case covers refusal as root")
    target = tmp_path / "locked.json"
    target.write_text("keep", encoding="utf-8")
    target.chmod(0o444)
    done = scan(inventory, "-f", "json", "-o", str(target))
    assert done.exit_code == 2
    assert target.read_text("utf-8") == "keep"


def test_summary_line_goes_to_stderr_only_when_files_are_written(inventory, tmp_path):
    quiet = in_process(tmp_path, "scan", "--no-vault", "--as-of", "2026-11-23", "-f", "json")
    assert quiet.returncode == 1
    assert quiet.stderr == ""
    loud = in_process(
        tmp_path,
        "scan",
        "--no-vault",
        "--as-of",
        "2026-11-23",
        "--fail-on",
        "critical",
        "-f",
        "json",
        "-o",
        "r.json",
    )
    assert loud.returncode == 0
    assert loud.stderr == (
        "posture: 14 accounts: failing 0 critical, 13 high, 10 medium, 5 low, 0 info; "
        "score 69/100; exit 0: nothing at or above critical; wrote r.json\n"
    )


def test_github_format_prints_escaped_annotations_for_failing_findings(inventory, tmp_path):
    done = posture(tmp_path, "scan", "--no-vault", "--as-of", "2026-11-23", "-f", "github")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert len(annotations) == 28  # every unsuppressed failure of the example
    assert annotations[0].startswith("::error file=inventory.toml,line=")
    assert any(line.startswith("::warning file=inventory.toml,") for line in annotations)
    assert any(line.startswith("::notice file=inventory.toml,") for line in annotations)
    text = inventory.read_text("utf-8").splitlines()
    for line in annotations:
        number = int(line.split("line=")[1].split(",")[0])
        assert text[number - 1].startswith("[[accounts]]")
    assert escape_data("50%\r\nx") == "50%25%0D%0Ax"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_source_date_epoch_makes_sarif_junit_and_json_byte_identical(inventory, tmp_path):
    outputs = {}
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        args = []
        for name in ("sarif", "junit", "json"):
            args += ["-f", name, "-o", str(folder / name)]
        done = posture(
            tmp_path,
            "scan",
            "--no-vault",
            "--no-history",
            "--as-of",
            "2026-11-23",
            *args,
            env={"SOURCE_DATE_EPOCH": "1795000000"},
        )
        assert done.returncode == 1, done.stderr
        outputs[run] = {n: (folder / n).read_bytes() for n in ("sarif", "junit", "json")}
    assert outputs["a"] == outputs["b"]
    assert b"2026-11-18T" in outputs["a"]["json"]  # 1795000000 is 2026-11-18


def test_a_malformed_source_date_epoch_is_refused(inventory, tmp_path):
    done = in_process(tmp_path, "scan", "--no-vault", env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert done.returncode == 2
    assert done.stderr == (
        'posture: error: SOURCE_DATE_EPOCH: "yesterday" is not a whole number of seconds since 1970\n'
    )


def github_severity(run: dict, result: dict) -> str:
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    score = rule["properties"].get("security-severity")
    if score is None:
        return "info"
    value = float(score)
    return "critical" if value >= 9 else "high" if value >= 7 else "medium" if value >= 4 else "low"


def test_sarif_severity_equals_json_for_every_finding_at_1000_accounts(tmp_path):
    write_inventory(tmp_path / "inventory.toml", 1000)
    done = in_process(
        tmp_path,
        "scan",
        "--no-vault",
        "--no-history",
        "--as-of",
        "2026-11-23",
        "-f",
        "sarif",
        "-o",
        "p.sarif",
        "-f",
        "json",
        "-o",
        "p.json",
    )
    assert done.returncode == 1, done.stderr
    run = json.loads((tmp_path / "p.sarif").read_text("utf-8"))["runs"][0]
    findings = json.loads((tmp_path / "p.json").read_text("utf-8"))["findings"]
    expected = {
        (f["check_id"], f["account"]): f["severity"]
        for f in findings
        if f["status"] == "FAIL" and not f["suppressed"]
    }
    shown = {
        (r["properties"]["check"], r["properties"]["account"]): github_severity(run, r)
        for r in run["results"]
    }
    assert shown == expected
    assert len(set(shown.values())) >= 3


def test_the_validate_command_checks_files_without_scanning(inventory, tmp_path):
    good = in_process(tmp_path, "validate", "inventory.toml")
    assert (good.returncode, good.stdout) == (0, "inventory.toml: valid (14 accounts)\n")
    inventory.write_text(inventory.read_text("utf-8").replace('tier = "critical"', 'tier = "x"', 1))
    bad = in_process(tmp_path, "validate", "inventory.toml")
    assert bad.returncode == 2
    assert bad.stderr.startswith("posture: error: inventory.toml:")
    assert not (tmp_path / "posture.db").exists()


@pytest.mark.slow
def test_markdown_and_junit_stay_within_limits_at_10000_accounts(tmp_path):
    write_inventory(tmp_path / "inventory.toml", 10_000)
    done = posture(
        tmp_path,
        "scan",
        "--no-vault",
        "--no-history",
        "--as-of",
        "2026-11-23",
        "-f",
        "markdown",
        "-o",
        "summary.md",
        "-f",
        "junit",
        "-o",
        "junit.xml",
        "-f",
        "sarif",
        "-o",
        "p.sarif",
    )
    assert done.returncode == 1, done.stderr
    summary = (tmp_path / "summary.md").read_bytes()
    assert len(summary) < MIB  # GitHub's step-summary limit
    assert b"more; the JSON, CSV or HTML report" in summary
    assert (tmp_path / "junit.xml").stat().st_size < 30_000_000  # GitLab's parsing limit
    run = json.loads((tmp_path / "p.sarif").read_text("utf-8"))["runs"][0]
    assert len(run["results"]) <= 25_000
