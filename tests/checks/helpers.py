"""Run one check on one account of a small inventory built in code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import checks
from scanner.core.model import Status
from scanner.engine.check import Verdict
from scanner.engine.context import ScanContext
from scanner.inventory.platforms import catalogue
from scanner.inventory.policy import load_policy
from scanner.services.scan import load
from tests.conftest import TODAY, clean_inventory, write_toml


def verdict(
    tmp_path: Path, check_id: str, data: dict[str, Any] | None = None, **account: Any
) -> Verdict:
    inventory_data = data if data is not None else clean_inventory()
    inventory_data["accounts"][0].update(account)
    inventory = load(write_toml(tmp_path / "inventory.toml", inventory_data))
    context = ScanContext(
        inventory=inventory,
        policy=load_policy(inventory.policy_table),
        platforms=catalogue(),
        today=TODAY,
    )
    found = checks.get(check_id)
    assert found is not None
    return found.function(inventory.accounts[0], context)


def assert_pass(result: Verdict) -> None:
    assert result.status is Status.PASS, result.message


def assert_fail(result: Verdict, *fragments: str) -> None:
    assert result.status is Status.FAIL, result.message
    for fragment in fragments:
        assert fragment in result.message
