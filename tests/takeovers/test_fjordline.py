"""The issue-20 fields on a second company's inventory (Fjordline Bikes, written independently of
the example), through the CLI: each new check fires where the added field says it should, stays
quiet where it does not, and the checklist's vectors, runbook fixes and incident record hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import SHARED_DATA

runner = CliRunner()
AS_OF = "2026-12-01"

# What a Fjordline administrator would add: Per (sales) leaves on 2026-12-11; the Instagram
# account is administered through Ola's personal Facebook profile, has admin roles recorded and a
# write-scope scheduling app also on the Facebook page (which runs ads); Shopify's phone is
# carrier-locked.
EDITS = (
    (
        'role = "sales"\n',
        'role = "sales"\nstatus = "leaving"\nleaving_on = 2026-12-11\n',
    ),
    (
        'admins = ["ola", "ingrid"]\n',
        'admins = [{ id = "ola", role = "full-control" }, "ingrid", '
        '{ id = "sanna", role = "full-control" }]\naccess_via = ["facebook-ola"]\n'
        'connected_apps = [{ name = "Later", scope = "write", reviewed = 2026-03-01 }]\n',
    ),
    (
        'last_activity = 2026-11-20\ntrademark_registered = true\ntags = ["brand"]\n',
        'last_activity = 2026-11-20\ntrademark_registered = true\ntags = ["brand", "ads"]\n'
        'connected_apps = [{ name = "Later", scope = "write", reviewed = 2026-11-15 }]\n',
    ),
    (
        'password_known_by = ["ola", "per"]\n',
        'password_known_by = ["ola", "per"]\nrecovery_phone_carrier_lock = true\n',
    ),
)
PERSONAL_PROFILE = """
[[accounts]]
id = "facebook-ola"
platform = "facebook"
handle = "Ola Berg (personal profile)"
owner = "ola"
registered_to = "employee"
login_email = "ola.berg@gmail.example"
recovery_phone_holder = "employee"
mfa = "sms"
admins = ["ola"]
password_known_by = ["ola"]
last_activity = 2026-11-29
"""


@pytest.fixture
def fjordline(tmp_path: Path) -> Path:
    source = SHARED_DATA / "fjordline" / "inventory.toml"
    text = source.read_text("utf-8")
    for old, new in EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "inventory.toml"
    path.write_text(text + PERSONAL_PROFILE, encoding="utf-8")
    return path


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _scan(inventory: Path) -> dict[tuple[str, str], dict[str, Any]]:
    out = _run("scan", str(inventory), "--no-vault", "--no-history", "--as-of", AS_OF, "-f", "json")
    return {(f["check_id"], f["account"]): f for f in json.loads(out)["findings"]}


def _fails(findings: dict[tuple[str, str], dict[str, Any]], check: str) -> dict[str, str]:
    return {
        a: f["message"] for (c, a), f in findings.items() if c == check and f["status"] == "FAIL"
    }


def test_the_new_checks_on_fjordline(fjordline: Path) -> None:
    findings = _scan(fjordline)
    chain = _fails(findings, "OWN-005")
    assert set(chain) == {"instagram-brand"}  # the only critical account with a weak hop above
    assert (
        "instagram-brand <- facebook-ola: second factor sms is below fido2"
        in (chain["instagram-brand"])
    )
    assert "login email ola.berg@gmail.example is outside" in chain["instagram-brand"]
    # the link posture already knew: Instagram logs in with the shared hello@ mailbox (critical)
    assert (
        "instagram-brand <- hello-mailbox: second factor totp is below fido2"
        in (chain["instagram-brand"])
    )
    # Shopify's locked phone passes; the critical accounts whose phone is not locked fail.
    assert set(_fails(findings, "OWN-006")) == {
        "instagram-brand",
        "workspace-admin",
        "hello-mailbox",
    }
    assert findings[("OWN-006", "shopify")]["status"] == "PASS"
    full = _fails(findings, "ACC-006")
    assert set(full) == {"instagram-brand"}
    assert "3 full-control holders (1 without a known role" in full["instagram-brand"]
    assert _fails(findings, "ACC-007") == {
        "instagram-brand": "write-scope app(s) not reviewed within 90 days: Later (reviewed "
        "2026-03-01)"
    }
    # Per leaves on 2026-12-11, within the 14-day notice: named on what he owns and holds.
    leaving = "Per Lund is leaving on 2026-12-11: hand over before 2026-12-11"
    assert leaving in _fails(findings, "OWN-004")["tiktok"]
    assert {a for a, m in _fails(findings, "ACC-002").items() if leaving in m} == {
        "tiktok",
        "shopify",
        "mailchimp",
    }
    # Standard and low accounts get no finding at all from the critical-only checks.
    assert not [
        k for k in findings if k[0] in {"OWN-005", "OWN-006", "ACC-006"} and k[1] == "tiktok"
    ]


def test_fjordline_checklists_follow_the_vector(fjordline: Path) -> None:
    base = ("breach", "checklist", "-i", str(fjordline), "--no-vault")
    unknown = _run(*base[:2], "instagram-brand", *base[2:])
    contain = unknown.split("CONTAIN:")[1].split("ERADICATE:")[0]
    assert contain.index("id: chain:facebook-ola") < contain.index("id: rotate-password")
    assert "id: carrier-lock (required)" in contain
    assert "id: revoke-app:Later (required)" in contain
    assert "from instagram-brand and from facebook-page, which list it too" in " ".join(
        unknown.split()
    )
    # report-fraud: required on a critical account, optional on a standard one; pause-ads only
    # where the account is tagged ads.
    assert "id: report-fraud (required)" in unknown
    assert "pause-ads" not in unknown
    page = _run(*base[:2], "facebook-page", *base[2:])
    assert "id: report-fraud (optional)" in page and "id: pause-ads (required)" in page

    theft = _run(*base[:2], "instagram-brand", *base[2:], "--vector", "session-theft")
    first = theft.split("CONTAIN:")[1].split("id:")[1]
    assert first.startswith(" end-sessions:ola (required)")
    assert "facebook-ola): sign out everywhere" in " ".join(theft.split())
    youtube = _run(*base[:2], "youtube", *base[2:], "--vector", "session-theft")
    assert "id: reset-stream-keys (required)" in youtube

    platform = _run(*base[:2], "x-brand", *base[2:], "--vector", "platform")
    for step in ("platform-coordinate", "other-channel", "block-scam-payments"):
        assert f"id: {step} (required)" in platform, step
    password = _run(*base[:2], "x-brand", *base[2:], "--vector", "password")
    assert "platform-coordinate" not in password and "end-sessions:" not in password


def test_the_vector_is_recorded_with_the_incident(fjordline: Path) -> None:
    where = ("-i", str(fjordline))
    started = _run("breach", "start", "youtube", *where, "--no-vault", "--vector", "sim-swap")
    assert "Attack vector: sim-swap." in started
    # read back from the database, not from the command line
    assert "Attack vector: sim-swap." in _run("breach", "show", "youtube", *where)
    export = fjordline.parent / "incident.md"
    _run("breach", "export", "youtube", *where, "--output", str(export))
    assert "- Attack vector: sim-swap" in export.read_text("utf-8")


def test_an_unknown_vector_is_one_line_and_opens_nothing(fjordline: Path) -> None:
    result = runner.invoke(
        app, ["breach", "start", "youtube", "-i", str(fjordline), "--vector", "phishing"]
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'posture: error: --vector: "phishing" is not one of password, session-theft, sim-swap, '
        "insider, third-party-app, platform, unknown"
    ]
    assert not (fjordline.parent / "posture.db").exists()


def test_fjordline_clean_variant_fires_none_of_the_new_checks(fjordline: Path) -> None:
    text = fjordline.read_text("utf-8")
    text = text.replace('access_via = ["facebook-ola"]\n', "")
    text = text.replace('"ingrid", { id = "sanna"', '{ id = "sanna"')
    text = text.replace("reviewed = 2026-03-01", "reviewed = 2026-11-01")
    text = text.replace('role = "full-control" }]', 'role = "partial-access" }]')
    text = text.replace("leaving_on = 2026-12-11", "leaving_on = 2027-03-01")
    text = text.replace("recovery_phone_carrier_lock = true\n", "")
    text = text.replace(
        'recovery_phone_holder = "company"\n',
        'recovery_phone_holder = "company"\nrecovery_phone_carrier_lock = true\n',
    )
    text = text.replace(
        'recovery_phone_holder = "employee"\nmfa = "sms"\nadmins = [{',
        'recovery_phone_holder = "none"\nmfa = "totp"\nadmins = [{',
    )
    # the shared hello@ mailbox, a hop above Instagram by its login address: to the critical minimum
    text = text.replace(
        'mfa = "totp"\nadmins = ["sanna", "ola"]\npassword_known_by = ["sanna", "ola"]',
        'mfa = "fido2"\nadmins = ["sanna", "ola"]\npassword_known_by = ["sanna", "ola"]',
    )
    fjordline.write_text(text, encoding="utf-8")
    findings = _scan(fjordline)
    for check in ("OWN-005", "OWN-006", "ACC-006", "ACC-007"):
        assert _fails(findings, check) == {}, check
    assert not [m for m in _fails(findings, "ACC-002").values() if "leaving" in m]
    assert "Per Lund" not in " ".join(_fails(findings, "OWN-004").values())
