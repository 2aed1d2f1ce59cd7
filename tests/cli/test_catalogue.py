"""The catalogue through the `posture` CLI on real files: each new platform's breach checklist
and rotation name its own pages; the Google Workspace mailbox comes first; stale facts warn once
per platform; the Fjordline inventory with its SaaS accounts moved off `other`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.inventory.platforms import catalogue
from scanner.services.scan import load
from tests.conftest import EXAMPLE, PASSPHRASE, SHARED_DATA, clean_inventory, write_toml
from tests.inventory.test_platforms import NEW_PLATFORMS

FJORDLINE = SHARED_DATA / "fjordline" / "inventory.toml"


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def _one_account_per_platform(tmp_path: Path) -> Path:
    data = clean_inventory()
    template = data["accounts"][0]
    data["accounts"] = [
        {**template, "id": f"acct-{platform}", "platform": platform, "handle": f"@{platform}"}
        for platform in NEW_PLATFORMS
    ]
    return write_toml(tmp_path / "inventory.toml", data)


@pytest.mark.parametrize("platform_id", NEW_PLATFORMS)
def test_the_breach_checklist_of_each_new_platform_carries_its_official_urls(
    tmp_path: Path, platform_id: str
):
    path = _one_account_per_platform(tmp_path)
    result = invoke("breach", "checklist", f"acct-{platform_id}", "--inventory", str(path))
    assert result.exit_code == 0, result.output
    out = result.stdout
    platform = catalogue()[platform_id]
    assert f"on {platform.display_name}" in out.splitlines()[0]
    assert "type its address" not in out  # not the `other` fallback
    for step in platform.runbook:
        assert f"id: {step.id} " in out
        assert step.url is not None and step.url in out


def test_vault_rotate_names_each_new_platforms_change_password_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    _one_account_per_platform(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert invoke("vault", "init").exit_code == 0
    for platform_id in NEW_PLATFORMS:
        result = invoke("vault", "rotate", f"acct-{platform_id}")
        assert result.exit_code == 0, result.output
        platform = catalogue()[platform_id]
        expected = f"2. change it on {platform.display_name} (login social@test.example): "
        assert f"{expected}{platform.urls.change_password}\n" in result.stdout


def test_the_example_google_workspace_mailbox_comes_first_with_its_own_checklist(
    tmp_path: Path,
):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    inventory = str(tmp_path / "inventory.toml")
    result = invoke(
        "breach", "checklist", "x-main", "--inventory", inventory, "--format", "markdown"
    )
    assert result.exit_code == 0, result.output
    first = next(line for line in result.stdout.splitlines() if line.startswith("1. [ ]"))
    assert "Secure social-mailbox" in first and "Google Workspace mailbox" in first
    mailbox = invoke("breach", "checklist", "social-mailbox", "--inventory", inventory)
    assert "https://support.google.com/a/answer/33319" in mailbox.stdout
    assert "Sign-in cookies" in mailbox.stdout


def test_the_example_has_a_workspace_mailbox_a_shopify_store_and_a_scheduling_tool(
    tmp_path: Path,
):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    result = invoke(
        "scan",
        str(tmp_path / "inventory.toml"),
        "--no-vault",
        "--no-history",
        "--format",
        "json",
        "--as-of",
        "2026-11-23",
    )
    data = json.loads(result.stdout)
    platforms = {a.id: a.platform for a in load(tmp_path / "inventory.toml").accounts}
    assert platforms["social-mailbox"] == "google-workspace"
    assert platforms["shopify-store"] == "shopify"
    assert platforms["hootsuite-team"] == "hootsuite"
    found = {(f["check_id"], f["account"]): f for f in data["findings"]}
    assert found[("MFA-004", "shopify-store")]["status"] == "PASS"  # passkey sign-in
    assert found[("MFA-004", "facebook-page")]["status"] == "FAIL"
    assert (
        "Hootsuite organization permissions role" in found[("ACC-001", "hootsuite-team")]["message"]
    )
    assert result.stderr == ""  # facts verified 2026-12-01 are fresh


def test_a_stale_catalogue_warns_once_per_platform_and_notes_it_in_the_report(tmp_path: Path):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    result = invoke(
        "scan",
        str(tmp_path / "inventory.toml"),
        "--no-vault",
        "--no-history",
        "--format",
        "json",
        "--as-of",
        "2027-12-03",
    )
    warnings = [line for line in result.stderr.splitlines() if "platform catalogue" in line]
    used = {a.platform for a in load(tmp_path / "inventory.toml").accounts}
    assert len(warnings) == len(used)  # one line per platform in use, no more
    assert all(line.startswith("posture: warning: platform catalogue: ") for line in warnings)
    assert any("Shopify facts" in line and "2026-12-01" in line for line in warnings)
    notes = json.loads(result.stdout)["notes"]
    assert [n for n in notes if n.startswith("platform catalogue")] == [
        line.removeprefix("posture: warning: ") for line in warnings
    ]


@pytest.mark.skipif(not FJORDLINE.exists(), reason="shared Fjordline data not present")
def test_fjordline_with_its_saas_accounts_on_their_platforms(tmp_path: Path):
    text = FJORDLINE.read_text(encoding="utf-8")
    for account, platform in (
        ("workspace-admin", "google-workspace"),
        ("shopify", "shopify"),
        ("mailchimp", "mailchimp"),
    ):
        old = f'id = "{account}"\nplatform = "other"'
        assert old in text
        text = text.replace(old, f'id = "{account}"\nplatform = "{platform}"')
    path = tmp_path / "inventory.toml"
    path.write_text(text, encoding="utf-8")
    result = invoke(
        "scan", str(path), "--no-vault", "--no-history", "--format", "json", "--as-of", "2026-12-01"
    )
    assert result.exit_code == 1, result.output
    found = {(f["check_id"], f["account"]): f for f in json.loads(result.stdout)["findings"]}
    # Shopify, critical, on an authenticator app; two people know the login.
    shop_mfa4 = found[("MFA-004", "shopify")]
    assert shop_mfa4["status"] == "FAIL"
    assert (
        "Shopify offers a security key as a second factor and passkey sign-in"
        in shop_mfa4["message"]
    )
    assert (
        '"Staff (user with assigned roles/permissions)"' in found[("ACC-001", "shopify")]["message"]
    )
    # Mailchimp without 2FA: only what Mailchimp offers, no passkey, no security key.
    mail_mfa1 = found[("MFA-001", "mailchimp")]["message"]
    assert "Mailchimp offers totp, sms (" in mail_mfa1
    assert "passkey" not in mail_mfa1 and "fido2" not in mail_mfa1
    assert '("Author")' in found[("ACC-001", "mailchimp")]["message"]
    # The Workspace super admin on a security key meets every MFA check.
    for check in ("MFA-001", "MFA-002", "MFA-004"):
        assert found[(check, "workspace-admin")]["status"] == "PASS"
    checklist = invoke("breach", "checklist", "mailchimp", "--inventory", str(path))
    assert "https://mailchimp.com/help/i-think-my-account-has-been-compromised/" in checklist.stdout
