"""`posture vault rotate` ticks the rotate steps of open breach checklists by itself."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import EXAMPLE, PASSPHRASE

runner = CliRunner()


def test_rotating_through_the_vault_ticks_the_rotate_step(tmp_path, monkeypatch):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert runner.invoke(app, ["vault", "init"]).exit_code == 0
    assert runner.invoke(app, ["breach", "start", "x-main", "--by", "ana"]).exit_code == 0
    assert (
        "[ ] **Change the password now" in runner.invoke(app, ["breach", "export", "x-main"]).stdout
    )

    rotated = runner.invoke(app, ["vault", "rotate", "x-main", "--reason", "breach"])
    assert rotated.exit_code == 0, rotated.output
    # Generating a password changes nothing on the platform: the step stays open.
    assert "ticked" not in rotated.stdout
    exported = runner.invoke(app, ["breach", "export", "x-main"]).stdout
    assert "[ ] **Change the password now" in exported

    confirmed = runner.invoke(app, ["vault", "rotate", "x-main", "--confirm"])
    assert confirmed.exit_code == 0, confirmed.output
    assert "breach checklist of x-main: ticked rotate-password" in confirmed.stdout
    exported = runner.invoke(app, ["breach", "export", "x-main"]).stdout
    assert "[x] **Change the password now" in exported
    assert "ticked by posture vault confirm" in exported


def test_rotating_an_account_with_no_incident_ticks_nothing(tmp_path, monkeypatch):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert runner.invoke(app, ["vault", "init"]).exit_code == 0
    rotated = runner.invoke(app, ["vault", "rotate", "x-main"])
    assert rotated.exit_code == 0, rotated.output
    assert "breach checklist" not in rotated.stdout
