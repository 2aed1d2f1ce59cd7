"""Offboarding events join the tamper-evident record chain that `posture audit verify` checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app

runner = CliRunner()


def test_a_backdated_tick_breaks_the_chain(work: Path) -> None:
    for args in (
        ["offboard", "start", "alex"],
        ["offboard", "done", "alex", "devices"],
        ["offboard", "close", "alex", "--force", "--reason", "drill"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    intact = runner.invoke(app, ["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    with sqlite3.connect(work / "posture.db") as conn:
        kinds = [k for (k,) in conn.execute("SELECT kind FROM record_chain ORDER BY seq")]
        assert kinds == ["offboarding_open", "offboarding_step", "offboarding_close"]
        conn.execute("UPDATE offboarding_steps SET done_at = '2026-08-15T09:00:00Z'")
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code != 0
    assert "offboarding_steps row 1 (offboarding_step) was edited" in broken.output
