"""The round-two inventory fields of issue 20: each loads typed, and each mistake is one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from scanner.inventory import exposure, holders
from scanner.inventory.accounts import AppScope, PersonStatus, load_inventory
from scanner.inventory.platforms import catalogue
from tests.conftest import EXAMPLE, clean_inventory, write_toml
from tests.inventory.test_accounts import scan_error


def test_example_shows_each_new_field() -> None:
    inventory = load_inventory(EXAMPLE, catalogue())
    x_main = inventory.account("x-main")
    assert x_main.recovery_phone_carrier_lock is True
    assert x_main.connected_apps[0].name == "Hootsuite"
    assert x_main.connected_apps[0].scope is AppScope.WRITE
    assert inventory.account("facebook-page").role_of("agency:brightsocial") == "partial-access"
    assert inventory.account("facebook-page").role_of("dana") == "full-control"
    assert "ads" in inventory.account("facebook-page").tags
    assert not [a.id for a in inventory.accounts if "ads" in a.tags and a.id != "facebook-page"]
    assert inventory.account("shopify-store").access_via == ("social-mailbox",)
    kai = inventory.people["kai"]
    assert kai.status is PersonStatus.LEAVING and kai.leaving_on == dt.date(2027, 6, 30)


def _with(tmp_path: Path, person: dict[str, Any] | None = None, **account: Any) -> Path:
    data = clean_inventory()
    if person:
        data["people"][0].update(person)
    data["accounts"].append({**data["accounts"][0], "id": "other", "vault_entry": "other"})
    data["accounts"][0].update(account)
    return write_toml(tmp_path / "inventory.toml", data)


@pytest.mark.parametrize(
    ("person", "account", "fragment"),
    [
        ({}, {"access_via": ["nope"]}, 'accounts[0] (acct).access_via: unknown account "nope"'),
        ({}, {"access_via": ["acct"]}, '"acct" is the account itself'),
        ({}, {"recovery_phone_carrier_lock": "yes"}, "recovery_phone_carrier_lock"),
        ({}, {"connected_apps": [{"name": "A", "scope": "admin"}]}, "'admin' is not one of"),
        ({}, {"connected_apps": [{"name": "A", "scope": "read", "owner": "x"}]}, "owner"),
        (
            {},
            {"connected_apps": [{"name": "A", "scope": "read"}, {"name": "a", "scope": "write"}]},
            'app "a" is listed twice',
        ),
        ({}, {"admins": [{"id": "ana", "role": "boss"}]}, 'unknown role "boss" for x'),
        ({}, {"admins": [{"id": "zed", "role": "owner"}]}, 'unknown person "zed"'),
        ({}, {"admins": ["ana", {"id": "ana", "role": "owner"}]}, "an admin is listed twice"),
        ({"status": "leaving"}, {}, "leaving_on (the last day) is missing"),
        ({"leaving_on": dt.date(2027, 1, 1)}, {}, 'leaving_on goes with status "leaving"'),
    ],
)
def test_mistakes_are_one_line(
    tmp_path: Path, person: dict[str, Any], account: dict[str, Any], fragment: str
) -> None:
    line = scan_error(_with(tmp_path, person, **account))
    assert fragment in line, line


def test_leaving_person_loses_access_on_leaving_on(tmp_path: Path) -> None:
    path = _with(tmp_path, {"status": "leaving", "leaving_on": dt.date(2026, 12, 10)})
    inventory = load_inventory(path)
    assert holders.has_access(inventory, "ana", dt.date(2026, 12, 9))
    assert not holders.has_access(inventory, "ana", dt.date(2026, 12, 10))
    account = inventory.accounts[0]
    assert holders.leaving(inventory, account, dt.date(2026, 11, 26), 14)
    assert not holders.leaving(inventory, account, dt.date(2026, 11, 25), 14)
    assert not holders.leaving(inventory, account, dt.date(2026, 12, 10), 14)


def test_chains_stop_on_cycles(tmp_path: Path) -> None:
    data = clean_inventory()
    base = data["accounts"][0]
    data["accounts"] = [
        {**base, "id": f"a{i}", "vault_entry": f"a{i}", "access_via": [f"a{(i + 1) % 4}"]}
        for i in range(4)
    ]
    inventory = load_inventory(write_toml(tmp_path / "inventory.toml", data))
    paths = [exposure.chain_text(p) for p in exposure.chains(inventory, inventory.accounts[0])]
    assert paths == ["a0 <- a1", "a0 <- a1 <- a2", "a0 <- a1 <- a2 <- a3"]
    assert [a.id for a, _ in exposure.upstream(inventory, inventory.accounts[0])] == [
        "a3",
        "a2",
        "a1",
    ]
