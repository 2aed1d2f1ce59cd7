"""A posture.db from before offboarding (schema 1) keeps working: read commands migrate it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app
from scanner.state.db import MIGRATIONS, SCHEMA_VERSION

runner = CliRunner()


def _schema_1(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute(
            "INSERT INTO incidents (account, opened_at, opened_by, checklist, closed_at, closed_by) "
            "VALUES ('x-main', '2026-11-01T10:00:00Z', 'dana', '{}', '2026-11-02T10:00:00Z', 'dana')"
        )
        conn.execute("PRAGMA user_version = 1")


def test_an_older_database_reads_as_no_case_and_the_first_write_migrates_it(work: Path) -> None:
    db = work / "posture.db"
    _schema_1(db)
    listed = runner.invoke(app, ["offboard", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout == "no offboarding cases recorded\n"
    scanned = runner.invoke(app, ["scan", "--no-vault", "--checks", "GOV-003"])
    assert scanned.exit_code == 0, scanned.output
    shown = runner.invoke(app, ["offboard", "show", "alex"])
    assert shown.exit_code == 2 and "no offboarding case recorded" in shown.stderr
    started = runner.invoke(app, ["offboard", "start", "alex"])
    assert started.exit_code == 0, started.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT account FROM incidents").fetchall() == [("x-main",)]
    assert "alex" in runner.invoke(app, ["offboard", "list"]).stdout


def test_an_older_database_that_cannot_be_written_is_still_read(work: Path) -> None:
    db = work / "posture.db"
    _schema_1(db)
    data = bytearray(db.read_bytes())
    data[18] = 3  # SQLite's header: a write version above 2 makes the file read-only
    db.write_bytes(bytes(data))
    listed = runner.invoke(app, ["offboard", "list"])
    assert listed.exit_code == 0, listed.output
    started = runner.invoke(app, ["offboard", "start", "alex"])
    assert started.exit_code == 2
    assert started.stderr.count("\n") == 1 and "posture: error:" in started.stderr
