"""Documented account takeovers, each modelled as the inventory the day before.

Every test builds the victim's inventory, runs `posture scan` and `posture breach checklist`
through the CLI, asserts the check and the steps that answer the root cause fire, then fixes the
root cause in a clean variant and asserts they do not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scanner.cli import app

runner = CliRunner()
TODAY = "2026-12-01"

HEAD = """
[organization]
name = "Victim Co"
domains = ["victim.example"]

[[people]]
id = "ana"
name = "Ana Admin"

[[people]]
id = "ben"
name = "Ben Backup"
"""


def account(acc_id: str, **fields: Any) -> str:
    """One [[accounts]] table: a clean critical X account unless `fields` say otherwise."""
    values: dict[str, Any] = {
        "id": acc_id,
        "platform": "x",
        "tier": "critical",
        "owner": "ana",
        "registered_to": "company",
        "login_email": f"{acc_id}@victim.example",
        "recovery_phone_holder": "none",
        "mfa": "fido2",
        "admins": ["ana", "ben"],
        "password_known_by": ["ana"],
        "last_activity": "2026-11-30",
    }
    values.update(fields)
    lines = ["", "[[accounts]]"]
    for key, value in values.items():
        if value is None:
            continue
        lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[:4].isdigit():
        return value  # a TOML date
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(_toml(v) for v in value) + "]"


def write(tmp_path: Path, *parts: str, people: str = "") -> Path:
    path = tmp_path / "inventory.toml"
    path.write_text(HEAD + people + "".join(parts), encoding="utf-8")
    return path


def scan(inventory: Path, as_of: str = TODAY) -> dict[tuple[str, str], dict[str, Any]]:
    """(check, account) -> finding, for every finding of the scan."""
    result = runner.invoke(
        app, ["scan", str(inventory), "--no-vault", "--as-of", as_of, "-f", "json", "--no-history"]
    )
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    return {(f["check_id"], f["account"]): f for f in data["findings"]}


def failed(findings: dict[tuple[str, str], dict[str, Any]], check: str, acc: str) -> str | None:
    finding = findings.get((check, acc))
    return finding["message"] if finding and finding["status"] == "FAIL" else None


def checklist(inventory: Path, acc: str, *extra: str) -> str:
    result = runner.invoke(
        app, ["breach", "checklist", acc, "-i", str(inventory), "--no-vault", *extra]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


# --- SEC on X, January 2024 ----------------------------------------------------------------
# Root cause: MFA on @SECGov had been turned off in July 2023; an attacker SIM-swapped the
# agency phone number tied to the account at the carrier and reset the password by SMS.
# Source: https://blockworks.co/news/sec-confirms-sim-swap-attack


def test_sec_sim_swap(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        account("x-regulator", mfa="none", recovery_phone_holder="company"),
    )
    findings = scan(bad)
    message = failed(findings, "OWN-006", "x-regulator")
    assert message and "no carrier lock" in message and "recovery phone" in message
    steps = checklist(bad, "x-regulator", "--vector", "sim-swap")
    assert "id: carrier-lock (required)" in steps
    assert "port-out" in steps
    # The phone is involved, so carrier-lock joins contain for an unknown vector too.
    assert "id: carrier-lock" in checklist(bad, "x-regulator")

    clean = write(
        tmp_path,
        account(
            "x-regulator",
            mfa="fido2",
            recovery_phone_holder="company",
            recovery_phone_carrier_lock=True,
        ),
    )
    assert failed(scan(clean), "OWN-006", "x-regulator") is None
    # No phone at all: OWN-006 passes and carrier-lock stays out unless the vector is sim-swap.
    nophone = write(tmp_path, account("x-regulator"))
    assert failed(scan(nophone), "OWN-006", "x-regulator") is None
    assert "carrier-lock" not in checklist(nophone, "x-regulator", "--vector", "password")


# --- Linus Tech Tips on YouTube, March 2023 -------------------------------------------------
# Root cause: a staffer opened a malware "sponsorship" file; the browser's session tokens were
# stolen and the attacker streamed scams; password and stream-key resets did not end the
# sessions. Source: https://www.performanta.com/post/lessons-from-the-linus-tech-tips-hack


def test_ltt_session_theft(tmp_path: Path) -> None:
    people = '\n[[people]]\nid = "cam"\nname = "Cam Creator"\n'
    inv = write(
        tmp_path,
        account("yt-main", platform="youtube", mfa="totp", admins=["ana", "cam"]),
        account("yt-clips", platform="youtube", tier="standard", mfa="totp", admins=["cam"]),
        account("x-brand", admins=["cam", "ana"]),
        people=people,
    )
    steps = checklist(inv, "yt-main", "--vector", "session-theft")
    first = steps.split("CONTAIN:")[1].split("\n\n")[1]
    assert "id: end-sessions:" in first or "End every session of" in first
    assert "End every session of Cam Creator on every account they hold or administer" in steps
    assert "(yt-main, yt-clips, x-brand)" in steps.replace("\n         ", " ")
    for step_id in ("rotate-browser-passwords", "remove-extensions", "reset-stream-keys"):
        assert f"id: {step_id} (required)" in steps, step_id
    assert "Attack vector: session-theft." in steps
    # A password-only vector has no session steps; an account on a platform without stream
    # keys gets no stream-key step.
    password = checklist(inv, "yt-main", "--vector", "password")
    assert "end-sessions:" not in password and "remove-extensions" not in password
    assert "reset-stream-keys" not in checklist(inv, "x-brand", "--vector", "session-theft")


# --- Meta Business Manager infostealers (Ducktail), 2022-23 -------------------------------
# Root cause: infostealer malware took Business admins' session cookies; with full control
# the attacker added itself as admin and ran ads on the company's card.
# Source: https://www.news18.com/amp/news/tech/new-malware-poses-security-concerns-for-facebook-accounts-all-details-6192835.html


def test_ducktail_full_control(tmp_path: Path) -> None:
    people = '\n[[people]]\nid = "cy"\nname = "Cy Contractor"\n'
    admins = [
        {"id": "ana", "role": "full-control"},
        {"id": "ben", "role": "full-control"},
        "cy",  # no role recorded: counted as full control
    ]
    bad = write(
        tmp_path,
        account("fb-page", platform="facebook", mfa="totp", admins=admins, tags=["ads"]),
        people=people,
    )
    message = failed(scan(bad), "ACC-006", "fb-page")
    assert message and "3 full-control holders" in message and "counted as full control" in message
    steps = checklist(bad, "fb-page", "--vector", "session-theft")
    assert "id: pause-ads (required)" in steps
    assert "id: end-sessions:cy (required)" in steps

    admins[2] = {"id": "cy", "role": "partial-access"}
    clean = write(
        tmp_path,
        account("fb-page", platform="facebook", mfa="totp", admins=admins),
        people=people,
    )
    assert failed(scan(clean), "ACC-006", "fb-page") is None
    # pause-ads only where the account runs ads.
    assert "pause-ads" not in checklist(clean, "fb-page")


# --- Twitter Counter, March 2017 ------------------------------------------------------------
# Root cause: the Twitter Counter analytics app, authorised with write access by hundreds of
# accounts, was compromised and posted from all of them.
# Source: https://www.newstatesman.com/science-tech/2017/03/why-did-nazi-themed-twitter-hack-target-unicef-amnesty-international-and


def test_twitter_counter_app(tmp_path: Path) -> None:
    app_old = {"name": "Twitter Counter", "scope": "write", "reviewed": "2026-01-10"}
    bad = write(
        tmp_path,
        account("x-brand", connected_apps=[app_old]),
        account("x-support", tier="standard", connected_apps=[app_old]),
        account("x-jobs", tier="low"),
    )
    findings = scan(bad)
    message = failed(findings, "ACC-007", "x-brand")
    assert message and "Twitter Counter (reviewed 2026-01-10)" in message
    assert failed(findings, "ACC-007", "x-support")
    steps = checklist(bad, "x-brand", "--vector", "third-party-app")
    flat = steps.replace("\n         ", " ")
    assert "id: revoke-app:Twitter Counter (required)" in steps
    assert "from x-brand and from x-support, which list it too" in flat
    assert "x-jobs" not in flat.split("revoke-app:")[0].rsplit("Revoke", 1)[-1]
    assert "id: app-vendor (required)" in steps

    fresh = {**app_old, "reviewed": "2026-11-01"}
    read = {**app_old, "scope": "read"}
    clean = write(
        tmp_path,
        account("x-brand", connected_apps=[fresh]),
        account("x-support", tier="standard", connected_apps=[read]),
    )
    findings = scan(clean)
    assert failed(findings, "ACC-007", "x-brand") is None
    assert failed(findings, "ACC-007", "x-support") is None


# --- Mat Honan, August 2012 -----------------------------------------------------------------
# Root cause: help-desk resets walked his Apple ID (iCloud) to the Gmail it recovered, to his
# personal X account that logged in with that Gmail, to the brand account still linked to it.
# Source: https://boingboing.net/2012/08/06/mat-honan-on-being-hacked.html


def test_honan_access_chain(tmp_path: Path) -> None:
    def chain(icloud_mfa: str, hop_mfa: str = "totp") -> Path:
        return write(
            tmp_path,
            account("x-brand", access_via=["x-person"]),
            account(
                "x-person",
                tier="standard",
                mfa=hop_mfa,
                login_email="mat@victim.example",
                access_via=["gmail-person"],
            ),
            account(
                "gmail-person",
                platform="other",
                tier="standard",
                mfa=hop_mfa,
                handle="mat.mail@victim.example",
                recovery_email="mat@icloud.victim.example",
            ),
            account(
                "icloud-person",
                platform="other",
                tier="standard",
                mfa=icloud_mfa,
                handle="mat@icloud.victim.example",
                access_via=["x-brand"],  # a cycle: the walk must stop
            ),
        )

    bad = chain("none")
    message = failed(scan(bad), "OWN-005", "x-brand")
    assert message and (
        "x-brand <- x-person <- gmail-person <- icloud-person: no second factor" in message
    )
    steps = checklist(bad, "x-brand")
    contain = steps.split("CONTAIN:")[1].split("ERADICATE:")[0]
    order = [contain.index(f"chain:{x}") for x in ("icloud-person", "gmail-person", "x-person")]
    assert order == sorted(order), "the root of the chain comes first"

    # The hops above a critical account must meet the critical tier's minimum (MFA-002).
    assert "x-brand <- x-person: second factor totp is below fido2" in message
    clean = chain("fido2", hop_mfa="fido2")
    assert failed(scan(clean), "OWN-005", "x-brand") is None


# --- HMV on X, January 2013 -----------------------------------------------------------------
# Root cause: the social media planner being made redundant still held the brand account and
# live-tweeted the layoffs from it; nobody handed it over before the last day.
# Source: https://www.managementtoday.co.uk/were-tweeting-live-hr-were-fired/article/1169224


def test_hmv_leaver_to_be(tmp_path: Path) -> None:
    def inventory(status: str) -> Path:
        people = f'\n[[people]]\nid = "pat"\nname = "Pat Planner"\nstatus = "{status}"\n'
        if status == "leaving":
            people += "leaving_on = 2026-12-10\n"
        return write(
            tmp_path,
            account("x-brand", owner="pat", admins=["pat", "ana"], password_known_by=["pat"]),
            people=people,
        )

    bad = inventory("leaving")
    findings = scan(bad)
    for check in ("ACC-002", "OWN-004"):
        message = failed(findings, check, "x-brand")
        assert message and "Pat Planner is leaving on 2026-12-10" in message, check
        assert "hand over before 2026-12-10" in message
    # More than leaving_notice_days (14) ahead: not yet named.
    early = scan(bad, as_of="2026-11-20")
    assert failed(early, "ACC-002", "x-brand") is None
    # From leaving_on on, the person has lost access like any leaver.
    after = scan(bad, as_of="2026-12-11")
    assert "still listed with access: Pat Planner" in (failed(after, "ACC-002", "x-brand") or "")
    assert "departed on 2026-12-10" in (failed(after, "OWN-004", "x-brand") or "")
    steps = checklist(bad, "x-brand", "--vector", "insider")
    assert "id: insider-access (required)" in steps

    clean = inventory("active")
    findings = scan(clean)
    assert failed(findings, "ACC-002", "x-brand") is None
    assert failed(findings, "OWN-004", "x-brand") is None


def test_offboarding_starts_ahead_of_the_last_day(tmp_path: Path) -> None:
    people = '\n[[people]]\nid = "pat"\nname = "Pat Planner"\nstatus = "leaving"\n'
    people += "leaving_on = 2026-12-10\n"
    inv = write(tmp_path, account("x-brand", admins=["pat", "ana"]), people=people)
    result = runner.invoke(app, ["offboard", "checklist", "pat", "-i", str(inv)])
    assert result.exit_code == 0, result.output
    assert "(case date 2026-12-10)" in result.stdout
    assert "x-brand" in result.stdout
