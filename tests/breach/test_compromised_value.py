"""After a panic rotation, the breach checklist still names the accounts that use the value the
attacker may hold: the live one and any replaced in the last 30 days (or since --since)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import PASSPHRASE

FJORDLINE = Path(__file__).resolve().parents[1] / "data" / "fjordline"
runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def fjordline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(FJORDLINE / "inventory.toml", tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    _ok("vault", "init")
    # Instagram and the Facebook page share one password in the real export.
    _ok("vault", "import", str(FJORDLINE / "keepassxc-2.7.4-export.csv"), "--from", "keepassxc")
    return tmp_path


def test_checklist_names_the_sharing_account_before_and_after_a_panic_rotation(
    fjordline: Path,
) -> None:
    before = _ok("breach", "checklist", "instagram-brand")
    assert "rotate:facebook-page" in before
    _ok("vault", "rotate", "instagram-brand")
    _ok("vault", "confirm", "instagram-brand")
    after = _ok("breach", "checklist", "instagram-brand")
    assert "rotate:facebook-page" in after
    started = _ok("breach", "start", "instagram-brand", "--by", "sanna")
    assert "rotate:facebook-page" in started
    assert "Fjordline2023!" not in before + after + started


def test_since_after_the_replacement_leaves_the_old_value_out(fjordline: Path) -> None:
    _ok("vault", "rotate", "instagram-brand")
    _ok("vault", "confirm", "instagram-brand")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert "rotate:facebook-page" not in _ok(
        "breach", "checklist", "instagram-brand", "--since", tomorrow
    )
