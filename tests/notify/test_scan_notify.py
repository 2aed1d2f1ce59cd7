"""`posture scan --notify`: one message of what changed, through Apprise to real local servers."""

from __future__ import annotations

import email
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import EXAMPLE, PASSPHRASE, SENTINEL
from tests.notify.conftest import Mailbox, Webhook, free_port

runner = CliRunner()
AS_OF = ("--as-of", "2026-11-23")
X_MAIN_MFA = 'id = "x-main"\nplatform = "x"'


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan(*args: str, as_of: tuple[str, str] = AS_OF) -> Any:
    return runner.invoke(app, ["scan", *as_of, "--fail-on", "none", "--notify", *args])


def set_x_main_mfa(folder: Path, method: str) -> None:
    path = folder / "inventory.toml"
    text = path.read_text()
    start = text.index('id = "x-main"')
    end = text.index("[[accounts]]", start)
    block = text[start:end]
    changed = block.replace('mfa = "fido2"', f'mfa = "{method}"').replace(
        'mfa = "none"', f'mfa = "{method}"'
    )
    path.write_text(text[:start] + changed + text[end:])


def mail_text(raw: str) -> tuple[str, str]:
    """(subject, the plain-text body) of a received mail."""
    message = email.message_from_string(raw)
    body = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            body += payload.decode("utf-8")
    return str(message["Subject"]), body


def db_dump(folder: Path) -> str:
    with sqlite3.connect(folder / "posture.db") as conn:
        return "\n".join(conn.iterdump())


def test_the_first_scan_announces_open_failures_and_a_rerun_sends_nothing(
    folder: Path, webhook: Webhook, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_NOTIFY", f"{webhook.url()} {mailbox.url()}")
    first = scan()
    assert first.exit_code == 0, first.output
    [post] = webhook.inbox.take()
    assert post["title"] == "posture: Acme Outdoor: 13 new findings"
    assert "score 69/100" in post["message"]
    assert "Open failures: 13 high, 10 medium, 5 low" in post["message"]
    assert "- **high** x-support · ACC-002 Departed person" in post["message"]
    # min_severity defaults to high: a medium failure is not announced
    # (GOV-001 on the critical shopify-store is high, so it is announced since catalogue v2.)
    assert "· ACC-004" not in post["message"] and "- **medium**" not in post["message"]
    [mail] = mailbox.inbox.take()
    subject, body = mail_text(mail["data"])
    assert subject == "posture: Acme Outdoor: 13 new findings"
    assert mail["to"] == ["it-security@test.example"]
    assert "x-support" in body and "ACC-002" in body

    again = scan()
    assert again.exit_code == 0, again.output
    assert webhook.inbox.take() == [] and mailbox.inbox.take() == []
    assert "nothing new to send to JSON (127.0.0.1), E-Mail (127.0.0.1)" in again.stderr


def test_a_new_finding_is_sent_once_and_its_fix_is_reported(
    folder: Path, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_NOTIFY", webhook.url())
    assert scan().exit_code == 0
    webhook.inbox.take()

    set_x_main_mfa(folder, "none")
    assert scan().exit_code == 0
    [post] = webhook.inbox.take()
    # Catalogue v2: a critical account with no second factor also fails MFA-004 (X offers a
    # security key and passkey sign-in).
    assert post["title"] == "posture: Acme Outdoor: 2 new findings"
    assert "x-main · MFA-001 No second factor" in post["message"]
    assert "x-main · MFA-004" in post["message"]
    assert "x-support" not in post["message"]
    assert scan().exit_code == 0
    assert webhook.inbox.take() == []

    set_x_main_mfa(folder, "fido2")
    assert scan().exit_code == 0
    [post] = webhook.inbox.take()
    assert "Fixed (2): " in post["message"]  # MFA-001 and MFA-004 (catalogue v2)
    assert "x-main MFA-001" in post["message"] and "x-main MFA-004" in post["message"]
    assert "New since" not in post["message"]


def test_notify_always_sends_a_heartbeat_when_nothing_changed(
    folder: Path, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_NOTIFY", webhook.url())
    assert scan().exit_code == 0
    webhook.inbox.take()
    assert scan("--notify-always").exit_code == 0
    [post] = webhook.inbox.take()
    assert post["title"] == "posture: Acme Outdoor: scan ran, nothing new"
    assert "score 69/100" in post["message"]


def test_a_failing_channel_loses_neither_reports_nor_history_nor_the_exit_code(
    folder: Path, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"json://127.0.0.1:{free_port()}/hook"
    monkeypatch.setenv("POSTURE_NOTIFY", dead)
    args = ("-f", "json", "-o", "report.json", "-f", "html", "-o", "report.html")
    result = runner.invoke(app, ["scan", *AS_OF, "--notify", *args])
    assert result.exit_code == 1  # the scan's own verdict (high findings), not the channel's
    warnings = [line for line in result.stderr.splitlines() if "notify:" in line]
    assert warnings == [
        "posture: warning: notify: JSON (127.0.0.1): the channel refused or did not answer "
        "after 3 attempts"
    ]
    assert json.loads((folder / "report.json").read_text())["findings"]
    assert (folder / "report.html").stat().st_size > 0
    history = runner.invoke(app, ["history"])
    assert history.exit_code == 0 and "69" in history.stdout

    strict = runner.invoke(app, ["scan", *AS_OF, "--notify", "--notify-strict", *args])
    assert strict.exit_code == 3

    # Nothing was recorded as sent, so the next working channel still hears about it all.
    monkeypatch.setenv("POSTURE_NOTIFY", webhook.url())
    assert runner.invoke(app, ["scan", *AS_OF, "--notify", *args]).exit_code == 1
    [post] = webhook.inbox.take()
    assert post["title"].endswith("13 new findings")
    assert f"Full report: {folder.name}" not in post["message"]
    assert "Full report: report.html" in post["message"]


def test_dry_run_prints_the_message_and_where_and_sends_nothing(
    folder: Path, webhook: Webhook, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_NOTIFY", f"{webhook.url()} {mailbox.url()}")
    result = scan("--dry-run")
    assert result.exit_code == 0, result.output
    assert "would send to JSON (127.0.0.1), E-Mail (127.0.0.1)" in result.stderr
    assert "posture: Acme Outdoor: 13 new findings" in result.stderr
    assert webhook.inbox.take() == [] and mailbox.inbox.take() == []
    assert scan().exit_code == 0
    assert len(webhook.inbox.take()) == 1  # the dry run recorded nothing


def test_channels_from_a_vault_entry_and_no_secret_reaches_a_message_output_or_the_db(
    folder: Path, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "TOKEN-do-not-leak-5c1b"
    inventory = folder / "inventory.toml"
    inventory.write_text(inventory.read_text() + '\n[notify]\nvault_entry = "notify"\n')
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert runner.invoke(app, ["vault", "init"]).exit_code == 0
    for account in ("x-main", "facebook-page"):
        stored = runner.invoke(app, ["vault", "set", account], input=SENTINEL)
        assert stored.exit_code == 0, stored.output
    url = webhook.url(f"hook/{token}")
    stored = runner.invoke(app, ["vault", "set", "notify"], input=url)
    assert stored.exit_code == 0, stored.output

    result = scan()
    assert result.exit_code == 0, result.output
    [post] = webhook.inbox.take()
    assert post["path"] == f"/hook/{token}"  # the vault's channel was used
    assert "x-main · PWD-003" in post["message"]
    for text in (result.stdout, result.stderr, post["title"] + post["message"], db_dump(folder)):
        assert SENTINEL not in text
        assert token not in text
    assert "JSON (127.0.0.1)" in db_dump(folder)  # the log names the channel by kind and host


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        ({}, (), "--notify: no channel: set $POSTURE_NOTIFY"),
        ({"POSTURE_NOTIFY": "nosuch://secret-token-9"}, (), 'channel 1 ("nosuch://")'),
        ({}, ("--dry-run",), "need --notify"),
    ],
)
def test_bad_notify_input_is_one_line_and_exit_2(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    setup: dict[str, str],
    args: tuple[str, ...],
    expected: str,
) -> None:
    for name, value in setup.items():
        monkeypatch.setenv(name, value)
    command = ["scan", *AS_OF, *(["--notify"] if "--dry-run" not in args else []), *args]
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert result.stderr.startswith("posture: error:") and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "secret-token-9" not in result.output
    assert not (folder / "posture.db").exists()  # refused before anything was scanned


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[notify]\nurl = "json://x.example/a"\n', "notify.url: channels are credentials"),
        ('[notify]\nmin_severiti = "low"\n', 'did you mean "min_severity"'),
        ('[notify]\nmin_severity = "urgent"\n', "notify.min_severity"),
    ],
)
def test_bad_notify_settings_name_the_file_and_line(
    folder: Path, webhook: Webhook, monkeypatch: pytest.MonkeyPatch, table: str, expected: str
) -> None:
    monkeypatch.setenv("POSTURE_NOTIFY", webhook.url())
    inventory = folder / "inventory.toml"
    lines = len(inventory.read_text().splitlines())
    inventory.write_text(inventory.read_text() + "\n" + table)
    result = scan()
    assert result.exit_code == 2
    assert f"inventory.toml:{lines + 3}" in result.stderr or f"inventory.toml:{lines + 2}" in (
        result.stderr
    )
    assert expected in result.stderr
    assert "json://x.example" not in result.stderr


def test_min_severity_and_notify_url_on_argv_is_warned_about(
    folder: Path, webhook: Webhook
) -> None:
    inventory = folder / "inventory.toml"
    inventory.write_text(inventory.read_text() + '\n[notify]\nmin_severity = "medium"\n')
    result = scan("--notify-url", webhook.url())
    assert result.exit_code == 0, result.output
    assert "--notify-url puts a credential on the command line" in result.stderr
    [post] = webhook.inbox.take()
    assert post["title"].endswith("23 new findings")
    assert "- and 0 more" not in post["message"]


def test_inventory_text_cannot_inject_markdown(folder: Path, webhook: Webhook) -> None:
    inventory = folder / "inventory.toml"
    inventory.write_text(
        inventory.read_text().replace(
            'name = "Acme Outdoor"', 'name = "Acme ![x](https://evil.example/a.png)"'
        )
    )
    assert scan("--notify-url", webhook.url()).exit_code == 0
    [post] = webhook.inbox.take()
    assert "![x](" not in post["message"]
    assert r"\!\[x\]\(https://evil.example/a.png\)" in post["message"]


def test_reminders_for_an_incident_open_too_long_and_an_expiring_suppression(
    folder: Path, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_NOTIFY", webhook.url())
    started = runner.invoke(app, ["breach", "start", "x-main", "--by", "dana"])
    assert started.exit_code == 0, started.output
    (folder / "posture.suppressions.toml").write_text(
        '[[suppression]]\ncheck = "ACC-002"\naccounts = ["x-support"]\nreason = "handover"\n'
        'owner = "it@acme.example"\nexpires = 2027-02-01\n'
    )
    late = ("--as-of", "2027-01-25")
    assert scan(as_of=late).exit_code == 0
    [post] = webhook.inbox.take()
    assert "Reminders:" in post["message"]
    assert "on x-main open" in post["message"] and "(policy: 7)" in post["message"]
    assert "suppression of ACC-002 for x-support expires 2027-02-01" in post["message"]
    assert scan(as_of=late).exit_code == 0
    assert webhook.inbox.take() == []  # reminded already
    assert scan(as_of=("--as-of", "2027-02-01")).exit_code == 0
    [post] = webhook.inbox.take()  # seven days on: reminded again
    assert "on x-main open" in post["message"]


def test_reminders_for_an_offboarding_open_too_long_and_stale_catalogue_facts(
    folder: Path, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_NOTIFY", webhook.url())
    started = runner.invoke(app, ["offboard", "start", "alex", "--by", "priya"])
    assert started.exit_code == 0, started.output
    late = ("--as-of", "2028-01-10")
    assert scan(as_of=late).exit_code == 0
    [post] = webhook.inbox.take()
    assert "offboarding #1 of Alex Moreau (alex) open" in post["message"]
    assert "(policy: 14)" in post["message"]
    assert "platform catalogue: X (Twitter) facts" in post["message"]
    assert scan(as_of=("--as-of", "2028-01-11")).exit_code == 0
    assert webhook.inbox.take() == []  # reminded yesterday: not again until remind_days pass
