"""Shared fixtures: small inventories built in code, written as real TOML files."""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from scanner.vault import format as vault_format
from scanner.vault import identity as vault_identity
from scanner.vault import passphrase as vault_passphrase
from tests.kdf import HOOKS, REPO, patches

EXAMPLE = REPO / "inventory.example.toml"
# Data from outside the project: ../shared beside the repository (as in CI).
SHARED_DATA = REPO.parent / "shared" / "data"
TODAY = dt.date(2026, 11, 23)
PASSPHRASE = "test passphrase: staple battery"
SENTINEL = "SENTINEL-pw-7f3a9c1e-do-not-leak"

_CLEARED = (
    "POSTURE_VAULT",
    "POSTURE_DB",
    "POSTURE_INVENTORY",
    "POSTURE_VAULT_PASSPHRASE",
    "POSTURE_NEW_VAULT_PASSPHRASE",
    "POSTURE_IDENTITY",
    "POSTURE_IDENTITY_PASSPHRASE",
    "POSTURE_TEST_VAULT_CRASH_AT",
    "POSTURE_KEYRING_TIMEOUT",
    "POSTURE_SUPPRESSIONS",
    "FORCE_COLOR",  # colour is for terminals; tests that want it set it themselves
    "CLICOLOR_FORCE",
)


@pytest.fixture(autouse=True)
def test_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every vault the suite creates uses the cheap test KDF, injected in-process (the CLI has no
    switch for it); `posture` subprocesses get the same through tests/hooks/sitecustomize.py."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for module in (vault_format, vault_passphrase, vault_identity):
        for attribute, value in patches(module).items():
            monkeypatch.setattr(module, attribute, value)
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(HOOKS), str(REPO), path])))


@pytest.fixture(autouse=True)
def no_keyring() -> Iterator[None]:
    """The OS keyring is the `fail` backend (as on headless CI) unless a test installs another."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


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


@pytest.fixture(scope="session")
def local_index(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """pip settings that install from a wheelhouse built once per session (tests/wheelhouse.py)."""
    from tests import wheelhouse

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by every worker of this run
    return wheelhouse.pip_env(wheelhouse.build(root))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow-marked tests first, the rest in file order. With `--maxschedchunk=2` (pyproject.toml)
    xdist hands out two tests at a time, so the long ones start at once on both workers and the
    quick ones fill the gaps, instead of one 40-second test starting last and running alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
