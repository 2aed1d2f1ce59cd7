"""A two-person team: real age X25519 and Ed25519 identities made by `posture identity new`
(the test suite's cheap scrypt only protects the identity files), an inventory in team mode with
Ana as custodian, and a team vault migrated from a passphrase vault."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.core.secret import Secret
from scanner.vault import team as team_format
from scanner.vault.identity import Identity, load
from tests.conftest import BASE, PASSPHRASE, write_toml

IDENTITY_PASSPHRASE = "identity passphrase: walnut comet drizzle"
ACCT_PW = "team-acct-pw-Qz8!rv"  # acct: known by Ana and Ben
ACCT2_PW = "team-acct2-pw-Lm3#xw"  # acct2: known by Ana only
AGENCY_PW = "team-agency-pw-Tt5$kk"  # acct3: known by the agency


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None) -> str:
    result = invoke(*args, input=input)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(*args: str) -> str:
    """A command that must fail with exit 2 and one `posture: error:` line."""
    result = invoke(*args)
    assert result.exit_code == 2, (args, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("posture: error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@dataclass
class Team:
    folder: Path
    keys: dict[str, tuple[str, str]]  # ref -> (age_recipient, signing_key)
    data: dict[str, Any]

    @property
    def inventory(self) -> Path:
        return self.folder / "inventory.toml"

    @property
    def vault(self) -> Path:
        return self.folder / "posture.vault"

    @property
    def db(self) -> Path:
        return self.folder / "posture.db"

    def write(self) -> None:
        write_toml(self.inventory, self.data)

    def account(self, account_id: str) -> dict[str, Any]:
        return next(a for a in self.data["accounts"] if a["id"] == account_id)

    def identity(self, person: str) -> Identity:
        return load(person, lambda: Secret(IDENTITY_PASSPHRASE))

    def body(self) -> dict[str, Any]:
        found = team_format.parse_team(self.vault.read_bytes(), self.vault)
        return json.loads(found.signed[10:].decode())

    def readers(self, entry: str) -> list[str]:
        return list(self.body()["entries"][entry]["readers"])

    def ciphertext(self, entry: str, path: Path | None = None) -> bytes:
        target = path or self.vault
        found = team_format.parse_team(target.read_bytes(), target)
        return base64.b64decode(found.entries[entry]["data"])


def new_identity(ref: str) -> tuple[str, str]:
    out = ok("identity", "new", ref)
    recipient = re.search(r'age_recipient = "(age1[0-9a-z]+)"', out)
    signing = re.search(r'signing_key = "(ed25519:[A-Za-z0-9+/=]+)"', out)
    assert recipient and signing, out
    return recipient.group(1), signing.group(1)


def team_inventory(keys: dict[str, tuple[str, str]]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for person in data["people"]:
        if person["id"] in keys:
            person["age_recipient"], person["signing_key"] = keys[person["id"]]
    for agency in data["agencies"]:
        ref = f"agency:{agency['id']}"
        if ref in keys:
            agency["age_recipient"], agency["signing_key"] = keys[ref]
    first = data["accounts"][0]
    first["password_known_by"] = ["ana", "ben"]
    second = {**copy.deepcopy(first), "id": "acct2", "handle": "@testco2"}
    second["password_known_by"] = ["ana"]
    third = {**copy.deepcopy(first), "id": "acct3", "handle": "@testco3"}
    third["password_known_by"] = ["agency:ag"]
    data["accounts"] += [second, third]
    data["vault"] = {"mode": "team", "custodians": ["ana"]}
    return data


def _environment(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / "config"))
    monkeypatch.setenv("POSTURE_IDENTITY_PASSPHRASE", IDENTITY_PASSPHRASE)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("POSTURE_NEW_VAULT_PASSPHRASE", PASSPHRASE)


@pytest.fixture(scope="module")
def team_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Team]:
    """Built once per module (about a dozen commands), copied for each test."""
    from scanner.vault import format as vault_format
    from scanner.vault import identity as vault_identity
    from tests.kdf import patches

    folder = tmp_path_factory.mktemp("team")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for module in (vault_format, vault_identity):
            for attribute, value in patches(module).items():
                monkeypatch.setattr(module, attribute, value)
        _environment(monkeypatch, folder)
        keys = {ref: new_identity(ref) for ref in ("ana", "ben", "agency:ag")}
        data = team_inventory(keys)
        passphrase_mode = copy.deepcopy(data)
        del passphrase_mode["vault"]
        write_toml(folder / "inventory.toml", passphrase_mode)
        ok("vault", "init")
        for account, value in (("acct", ACCT_PW), ("acct2", ACCT2_PW), ("acct3", AGENCY_PW)):
            ok("vault", "set", account, "--set-on", "2026-11-01", input=value + "\n")
        found = Team(folder, keys, data)
        found.write()
        ok("vault", "migrate", "--to", "team", "--identity", "ana")
    return folder, found


@pytest.fixture
def team(team_template: tuple[Path, Team], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    """Ana (custodian), Ben and the agency with identities; a passphrase vault with three
    passwords, migrated to a team vault as Ana (revision 5)."""
    source, template = team_template
    folder = tmp_path / "team"
    shutil.copytree(source, folder)
    _environment(monkeypatch, folder)
    return Team(folder, template.keys, copy.deepcopy(template.data))


def depart(team: Team, person: str, on: dt.date) -> None:
    for entry in team.data["people"]:
        if entry["id"] == person:
            entry["status"] = "departed"
            entry["departed_on"] = on
    team.write()
