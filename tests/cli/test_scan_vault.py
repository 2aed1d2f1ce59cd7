"""`posture scan` reads the vault: password checks run on real secrets, which never leak."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import EXAMPLE, PASSPHRASE, SENTINEL

runner = CliRunner()
FORMATS = ("table", "json", "sarif", "junit", "csv", "markdown", "html")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert runner.invoke(app, ["vault", "init"]).exit_code == 0
    return tmp_path


def store(account: str, password: str) -> None:
    result = runner.invoke(app, ["vault", "set", account], input=password)
    assert result.exit_code == 0, result.output


def findings(*args: str) -> dict[tuple[str, str], dict[str, object]]:
    result = runner.invoke(app, ["scan", "--format", "json", "--fail-on", "none", *args])
    assert result.exit_code == 0, result.output
    return {(f["check_id"], f["account"]): f for f in json.loads(result.stdout)["findings"]}


def test_password_checks_run_on_the_vault(folder):
    store("x-main", "acmeoutdoor2024")
    store("facebook-page", "acmeoutdoor2024")
    store("instagram-main", "tgV7#pQ2!mZr9$Lw4@xB")
    found = findings()
    assert found[("PWD-001", "x-main")]["status"] == "FAIL"
    assert found[("PWD-001", "instagram-main")]["status"] == "PASS"
    assert found[("PWD-003", "x-main")]["status"] == "FAIL"
    assert "facebook-page" in str(found[("PWD-003", "x-main")]["message"])
    assert found[("PWD-005", "x-main")]["status"] == "PASS"
    assert found[("PWD-005", "tiktok-brand")]["status"] == "FAIL"


def test_acc003_fails_when_a_holder_leaves_after_the_password_was_set(folder):
    store("x-main", "tgV7#pQ2!mZr9$Lw4@xB")
    leaving = dt.date.today() + dt.timedelta(days=3)
    text = (folder / "inventory.toml").read_text()
    text = text.replace(
        'id = "lee"\nname = "Lee Chen"',
        f'id = "lee"\nstatus = "departed"\ndeparted_on = {leaving}\nname = "Lee Chen"',
    )
    text = text.replace(
        'password_known_by = ["dana"]               # one custodian',
        'password_known_by = ["dana", "lee"]        # one custodian',
    )
    (folder / "inventory.toml").write_text(text)
    before = findings("--as-of", str(leaving - dt.timedelta(days=1)))
    assert before[("ACC-003", "x-main")]["status"] == "PASS"
    after = findings("--as-of", str(leaving + dt.timedelta(days=1)))
    assert after[("ACC-003", "x-main")]["status"] == "FAIL"
    assert "Lee Chen departed" in str(after[("ACC-003", "x-main")]["message"])
    rotate = runner.invoke(
        app, ["vault", "rotate", "--all-due", "--as-of", str(leaving + dt.timedelta(days=1))]
    )
    assert rotate.exit_code == 0
    assert "x-main: new password stored" in rotate.stdout


def test_no_vault_at_the_default_place_skips_password_checks_with_a_note(tmp_path, monkeypatch):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scan", "--fail-on", "none"])
    assert result.exit_code == 0
    assert "No vault at" in result.stdout
    document = runner.invoke(app, ["scan", "-f", "json", "--fail-on", "none"]).stdout
    pwd = [f for f in json.loads(document)["findings"] if f["check_id"].startswith("PWD")]
    assert pwd
    assert {f["status"] for f in pwd} == {"SKIPPED"}


def test_named_vault_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scan", "--vault", "missing.vault"])
    assert result.exit_code == 2
    assert "missing.vault: vault not found" in result.stderr


def test_vault_without_a_passphrase_source_is_one_line_exit_2(folder, monkeypatch):
    monkeypatch.delenv("POSTURE_VAULT_PASSPHRASE")
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "no vault passphrase" in result.stderr


def test_wrong_passphrase_is_exit_2(folder, monkeypatch):
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", "not it")
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 2
    assert "passphrase" in result.stderr


def test_no_vault_flag_skips_the_vault(folder, monkeypatch):
    monkeypatch.delenv("POSTURE_VAULT_PASSPHRASE")
    assert runner.invoke(app, ["scan", "--no-vault", "--fail-on", "none"]).exit_code == 0


def test_sentinel_passwords_reach_no_report_output_or_database(folder):
    store("x-main", SENTINEL)
    store("facebook-page", SENTINEL + "1")
    outputs = []
    for fmt in FORMATS:
        out = folder / f"report.{fmt}"
        result = runner.invoke(app, ["scan", "-f", fmt, "-o", str(out), "--fail-on", "none"])
        assert result.exit_code == 0, result.output
        outputs += [result.output, out.read_text()]
    for text in outputs:
        assert SENTINEL not in text
        assert PASSPHRASE not in text
    for path in folder.rglob("*"):
        if path.is_file():
            assert SENTINEL.encode() not in path.read_bytes(), path
            assert PASSPHRASE.encode() not in path.read_bytes(), path


def test_rescan_scores_nothing_again(folder):
    store("x-main", "tgV7#pQ2!mZr9$Lw4@xB")
    first = runner.invoke(app, ["scan", "-f", "json", "--fail-on", "none"])
    assert first.exit_code == 0
    from scanner.services.scan import ScanRequest, perform_scan

    again = perform_scan(
        ScanRequest(inventory=folder / "inventory.toml", vault=folder / "posture.vault")
    )
    assert again.context.secrets is not None
    assert again.context.secrets.scored == 0
    assert again.context.secrets.cached == 1


def test_a_pending_rotation_is_not_a_fix_until_confirmed(folder):
    store("x-main", "acmeoutdoor2024")
    assert findings()[("PWD-001", "x-main")]["status"] == "FAIL"
    rotated = runner.invoke(app, ["vault", "rotate", "x-main"])
    assert rotated.exit_code == 0, rotated.output
    # The platform still has the old password: the scan judges it and says why.
    assert findings()[("PWD-001", "x-main")]["status"] == "FAIL"
    table = runner.invoke(app, ["scan", "--fail-on", "none"]).stdout
    assert "x-main: a rotation is pending since" in table
    confirmed = runner.invoke(app, ["vault", "confirm", "x-main"])
    assert confirmed.exit_code == 0, confirmed.output
    assert findings()[("PWD-001", "x-main")]["status"] == "PASS"


def test_a_breach_only_scan_scores_nothing_and_still_finds_the_breach(folder):
    """`--checks PWD-002`: no check reads a strength verdict, so zxcvbn never runs."""
    import sqlite3

    from scanner.core.secret import Secret
    from scanner.passwords.corpus import sha1_hex

    store("x-main", "acmeoutdoor2024")
    store("instagram-main", "tgV7#pQ2!mZr9$Lw4@xB")
    # `vault set` scored each password once to record its PWD-001 verdict (issue 14): start
    # from an empty cache so the count shows what the scans themselves score.
    with sqlite3.connect(folder / "posture.db") as conn:
        conn.execute("DELETE FROM score_cache")
    corpus = folder / "pwned.txt"
    corpus.write_text(f"{sha1_hex(Secret('acmeoutdoor2024'))}:12\r\n")
    found = findings("--checks", "PWD-002", "--hibp", str(corpus))
    assert found[("PWD-002", "x-main")]["status"] == "FAIL"
    assert found[("PWD-002", "instagram-main")]["status"] == "PASS"
    assert {check for check, _ in found} == {"PWD-002"}
    with sqlite3.connect(folder / "posture.db") as conn:
        assert conn.execute("SELECT count(*) FROM score_cache").fetchone() == (0,)
    found = findings("--checks", "PWD-001,PWD-002", "--hibp", str(corpus))
    assert found[("PWD-001", "x-main")]["status"] == "FAIL"  # scored when asked for
    with sqlite3.connect(folder / "posture.db") as conn:
        assert conn.execute("SELECT count(*) FROM score_cache").fetchone() == (2,)
