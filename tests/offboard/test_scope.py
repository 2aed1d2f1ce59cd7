"""The offboarding scope: every account a leaver is tied to, by each kind of tie, and no other."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from scanner.inventory.holders import Tie
from scanner.offboard.plan import build_plan, leaver, scope
from scanner.services.scan import load
from tests.conftest import TODAY, clean_inventory, write_toml

ACCOUNT = clean_inventory()["accounts"][0]


def _account(account_id: str, **fields: Any) -> dict[str, Any]:
    account = copy.deepcopy(ACCOUNT)
    account.update(id=account_id, owner="ben", admins=["ana", "ben"], password_known_by=["ben"])
    account.update(fields)
    return account


def _inventory(tmp_path: Path) -> Path:
    data = clean_inventory()
    data["people"].append(
        {"id": "kim", "name": "Kim Leaving", "email": "kim@test.example", "role": "designer"}
    )
    data["accounts"] = [
        _account("owned", owner="kim", tier="low"),
        _account("administered", admins=["ana", "kim"], tier="critical"),
        _account("password", password_known_by=["kim"]),
        _account("login", login_email="KIM@test.example"),
        _account("recovery", recovery_email="kim@test.example"),
        _account(
            "registered",
            owner="kim",
            registered_to="employee",
            login_email="kim.private@mail.example",
            recovery_phone_holder="employee",
        ),
        _account("unrelated"),
        _account("agency-run", admins=["ana", "agency:ag"], password_known_by=["agency:ag"]),
    ]
    return write_toml(tmp_path / "inventory.toml", data)


def test_each_kind_of_tie_brings_its_account_and_nothing_else(tmp_path: Path) -> None:
    inventory = load(_inventory(tmp_path))
    found = {account.id: ties for account, ties in scope(inventory, "kim")}
    assert found == {
        "owned": (Tie.OWNER,),
        "administered": (Tie.ADMIN,),
        "password": (Tie.KNOWS_PASSWORD,),
        "login": (Tie.LOGIN_EMAIL,),
        "recovery": (Tie.RECOVERY_EMAIL,),
        "registered": (Tie.OWNER, Tie.REGISTERED, Tie.LOGIN_EMAIL, Tie.RECOVERY_PHONE),
    }


def test_accounts_come_critical_tier_first_and_low_last(tmp_path: Path) -> None:
    inventory = load(_inventory(tmp_path))
    order = [account.id for account, _ in scope(inventory, "kim")]
    assert order[0] == "administered"
    assert order[-1] == "owned"


def test_each_account_gets_the_steps_of_its_ties(tmp_path: Path) -> None:
    inventory = load(_inventory(tmp_path))
    plan = build_plan(inventory, leaver(inventory, "kim", dt.date(2026, 12, 4), TODAY))
    ids = [step.id for step in plan.steps]
    assert ids == [
        "role:administered",
        "rotate:password",
        "sessions:password",
        "recovery:login",
        "sessions:login",
        "recovery:recovery",
        "sessions:recovery",
        "transfer:registered",
        "register:registered",
        "recovery:registered",
        "sessions:registered",
        "transfer:owned",
        "devices",
        "inventory",
        "policy-reminder",
    ]
    phases = {p.id: p.summary for p in plan.phases}
    assert phases["account:registered"].endswith(
        "owner, registered to them, logs in with their email, recovers through their phone"
    )
    recovery = plan.step("recovery:registered")
    assert recovery is not None
    assert "kim.private@mail.example" in recovery.title
    assert "recovery phone" in recovery.title
    transfer = plan.step("transfer:owned")
    assert transfer is not None
    assert "suggested: Ana Admin (ana)" in transfer.title


def test_an_agency_is_scoped_by_its_own_ties_only(tmp_path: Path) -> None:
    inventory = load(_inventory(tmp_path))
    found = {account.id: ties for account, ties in scope(inventory, "agency:ag")}
    assert found == {"agency-run": (Tie.ADMIN, Tie.KNOWS_PASSWORD)}
    who = leaver(inventory, "agency:ag", None, TODAY)
    assert who.on == dt.date(2027, 1, 1)  # the contract end


def test_a_person_with_no_tie_gets_only_the_generic_steps(tmp_path: Path) -> None:
    inventory = load(_inventory(tmp_path))
    plan = build_plan(inventory, leaver(inventory, "ana", None, TODAY))
    assert {p.id for p in plan.phases} >= {"account:administered"}  # ana is everywhere
    data = clean_inventory()
    data["people"].append({"id": "zoe", "name": "Zoe", "email": "zoe@test.example"})
    inventory = load(write_toml(tmp_path / "inventory.toml", data))
    plan = build_plan(inventory, leaver(inventory, "zoe", None, TODAY))
    assert [s.id for s in plan.steps] == ["devices", "inventory", "policy-reminder"]
