"""A small inventory and helpers that run the real analysis on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from scanner.core.secret import Secret
from scanner.engine.facts import PasswordFacts, SecretRecord
from scanner.inventory.accounts import Inventory, load_inventory
from scanner.inventory.platforms import platform_ids
from scanner.inventory.policy import Policy, load_policy
from scanner.passwords.analysis import analyse
from scanner.passwords.corpus import BreachSource
from scanner.state.scores import ScoreCache

KEY = bytes(range(32))

INVENTORY = """
[organization]
name = "Acme Outdoor"
domains = ["acme.example"]
brand_terms = ["acme", "acmeoutdoor"]

{policy}

[[people]]
id = "dana"
name = "Dana Ruiz"
email = "dana@acme.example"

[[people]]
id = "lee"
name = "Lee Chen"
email = "lee@acme.example"

{accounts}
"""

ACCOUNT = """
[[accounts]]
id = "{id}"
platform = "{platform}"
handle = "@{id}_acme"
registered_to = "company"
mfa = "{mfa}"
tier = "{tier}"
password_known_by = ["dana"]
"""


def write_inventory(
    folder: Path,
    accounts: Sequence[tuple[str, str]],
    *,
    policy: str = "",
    platform: str = "instagram",
    tier: str = "standard",
) -> Path:
    """An inventory with one account per (id, mfa) pair."""
    body = "".join(
        ACCOUNT.format(id=account_id, mfa=mfa, platform=platform, tier=tier)
        for account_id, mfa in accounts
    )
    path = folder / "inventory.toml"
    path.write_text(INVENTORY.format(policy=policy, accounts=body), encoding="utf-8")
    return path


def load(path: Path) -> tuple[Inventory, Policy]:
    inventory = load_inventory(path, platform_ids())
    return inventory, load_policy(inventory.policy_table)


def record(
    account_id: str,
    password: str | None,
    *,
    set_at: dt.datetime | None = None,
    totp: str | None = None,
) -> SecretRecord:
    return SecretRecord(
        account_id=account_id,
        password=Secret(password) if password is not None else None,
        password_set_at=set_at,
        totp_secret=Secret(totp) if totp is not None else None,
    )


def run_analysis(
    inventory: Inventory,
    policy: Policy,
    records: Sequence[SecretRecord],
    *,
    cache: ScoreCache | None = None,
    breach: BreachSource | None = None,
    workers: int | None = 1,
) -> PasswordFacts:
    return analyse(
        inventory, policy, records, hmac_key=KEY, cache=cache, breach=breach, workers=workers
    )
