"""`posture breach ...` end to end through the command line."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.breach.conftest import make_read_only

runner = CliRunner()


def breach(inventory_file: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["breach", *args, "-i", str(inventory_file)], env=env)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(result, text: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("posture: error: "), result.stderr
    assert text in lines[0]
    assert "Traceback" not in result.output


def test_checklist_prints_a_drill_without_recording_anything(inventory_file: Path, db_path: Path):
    result = breach(inventory_file, "checklist", "x-main")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Breach checklist: x-main (@acmeoutdoor) on X (Twitter)\n")
    assert "Drill only: nothing is recorded" in result.stdout
    assert "  1. [ ] Secure social-mailbox (social@acme.example) first" in result.stdout
    assert "https://help.x.com/en/safety-and-security/x-account-compromised" in result.stdout
    assert not db_path.exists()


def test_checklist_as_markdown(inventory_file: Path):
    result = breach(inventory_file, "checklist", "youtube-channel", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Breach checklist: youtube-channel")
    # The Google Account recovery step now cites YouTube's hacked-channel page (catalogue v2).
    assert "<https://support.google.com/youtube/answer/76187>" in result.stdout


def test_checklist_rejects_an_unknown_format(inventory_file: Path):
    _one_error_line(
        breach(inventory_file, "checklist", "x-main", "-f", "pdf"), '"pdf" is not one of'
    )


def test_start_opens_an_incident_and_prints_the_checklist(inventory_file: Path, db_path: Path):
    result = breach(
        inventory_file, "start", "tiktok-brand", "--note", "giveaway scam", "--by", "dana"
    )
    assert result.exit_code == 0, result.output
    assert "Incident #1: open. Opened " in result.stdout
    assert "by dana: giveaway scam" in result.stdout
    assert "check:agency:brightsocial" in result.stdout
    assert db_path.exists()


def test_operator_defaults_to_the_login_name(inventory_file: Path):
    env = {"LOGNAME": "drill-operator"}
    assert breach(inventory_file, "start", "x-main", env=env).exit_code == 0
    result = breach(inventory_file, "done", "x-main", "rotate-password", env=env)
    assert result.exit_code == 0, result.output
    assert "by drill-operator" in result.stdout


def test_done_ticks_by_id_or_number_and_show_displays_progress(inventory_file: Path):
    breach(inventory_file, "start", "x-main", "--by", "dana")
    result = breach(
        inventory_file, "done", "x-main", "rotate-password", "--note", "IT laptop", "--by", "priya"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("done: step 5 rotate-password at ")
    assert "by priya" in result.stdout
    result = breach(inventory_file, "done", "x-main", "1", "--by", "priya")
    assert "done: step 1 mailbox:social-mailbox" in result.stdout
    assert "2 of 36 steps done, 25 required open" in result.stdout
    shown = breach(inventory_file, "show", "x-main")
    assert shown.exit_code == 0, shown.output
    assert "Progress: 2 of 36 steps done, 25 required open." in shown.stdout
    assert "  5. [x] Change the password now, from a clean device" in shown.stdout
    assert "by priya: IT laptop" in shown.stdout
    assert "  6. [ ] " in shown.stdout


def test_close_is_refused_while_required_steps_are_open(inventory_file: Path, db_path: Path):
    breach(inventory_file, "start", "x-main", "--by", "dana")
    breach(inventory_file, "done", "x-main", "rotate-password", "--by", "dana")
    before = _digest(db_path)
    result = breach(inventory_file, "close", "x-main", "--by", "dana")
    _one_error_line(
        result, "cannot close incident #1: 26 required steps open (mailbox:social-mailbox,"
    )
    assert "and 21 more; see posture breach show x-main" in result.stderr
    assert "rotate-password," not in result.stderr
    assert _digest(db_path) == before


def test_forced_close_needs_a_reason(inventory_file: Path, db_path: Path):
    breach(inventory_file, "start", "x-main", "--by", "dana")
    before = _digest(db_path)
    _one_error_line(breach(inventory_file, "close", "x-main", "--force"), "--force needs --reason")
    assert _digest(db_path) == before
    result = breach(
        inventory_file, "close", "x-main", "--force", "--reason", "drill over", "--by", "maria"
    )
    assert result.exit_code == 0, result.output
    assert "closed incident #1 on x-main" in result.stdout
    assert "forced with 27 required steps open" in result.stdout
    assert "reason: drill over" in result.stdout


def test_list_shows_open_and_closed_incidents(inventory_file: Path):
    assert "no incidents recorded" in breach(inventory_file, "list").stdout
    breach(inventory_file, "start", "x-main", "--by", "dana")
    breach(inventory_file, "close", "x-main", "--force", "--reason", "drill", "--by", "dana")
    breach(inventory_file, "start", "tiktok-brand", "--by", "lee")
    result = breach(inventory_file, "list")
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()[2:]
    assert rows[0].split()[:3] == ["#2", "tiktok-brand", "open"]
    assert rows[1].split()[:4] == ["#1", "x-main", "closed", "(forced)"]


def test_export_writes_markdown_with_the_record(inventory_file: Path, tmp_path: Path):
    breach(inventory_file, "start", "facebook-page", "--by", "dana", "--note", "page defaced")
    breach(
        inventory_file,
        "done",
        "facebook-page",
        "facebook-hacked",
        "--by",
        "lee",
        "--note",
        "guided flow done",
    )
    out = tmp_path / "ticket" / "INC-1.md"
    out.parent.mkdir()
    result = breach(inventory_file, "export", "facebook-page", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert f"to {out}" in result.stdout
    text = out.read_text("utf-8")
    assert text.startswith("# Breach checklist: facebook-page \\(Acme Outdoor\\) on Facebook\n")
    assert "- Opened: " in text
    assert " by dana" in text
    assert "lee ticked step 3 `facebook-hacked`: guided flow done" in text
    assert sorted(p.name for p in out.parent.iterdir()) == ["INC-1.md"]  # no temp file left
    stdout = breach(inventory_file, "export", "facebook-page")
    assert stdout.stdout == text


def test_unknown_account_is_one_line_and_records_nothing(inventory_file: Path, db_path: Path):
    _one_error_line(
        breach(inventory_file, "start", "x-mian"),
        'no account "x-mian" in the inventory (did you mean "x-main"?)',
    )
    assert not db_path.exists()
    _one_error_line(breach(inventory_file, "checklist", "nope"), 'no account "nope"')
    breach(inventory_file, "start", "x-main", "--by", "dana")
    before = _digest(db_path)
    for command in (
        ["done", "x-mian", "1"],
        ["close", "x-mian"],
        ["show", "x-mian"],
        ["export", "x-mian"],
    ):
        _one_error_line(
            breach(inventory_file, *command), 'for account "x-mian" (did you mean "x-main"?)'
        )
    assert _digest(db_path) == before


def test_done_or_close_without_a_database_does_not_create_one(inventory_file: Path, db_path: Path):
    _one_error_line(
        breach(inventory_file, "done", "x-main", "1"), 'no open incident for account "x-main"'
    )
    _one_error_line(
        breach(inventory_file, "close", "x-main"), 'no open incident for account "x-main"'
    )
    _one_error_line(
        breach(inventory_file, "show", "x-main"), 'no incident recorded for account "x-main"'
    )
    assert not db_path.exists()


def test_second_start_is_one_line_and_records_nothing(inventory_file: Path, db_path: Path):
    breach(inventory_file, "start", "x-main", "--by", "dana")
    before = _digest(db_path)
    _one_error_line(
        breach(inventory_file, "start", "x-main"),
        'account "x-main" already has an open incident (#1',
    )
    assert _digest(db_path) == before


def test_unknown_step_is_one_line_and_records_nothing(inventory_file: Path, db_path: Path):
    breach(inventory_file, "start", "x-main", "--by", "dana")
    before = _digest(db_path)
    _one_error_line(
        breach(inventory_file, "done", "x-main", "reset-password"), 'no step "reset-password"'
    )
    _one_error_line(breach(inventory_file, "done", "x-main", "99"), "a number from 1 to 36")
    assert _digest(db_path) == before


@pytest.mark.parametrize(
    "command",
    [
        ["start", "facebook-page"],
        ["done", "x-main", "rotate-password"],
        ["close", "x-main", "--force", "--reason", "drill"],
    ],
)
def test_read_only_database_is_one_line_and_records_nothing(
    inventory_file: Path, db_path: Path, command: list[str]
):
    breach(inventory_file, "start", "x-main", "--by", "dana")
    make_read_only(db_path)
    before = _digest(db_path)
    _one_error_line(
        breach(inventory_file, *command, "--by", "dana"),
        "state database is read-only; nothing was changed",
    )
    assert _digest(db_path) == before
    shown = breach(inventory_file, "show", "x-main")  # reading still works
    assert shown.exit_code == 0
    assert "Progress: 0 of 36 steps done" in shown.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes; the header test covers it")
def test_database_file_without_write_permission_is_one_line(inventory_file: Path, db_path: Path):
    breach(inventory_file, "start", "x-main", "--by", "dana")
    db_path.chmod(0o444)
    before = _digest(db_path)
    _one_error_line(breach(inventory_file, "done", "x-main", "1"), "read-only")
    assert _digest(db_path) == before


def test_no_secret_reaches_breach_output_exports_or_the_database(
    inventory_file: Path, db_path: Path, tmp_path: Path
):
    passphrase = "SENTINEL-hunter2-Passphrase-7731"
    password = "SENTINEL-shared-Password-4412"
    env = {"POSTURE_VAULT_PASSPHRASE": passphrase, "LOGNAME": "dana"}
    assert runner.invoke(app, ["vault", "init", "-i", str(inventory_file)], env=env).exit_code == 0
    for account in ("x-main", "facebook-page"):
        stored = runner.invoke(
            app, ["vault", "set", account, "-i", str(inventory_file)], env=env, input=password
        )
        assert stored.exit_code == 0, stored.output
    outputs = []
    for command in (
        ["checklist", "x-main"],
        ["checklist", "x-main", "-f", "markdown"],
        ["start", "x-main"],
        ["done", "x-main", "rotate-password"],
        ["show", "x-main"],
        ["list"],
        ["export", "x-main", "-o", str(tmp_path / "x.md")],
        ["export", "x-main"],
        ["close", "x-main", "--force", "--reason", "drill"],
    ):
        result = breach(inventory_file, *command, env=env)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    # The vault was opened: the account sharing the password is named, the password is not.
    assert "rotate:facebook-page" in outputs[0]
    for secret in (passphrase, password):
        assert all(secret not in text for text in outputs)
        assert secret not in (tmp_path / "x.md").read_text()
        assert secret.encode() not in db_path.read_bytes()


def test_checklist_without_a_vault_passphrase_warns_and_still_prints(
    inventory_file: Path, db_path: Path
):
    env = {"POSTURE_VAULT_PASSPHRASE": "breach test passphrase: kiln lantern"}
    assert runner.invoke(app, ["vault", "init", "-i", str(inventory_file)], env=env).exit_code == 0
    result = breach(inventory_file, "checklist", "x-main", env={"POSTURE_VAULT_PASSPHRASE": ""})
    assert result.exit_code == 0, result.output
    assert "accounts sharing this password are not listed" in result.stderr
    assert "rotate-password" in result.stdout


def test_breach_drill_through_the_real_command(inventory_file: Path, db_path: Path):
    def posture(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scanner", "breach", *args, "-i", str(inventory_file)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "LOGNAME": "dana"},
        )

    assert posture("start", "x-support").returncode == 0
    done = posture("done", "x-support", "rotate-password", "--note", "rotated")
    assert done.returncode == 0
    assert "by dana" in done.stdout
    refused = posture("close", "x-support")
    assert refused.returncode == 2
    assert refused.stderr.startswith("posture: error: cannot close incident #1:")
    assert posture("close", "x-support", "--force", "--reason", "drill").returncode == 0
    listed = posture("list")
    assert "closed (forced)" in listed.stdout
