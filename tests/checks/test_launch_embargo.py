"""GOV-004 and launch embargoes: until public_on, a launch's accounts must not be exposed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import checks
from scanner.cli import app
from scanner.core.model import Status
from scanner.engine.context import ScanContext
from scanner.engine.facts import OpenIncident
from scanner.inventory.platforms import catalogue
from scanner.inventory.policy import load_policy
from scanner.services.scan import load
from tests.conftest import TODAY, clean_inventory, write_toml

runner = CliRunner()
PUBLIC_ON = TODAY + dt.timedelta(days=10)


def _data(**account: Any) -> dict[str, Any]:
    data = clean_inventory()
    # Clean for GOV-004: one holder, a security key on X (critical minimum), no agency.
    data["accounts"][0].update({"mfa": "fido2", "tags": ["brand"], **account})
    data["launches"] = [
        {"id": "spring", "name": "Spring range", "public_on": PUBLIC_ON, "tags": ["brand"]}
    ]
    return data


def _gov004(
    tmp_path: Path, data: dict[str, Any], today: dt.date = TODAY, incident: bool = False
) -> tuple[Status, str]:
    inventory = load(write_toml(tmp_path / "inventory.toml", data))
    account = inventory.accounts[0]
    incidents = (
        {account.id: OpenIncident(7, account.id, "2026-11-20T09:00:00+00:00", 20, 3, ("x",))}
        if incident
        else {}
    )
    context = ScanContext(
        inventory=inventory,
        policy=load_policy(inventory.policy_table),
        platforms=catalogue(),
        today=today,
        incidents=incidents,
    )
    found = checks.get("GOV-004")
    assert found is not None
    verdict = found.function(account, context)
    return verdict.status, verdict.message


def test_a_clean_embargoed_account_passes_and_names_the_launch(tmp_path: Path) -> None:
    status, message = _gov004(tmp_path, _data())
    assert status is Status.PASS
    assert f"carries Spring range (public on {PUBLIC_ON})" in message


@pytest.mark.parametrize(
    ("account", "incident", "expected"),
    [
        ({"admins": ["ana", "agency:ag"]}, False, "reachable by agency Agency Ltd"),
        ({"password_known_by": ["ana", "ben"]}, False, "password known by 2 (policy: 1)"),
        ({"mfa": "totp"}, False, "second factor totp, weaker than fido2"),
        ({"mfa": "sms"}, False, "second factor sms, weaker than fido2"),
        ({}, True, "breach incident #7 is open"),
    ],
)
def test_each_exposure_fails_before_public_on(
    tmp_path: Path, account: dict[str, Any], incident: bool, expected: str
) -> None:
    status, message = _gov004(tmp_path, _data(**account), incident=incident)
    assert status is Status.FAIL
    assert message.startswith(f"carries Spring range (public on {PUBLIC_ON}): ")
    assert expected in message


def test_a_departed_admin_is_an_exposure(tmp_path: Path) -> None:
    data = _data()
    data["people"][1].update(status="departed", departed_on=TODAY - dt.timedelta(days=3))
    status, message = _gov004(tmp_path, data)
    assert status is Status.FAIL and "reachable by Ben Backup, who left" in message


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (PUBLIC_ON - dt.timedelta(days=1), Status.FAIL),
        (PUBLIC_ON, Status.SKIPPED),  # public from this day: no effect
        (PUBLIC_ON + dt.timedelta(days=1), Status.SKIPPED),
    ],
)
def test_the_embargo_ends_on_public_on(tmp_path: Path, today: dt.date, expected: Status) -> None:
    status, _ = _gov004(tmp_path, _data(mfa="sms"), today=today)
    assert status is expected


def test_an_account_without_a_launch_is_skipped_not_scored(tmp_path: Path) -> None:
    data = _data()
    del data["launches"]
    status, message = _gov004(tmp_path, data)
    assert status is Status.SKIPPED and "no launch" in message


def test_the_breach_checklist_asks_whether_the_launch_leaked(tmp_path: Path) -> None:
    today = dt.date.today()  # `breach checklist` tailors the checklist to the real day
    for public_on, present in ((today + dt.timedelta(days=10), True), (today, False)):
        data = _data()
        data["launches"][0]["public_on"] = public_on
        path = write_toml(tmp_path / "inventory.toml", data)
        result = runner.invoke(app, ["breach", "checklist", "acct", "-i", str(path)])
        assert result.exit_code == 0, result.output
        line = f"Check whether Spring range (secret until {public_on}) leaked"
        assert (line in result.stdout) is present
        if present:  # in the contain phase, before eradication starts
            assert result.stdout.index(line) < result.stdout.upper().index("ERADICATE")


@pytest.mark.parametrize(
    ("launch", "expected"),
    [
        ({"accounts": ["nope"]}, 'launches[0] (x1).accounts: unknown account "nope"'),
        ({"tags": ["ghost"]}, 'launches[0] (x1).tags: no account has the tag "ghost"'),
        ({}, "launches[0] (x1).accounts: name the launch's accounts"),
        ({"accounts": ["acct"], "public_on": "soon"}, "launches[0] (x1).public_on"),
        ({"accounts": ["acct"], "secret": True}, "launches[0]"),
    ],
)
def test_bad_launches_are_one_line_naming_file_and_line(
    tmp_path: Path, launch: dict[str, Any], expected: str
) -> None:
    data = clean_inventory()
    data["launches"] = [{"id": "x1", "name": "X1", "public_on": PUBLIC_ON, **launch}]
    path = write_toml(tmp_path / "inventory.toml", data)
    result = runner.invoke(app, ["scan", str(path)])
    assert result.exit_code == 2
    assert f"{path}:" in result.stderr and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
