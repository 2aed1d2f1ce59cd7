"""One rule for "who has lost access, and since when": every caller agrees on every case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import checks
from scanner.breach.runbook import tailor_checklist
from scanner.core.model import Status
from scanner.core.secret import Secret
from scanner.engine.context import ScanContext
from scanner.engine.facts import AccountSecrets, PasswordFacts
from scanner.inventory import holders
from scanner.inventory.accounts import Inventory
from scanner.inventory.platforms import catalogue
from scanner.inventory.policy import load_policy
from scanner.services.scan import load
from scanner.vault import Entry
from scanner.vault.rotation import due_for_rotation
from tests.conftest import TODAY, clean_inventory, write_toml

SET_ON = dt.date(2026, 1, 10)


def _inventory(tmp_path: Path, *, departed_on: dt.date, contract_ends: dt.date) -> Inventory:
    data: dict[str, Any] = clean_inventory()
    data["people"][1].update(status="departed", departed_on=departed_on)
    data["agencies"][0]["contract_ends"] = contract_ends
    data["accounts"][0].update(admins=["ana", "ben"], password_known_by=["ana", "ben", "agency:ag"])
    return load(write_toml(tmp_path / "inventory.toml", data))


class _Vault:
    def entry(self, name: str) -> Entry | None:
        set_at = dt.datetime.combine(SET_ON, dt.time(9), dt.UTC)
        return Entry(name).with_password(Secret("pw"), set_at, "set")


def _verdicts(inventory: Inventory) -> tuple[Status, Status]:
    account = inventory.accounts[0]
    secrets = AccountSecrets(
        account_id=account.id,
        has_password=True,
        length=20,
        strength=None,
        breach=None,
        reused_with=(),
        similar_to=(),
        password_set_at=dt.datetime.combine(SET_ON, dt.time(9), dt.UTC),
        totp_bits=None,
        totp_valid=False,
        totp_shared_with=(),
    )
    facts = PasswordFacts(accounts={account.id: secrets}, breach_source=None, scored=0, cached=0)
    context = ScanContext(
        inventory=inventory,
        policy=load_policy(inventory.policy_table),
        platforms=catalogue(),
        today=TODAY,
        secrets=facts,
    )
    acc002, acc003 = checks.get("ACC-002"), checks.get("ACC-003")
    assert acc002 is not None and acc003 is not None
    return (
        acc002.function(account, context).status,
        acc003.function(account, context).status,
    )


def _runbook_removes(inventory: Inventory) -> set[str]:
    checklist = tailor_checklist(inventory, inventory.accounts[0], today=TODAY)
    return {s.id.split(":", 1)[1] for s in checklist.steps if s.id.startswith("remove:")}


@pytest.mark.parametrize(
    ("departed_on", "contract_ends", "lost"),
    [
        # A departure dated in the future: still has access today, for everyone.
        (TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=30), set()),
        # Left today; the agency's contract ended yesterday.
        (TODAY, TODAY - dt.timedelta(days=1), {"ben", "agency:ag"}),
        # The contract ends today: the agency keeps access until tomorrow.
        (TODAY - dt.timedelta(days=200), TODAY, {"ben"}),
    ],
)
def test_acc002_acc003_runbook_and_all_due_agree(
    tmp_path: Path, departed_on: dt.date, contract_ends: dt.date, lost: set[str]
) -> None:
    inventory = _inventory(tmp_path, departed_on=departed_on, contract_ends=contract_ends)
    account = inventory.accounts[0]
    assert {loss.ref for loss in holders.lapsed(inventory, account, TODAY)} == lost
    acc002, acc003 = _verdicts(inventory)
    expected = Status.FAIL if lost else Status.PASS
    assert (acc002, acc003) == (expected, expected)
    assert _runbook_removes(inventory) == lost
    due = {a.id for a, _ in due_for_rotation(inventory, _Vault(), TODAY)}
    assert due == ({account.id} if lost else set())


def test_a_password_with_no_set_date_is_older_than_any_departure(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path, departed_on=TODAY, contract_ends=TODAY + dt.timedelta(days=9))
    reason = holders.rotation_reason(inventory, inventory.accounts[0], None, TODAY)
    assert reason == f"Ben Backup departed {TODAY.isoformat()} (no password set date)"


def test_a_password_set_on_the_day_access_ended_is_fresh(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path, departed_on=TODAY, contract_ends=TODAY + dt.timedelta(days=9))
    assert holders.rotation_reason(inventory, inventory.accounts[0], TODAY, TODAY) is None
