"""The platform catalogue: every shipped file validated, every fact sourced and dated, the
corrected facts pinned, host aliases, stale-date warnings and `posture platforms`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core.errors import InputError
from scanner.core.model import Mfa
from scanner.inventory.platforms import (
    catalogue,
    load_catalogue,
    load_platform,
    platform_for_host,
    stale_warnings,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "scanner" / "data" / "platforms"
# Discovered, not listed: a new file is validated without touching this test.
SHIPPED_FILES = sorted(SHIPPED.glob("*.toml"))
NEW_PLATFORMS = (
    "google-workspace",
    "microsoft-365",
    "github",
    "shopify",
    "mailchimp",
    "canva",
    "slack",
    "hootsuite",
    "pinterest",
    "cloudflare",
)
SOCIAL = ("x", "facebook", "instagram", "linkedin", "youtube", "tiktok")


def test_the_shipped_folder_holds_every_required_platform():
    ids = {path.stem for path in SHIPPED_FILES}
    assert ids >= {*SOCIAL, *NEW_PLATFORMS, "other"}
    assert set(catalogue()) == ids


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_file_loads_through_the_schema_with_sourced_dated_facts(path: Path):
    platform = load_platform(path)
    facts = dict(platform.facts())
    assert {"urls", "second_factor", "delegation", "password"} <= set(facts)
    if platform.passkey:
        assert "sign_in" in facts
    for name, fact in facts.items():
        assert fact.source.startswith(("https://", "http://")), (name, fact.source)
        assert isinstance(fact.verified_on, dt.date)
    assert Mfa.PASSKEY not in platform.mfa_methods  # passkey is a sign-in fact, never a 2FA one
    for step in platform.runbook:
        assert step.url is None or step.url.startswith(("https://", "http://"))
    if platform.id != "other":
        assert platform.urls.login and platform.urls.hacked and platform.urls.change_password
        assert platform.hosts
        assert platform.delegation.roles and platform.delegation.request_role is not None
        assert any(role.full_control for role in platform.delegation.roles)
        assert platform.runbook


def _broken_copy(tmp_path: Path, old: str, new: str, name: str = "x.toml") -> Path:
    path = tmp_path / name
    text = (SHIPPED / name).read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if fragment in line)


def test_an_unknown_key_in_a_platform_file_names_file_line_and_key(tmp_path: Path):
    path = _broken_copy(tmp_path, "[sign_in]\n", "[sign_in]\npasskeys = true\n")
    with pytest.raises(InputError) as caught:
        load_platform(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{_line_of(path, 'passkeys = true')}: sign_in.passkeys:")
    assert 'did you mean "passkey"' in message
    assert "\n" not in message


def test_a_wrong_type_in_a_platform_file_names_file_line_and_key(tmp_path: Path):
    path = _broken_copy(tmp_path, "generate_length = 24", 'generate_length = "24"')
    with pytest.raises(InputError) as caught:
        load_platform(path)
    assert str(caught.value) == (
        f"{path}:{_line_of(path, 'generate_length')}: password.generate_length: "
        "must be a whole number, not a string"
    )


def test_an_unknown_second_factor_is_refused(tmp_path: Path):
    path = _broken_copy(tmp_path, 'methods = ["fido2", "totp", "sms"]', 'methods = ["passkey"]')
    with pytest.raises(InputError, match=r"second_factor\.methods: \"passkey\" is not one of"):
        load_platform(path)


def test_a_fact_without_its_date_is_refused(tmp_path: Path):
    text = (SHIPPED / "x.toml").read_text(encoding="utf-8")
    path = tmp_path / "x.toml"
    path.write_text(text.replace("verified_on = 2026-12-01\n", "", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"urls\.verified_on: required field is missing"):
        load_platform(path)


def test_a_broken_catalogue_stops_the_cli_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "platforms"
    shutil.copytree(SHIPPED, folder)
    _broken_copy(folder, "[delegation]\n", "[delegation]\nmodle = 1\n")
    from scanner.inventory import platforms

    monkeypatch.setattr(platforms, "catalogue", lambda: load_catalogue(folder))
    result = CliRunner().invoke(app, ["platforms"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"posture: error: {folder / 'x.toml'}:")
    assert "delegation.modle: unknown key" in lines[0]


def test_a_host_listed_by_two_platforms_is_refused(tmp_path: Path):
    folder = tmp_path / "platforms"
    shutil.copytree(SHIPPED, folder)
    _broken_copy(folder, 'hosts = ["x.com"', 'hosts = ["github.com", "x.com"')
    with pytest.raises(InputError, match=r'host "github\.com" is already listed'):
        load_catalogue(folder)


# --- the corrected facts --------------------------------------------------------------------


def test_linkedin_and_tiktok_never_offer_a_security_key_as_second_factor():
    for platform_id in ("linkedin", "tiktok"):
        platform = catalogue()[platform_id]
        assert Mfa.FIDO2 not in platform.mfa_methods
        assert platform.passkey  # passkeys are their sign-in method
    assert catalogue()["linkedin"].mfa_methods == (Mfa.TOTP, Mfa.SMS)
    assert set(catalogue()["tiktok"].mfa_methods) == {Mfa.TOTP, Mfa.SMS, Mfa.EMAIL}


def test_x_offers_sms_only_to_premium_subscribers_and_delegates_through_x_delegate():
    x = catalogue()["x"]
    assert Mfa.SMS in x.mfa_methods
    assert "Premium" in x.second_factor.conditions[Mfa.SMS]
    assert "2023-03-20" in x.second_factor.conditions[Mfa.SMS]
    assert x.delegation.model == "X Delegate"
    assert [r.id for r in x.delegation.roles] == ["owner", "admin", "contributor"]
    assert "how-to-use-the-delegate-feature" in x.delegation.source
    assert "x-pro" not in json.dumps(x.as_dict(dt.date(2026, 12, 1)))


def test_tiktok_business_center_members_are_admin_or_standard():
    roles = {r.id for r in catalogue()["tiktok"].delegation.roles}
    assert {"admin", "standard"} <= roles
    assert not roles & {"operator", "analyst"}  # ad-account permissions, not member roles
    assert "add-users-tiktok-business-center" in catalogue()["tiktok"].delegation.source


def test_meta_platforms_list_only_the_methods_their_help_pages_name():
    facebook, instagram = catalogue()["facebook"], catalogue()["instagram"]
    assert facebook.mfa_methods == (Mfa.FIDO2, Mfa.TOTP, Mfa.SMS)
    assert facebook.passkey  # mobile passkeys, June 2025
    assert instagram.mfa_methods == (Mfa.TOTP, Mfa.SMS)
    assert not instagram.passkey


# --- host aliases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("x.com", "x"),
        ("twitter.com", "x"),
        ("mobile.twitter.com", "x"),
        ("studio.youtube.com", "youtube"),
        ("accounts.google.com", "google-workspace"),
        ("business.facebook.com", "facebook"),
        ("accounts.shopify.com", "shopify"),
        ("shop.myshopify.com", "shopify"),
        ("ACME-OUTDOOR.MyShopify.com.", "shopify"),
        ("dash.cloudflare.com:443", "cloudflare"),
        ("www.linkedin.com", "linkedin"),
    ],
)
def test_platform_for_host_matches_the_host_or_a_parent_domain(host: str, expected: str):
    found = platform_for_host(host)
    assert found is not None and found.id == expected
    assert host.strip(".").split(":")[0].lower().endswith(tuple(found.hosts))


@pytest.mark.parametrize(
    "host", ["example.com", "com", "notx.com", "", "myshopify.com.evil.example"]
)
def test_platform_for_host_is_none_for_hosts_no_platform_lists(host: str):
    assert platform_for_host(host) is None


# --- stale facts ----------------------------------------------------------------------------


def test_facts_verified_within_a_year_are_not_stale():
    assert stale_warnings(catalogue(), dt.date(2027, 12, 1)) == ()


def test_a_fact_older_than_a_year_gives_one_warning_per_platform():
    warnings = stale_warnings(["x", "x", "unknown-service", "other"], dt.date(2027, 12, 2))
    assert len(warnings) == 2  # x once; an unknown id falls back to `other`, counted once
    assert "X (Twitter) facts (urls, second_factor, sign_in, delegation, password)" in warnings[1]
    assert "2026-12-01" in warnings[1]


# --- posture platforms ----------------------------------------------------------------------


def test_posture_platforms_lists_methods_conditions_sign_in_delegation_and_dates():
    result = CliRunner().invoke(app, ["platforms", "--as-of", "2026-12-02"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    rows = {
        line.split()[0]: line
        for line in out.splitlines()
        if line and line.split()[0] in catalogue()
    }
    assert set(rows) == set(catalogue())
    assert "passkey" in rows["linkedin"] and "fido2" not in rows["linkedin"]
    assert "X Delegate" in rows["x"] and "2026-12-01" in rows["x"]
    assert "x sms: X Premium" in out
    assert result.stderr == ""


def test_posture_platforms_json_and_the_stale_warning():
    result = CliRunner().invoke(app, ["platforms", "--format", "json", "--as-of", "2028-01-01"])
    assert result.exit_code == 0, result.output
    data = {p["id"]: p for p in json.loads(result.stdout)["platforms"]}
    assert data["x"]["second_factor"][2] == {
        "method": "sms",
        "condition": catalogue()["x"].second_factor.conditions[Mfa.SMS],
    }
    assert data["tiktok"]["sign_in"]["passkey"] is True
    assert data["shopify"]["facts"]["second_factor"]["stale"] is True
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == len(catalogue())
    assert all(line.startswith("posture: warning: platform catalogue: ") for line in warnings)


def test_posture_platforms_refuses_an_unknown_format():
    result = CliRunner().invoke(app, ["platforms", "--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr.startswith("posture: error: --format:")
