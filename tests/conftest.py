"""Shared fixtures: small inventories built in code, written as real TOML files."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inventory.example.toml"
TODAY = dt.date(2026, 11, 23)

BASE: dict[str, Any] = {
    "organization": {"name": "Test Co", "domains": ["test.example"], "brand_terms": ["testco"]},
    "people": [
        {
            "id": "ana",
            "name": "Ana Admin",
            "email": "ana@test.example",
            "policy_acknowledged": dt.date(2026, 6, 1),
        },
        {
            "id": "ben",
            "name": "Ben Backup",
            "email": "ben@test.example",
            "policy_acknowledged": dt.date(2026, 6, 1),
        },
    ],
    "agencies": [
        {
            "id": "ag",
            "name": "Agency Ltd",
            "contract_ends": dt.date(2027, 1, 1),
            "policy_acknowledged": dt.date(2026, 6, 1),
        }
    ],
    "accounts": [
        {
            "id": "acct",
            "platform": "x",
            "handle": "@testco",
            "tier": "standard",
            "owner": "ana",
            "registered_to": "company",
            "login_email": "social@test.example",
            "recovery_email": "it@test.example",
            "recovery_phone_holder": "company",
            "mfa": "totp",
            "admins": ["ana", "ben"],
            "password_known_by": ["ana"],
            "last_activity": dt.date(2026, 11, 20),
            "trademark_registered": True,
        }
    ],
}


def clean_inventory() -> dict[str, Any]:
    """An inventory on which every foundation check passes (as of TODAY)."""
    return copy.deepcopy(BASE)


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def inventory_file(tmp_path: Path) -> Callable[..., Path]:
    """Write an inventory: the clean one, with the account's fields updated by keyword."""

    def make(data: dict[str, Any] | None = None, **account: Any) -> Path:
        inventory = data if data is not None else clean_inventory()
        inventory["accounts"][0].update(account)
        return write_toml(tmp_path / "inventory.toml", inventory)

    return make
