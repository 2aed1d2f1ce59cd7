"""`posture accounts` shows the open offboarding cases and launch embargoes on each account."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def test_offboarding_cases_and_embargoes_show_on_their_accounts(
    tmp_path: Path, monkeypatch
) -> None:
    inventory = tmp_path / "inventory.toml"
    shutil.copy(EXAMPLE, inventory)
    public_on = dt.date.today() + dt.timedelta(days=30)
    inventory.write_text(
        inventory.read_text()
        + f'\n[[launches]]\nid = "spring"\nname = "Spring range"\npublic_on = {public_on}\n'
        'accounts = ["instagram-main"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["offboard", "start", "alex", "--by", "priya"]).exit_code == 0
    listed = runner.invoke(app, ["accounts", "--no-vault", "-f", "json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["id"]: row for row in json.loads(listed.stdout)["accounts"]}
    assert rows["x-support"]["offboarding"] == ["offboarding #1 (alex)"]
    assert rows["x-main"]["offboarding"] == []
    assert rows["instagram-main"]["embargo"] == [f"Spring range until {public_on}"]
    assert rows["x-main"]["embargo"] == []
    table = runner.invoke(app, ["accounts", "--no-vault"])
    assert "offboarding #1 (alex)" in table.stdout
    assert f"Spring range until {public_on}" in table.stdout
