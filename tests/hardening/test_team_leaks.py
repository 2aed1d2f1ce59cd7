"""The leak suite for the team vault: identity passphrases, identity secret keys (age and
Ed25519) and passwords go through every team command and output; then every output and every
file left behind (identity files, inventory, vault, backups, database, reports) is searched for
them in every form tests/hardening/test_leaks.py knows. Only `vault get` may print the value
asked for."""

from __future__ import annotations

import base64
import copy
from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.vault.identity import load
from tests.conftest import BASE, write_toml
from tests.hardening.test_leaks import Cli, LeakSearch, _assert_no_leaks, sandbox  # noqa: F401
from tests.vault.team.conftest import team_inventory

ANA_PASS = "SENTINEL identity/ana+91c4&e2"
BEN_PASS = "SENTINEL identity/ben+3f07&d9"
WRONG = "SENTINEL identity/wrong+77aa"
VAULT_PASS = "SENTINEL passphrase/team+0b3e&c1"
ACCT = "SENTINEL-pw-team-acct-5d1f=="
ACCT2 = "SENTINEL-pw-team-acct2-a8e3%"
ROTATE = "SENTINEL-pw-team-acct2-second&9"


def test_team_commands_leak_no_secret_and_no_key(
    sandbox: Path,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(sandbox / "config"))
    search = LeakSearch(
        sentinels={
            "ana identity passphrase": ANA_PASS,
            "ben identity passphrase": BEN_PASS,
            "wrong identity passphrase": WRONG,
            "vault passphrase": VAULT_PASS,
            "acct": ACCT,
            "acct2": ACCT2,
            "acct2 second": ROTATE,
        }
    )
    cli = Cli(search)

    def as_(person: str, passphrase: str) -> None:
        monkeypatch.setenv("POSTURE_IDENTITY", person)
        monkeypatch.setenv("POSTURE_IDENTITY_PASSPHRASE", passphrase)

    keys = {}
    for person, passphrase in (("ana", ANA_PASS), ("ben", BEN_PASS)):
        as_(person, passphrase)
        out = cli("identity", "new", person)
        recipient = out.split('age_recipient = "')[1].split('"')[0]
        signing = out.split('signing_key = "')[1].split('"')[0]
        keys[person] = (recipient, signing)
        found = load(person, lambda p=passphrase: Secret(p))  # type: ignore[misc]
        search.sentinels[f"{person} age secret key"] = found.age_secret.reveal()
        search.sentinels[f"{person} signing seed"] = found.signing_seed.reveal()
        raw_seed = base64.b64decode(found.signing_seed.reveal())
        search.sentinels[f"{person} signing seed hex"] = raw_seed.hex()
    data = team_inventory(keys)
    write_toml(sandbox / "inventory.toml", data)
    assert copy.deepcopy(BASE)  # the base inventory is untouched

    as_("ana", ANA_PASS)
    cli("vault", "init")
    cli("vault", "set", "acct", "--set-on", "2026-11-01", input=ACCT + "\n")
    cli("vault", "set", "acct2", "--set-on", "2026-11-01", input=ACCT2 + "\n")
    cli.get("vault", "get", "acct2", expected=[ACCT2])
    cli("vault", "list")
    cli("vault", "history", "acct2")
    as_("ben", BEN_PASS)
    cli.get("vault", "get", "acct", expected=[ACCT])
    cli("vault", "get", "acct2", code=2)
    cli("vault", "set", "acct", code=2, input="x\n")
    cli("scan", "--checks", "PWD-001", code=2)
    as_("ben", WRONG)
    cli("vault", "get", "acct", code=2)
    as_("ana", ANA_PASS)
    data["accounts"][0]["password_known_by"] = ["ana"]
    write_toml(sandbox / "inventory.toml", data)
    cli("vault", "sync")
    for fmt, name in (("json", "r.json"), ("sarif", "r.sarif"), ("table", "r.txt")):
        cli("scan", "-f", fmt, "-o", name, "--show-passed", code=(0, 1))
    cli("vault", "set", "acct2", input=ROTATE + "\n")
    cli("vault", "rotate", "--all-due")
    cli("vault", "confirm", "acct")
    monkeypatch.setenv("POSTURE_NEW_VAULT_PASSPHRASE", VAULT_PASS)
    cli("vault", "migrate", "--to", "passphrase")
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", VAULT_PASS)
    cli("vault", "migrate", "--to", "team")
    cli("identity", "show", "ana")
    assert "problem" not in cli("audit", "verify").lower()
    files = search.files(sandbox, set())
    assert any(p.name == "ana.age" for p in files) and any(p.suffix == ".sarif" for p in files)
    _assert_no_leaks(search)
