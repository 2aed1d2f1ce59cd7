"""MFA-001, MFA-002, MFA-004 and ACC-001 against the catalogue: passkeys, what each platform
really offers, and the role to give instead of a shared password."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app
from tests.checks.helpers import assert_fail, assert_pass, verdict
from tests.conftest import clean_inventory, write_toml


def test_mfa001_names_only_what_linkedin_offers(tmp_path: Path):
    result = verdict(tmp_path, "MFA-001", platform="linkedin", mfa="none")
    assert_fail(result, "LinkedIn offers totp, sms as second factors and passkey sign-in")
    assert "fido2" not in result.message
    assert result.evidence["platform_offers"] == ["totp", "sms"]


def test_mfa001_names_the_x_sms_condition(tmp_path: Path):
    result = verdict(tmp_path, "MFA-001", platform="x", mfa="none")
    assert_fail(result, "sms (X Premium (formerly Twitter Blue) subscribers only")


def test_mfa001_passes_an_account_signing_in_with_a_passkey(tmp_path: Path):
    assert_pass(verdict(tmp_path, "MFA-001", platform="github", mfa="passkey"))


def test_mfa002_treats_a_passkey_as_phishing_resistant_on_a_critical_account(tmp_path: Path):
    result = verdict(tmp_path, "MFA-002", platform="shopify", tier="critical", mfa="passkey")
    assert_pass(result)
    assert "phishing-resistant" in result.message


def test_mfa002_on_tiktok_never_suggests_a_security_key(tmp_path: Path):
    result = verdict(tmp_path, "MFA-002", platform="tiktok", mfa="sms")
    assert_fail(result, "TikTok offers totp as a second factor and passkey sign-in")
    assert "fido2" not in result.message


def test_mfa002_on_other_does_not_send_an_authenticator_user_to_an_authenticator(tmp_path: Path):
    result = verdict(tmp_path, "MFA-002", platform="other", tier="critical", mfa="totp")
    assert_fail(result, "use a security key or passkey if the service offers one")
    assert "authenticator app" not in result.message


def test_mfa002_on_other_offers_an_authenticator_to_an_sms_user(tmp_path: Path):
    result = verdict(tmp_path, "MFA-002", platform="other", mfa="sms")
    assert_fail(result, "a passkey or an authenticator app if the service offers one")


def test_mfa002_passes_the_strongest_method_a_platform_without_passkeys_offers(tmp_path: Path):
    assert_pass(verdict(tmp_path, "MFA-002", platform="instagram", tier="critical", mfa="totp"))


def test_mfa004_flags_a_critical_account_that_could_use_a_passkey(tmp_path: Path):
    result = verdict(tmp_path, "MFA-004", platform="linkedin", tier="critical", mfa="totp")
    assert_fail(result, "LinkedIn offers passkey sign-in")
    assert "security key" not in result.message
    assert result.evidence["phishing_resistant_options"] == ["passkey"]


def test_mfa004_names_security_keys_and_passkeys_where_both_exist(tmp_path: Path):
    result = verdict(tmp_path, "MFA-004", platform="google-workspace", tier="critical", mfa="push")
    assert_fail(result, "a security key as a second factor and passkey sign-in")


def test_mfa004_passes_phishing_resistant_methods_and_platforms_without_them(tmp_path: Path):
    for mfa in ("fido2", "passkey"):
        assert_pass(verdict(tmp_path, "MFA-004", platform="x", tier="critical", mfa=mfa))
    assert_pass(verdict(tmp_path, "MFA-004", platform="canva", tier="critical", mfa="totp"))
    assert_pass(verdict(tmp_path, "MFA-004", platform="instagram", tier="critical", mfa="sms"))


def test_mfa004_looks_only_at_critical_accounts(tmp_path: Path):
    data = clean_inventory()
    data["accounts"][0].update(platform="linkedin", tier="standard", mfa="sms")
    write_toml(tmp_path / "inventory.toml", data)
    args = ["--inventory", str(tmp_path / "inventory.toml"), "--no-vault", "--as-of", "2026-11-23"]
    done = CliRunner().invoke(app, ["scan", *args, "--no-history", "-f", "json"])
    found = {f["check_id"] for f in json.loads(done.stdout)["findings"]}
    assert "MFA-001" in found and "MFA-004" not in found  # not applicable: no finding at all


def test_acc001_names_the_role_to_give_instead_of_the_password(tmp_path: Path):
    result = verdict(tmp_path, "ACC-001", platform="tiktok", password_known_by=["ana", "agency:ag"])
    assert_fail(result, "give each their own TikTok Business Center member roles role instead")
    assert '("Standard")' in result.message
    generic = verdict(tmp_path, "ACC-001", platform="other", password_known_by=["ana", "ben"])
    assert_fail(generic)
    assert "instead" not in generic.message  # the catalogue knows no role for an unknown service


def _scan(tmp_path: Path, **account: object):
    data = clean_inventory()
    data["accounts"][0].update(account)
    path = write_toml(tmp_path / "inventory.toml", data)
    return CliRunner().invoke(app, ["scan", str(path), "--no-vault", "--no-history"]), path


def test_passkey_is_accepted_where_the_platform_offers_passkey_sign_in(tmp_path: Path):
    for platform in ("linkedin", "tiktok", "facebook", "shopify", "github", "other"):
        result, _ = _scan(tmp_path, platform=platform, mfa="passkey")
        assert result.exit_code in (0, 1), result.output
        assert "error" not in result.stderr


def test_passkey_is_rejected_with_one_line_where_the_platform_has_no_passkey_sign_in(
    tmp_path: Path,
):
    result, path = _scan(tmp_path, platform="instagram", mfa="passkey")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("mfa =")
    )
    assert lines[0] == (
        f'posture: error: {path}:{line}: accounts[0] (acct).mfa: "passkey": Instagram offers no passkey '
        "sign-in (second factors: totp, sms)"
    )
    assert result.stdout == ""
