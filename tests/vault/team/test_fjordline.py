"""Team mode on a second company's real data (../shared/data/fjordline: an inventory and a
Bitwarden export written independently of posture): Sanna (IT) is the custodian; Ola and Per
read what they hold; the import, breach checklists, sync after a departure and rotation work as
in passphrase mode."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tomllib
from pathlib import Path

import pytest

from scanner.vault import team as team_format
from tests.conftest import SHARED_DATA, write_toml
from tests.vault.team.conftest import IDENTITY_PASSPHRASE, invoke, new_identity, ok, refused

FJORDLINE = SHARED_DATA / "fjordline"
pytestmark = pytest.mark.skipif(not FJORDLINE.is_dir(), reason="shared data not present")


def _readers(vault: Path, entry: str) -> list[str]:
    found = team_format.parse_team(vault.read_bytes(), vault)
    return list(found.entries[entry]["readers"])


@pytest.fixture
def fjordline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("POSTURE_IDENTITY_PASSPHRASE", IDENTITY_PASSPHRASE)
    monkeypatch.setenv("POSTURE_IDENTITY", "sanna")
    shutil.copy(FJORDLINE / "bitwarden-export.csv", tmp_path / "export.csv")
    data = tomllib.loads((FJORDLINE / "inventory.toml").read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["id"] in ("sanna", "ola", "per"):
            person["age_recipient"], person["signing_key"] = new_identity(person["id"])
    data["vault"] = {"mode": "team", "custodians": ["sanna"]}
    write_toml(tmp_path / "inventory.toml", data)
    ok("vault", "init")
    ok("vault", "import", "export.csv", "--from", "bitwarden")
    return data


def test_imported_entries_are_encrypted_to_current_holders_and_custodian(
    fjordline: dict[str, object], tmp_path: Path
) -> None:
    vault = tmp_path / "posture.vault"
    # Ingrid left and Pedal's contract ended: neither reads instagram-brand.
    assert _readers(vault, "instagram-brand") == ["ola", "sanna"]
    assert _readers(vault, "shopify") == ["ola", "per", "sanna"]
    assert ok("vault", "get", "instagram-brand", "--identity", "ola") == "Fjordline2023!\n"
    assert "per is not a reader" in refused("vault", "get", "instagram-brand", "--identity", "per")
    result = invoke("scan", "--checks", "VLT-001", "--no-history", "-f", "json", "--show-passed")
    statuses = {f["account"]: f["status"] for f in json.loads(result.stdout)["findings"]}
    assert statuses["instagram-brand"] == statuses["shopify"] == "PASS", statuses
    assert "FAIL" not in statuses.values()
    # The breach checklist opens the team vault as the custodian ($POSTURE_IDENTITY).
    checklist = invoke("breach", "checklist", "instagram-brand")
    assert checklist.exit_code == 0, checklist.stderr
    assert "facebook-page" in checklist.stdout  # same password, found through the team vault


def test_a_departure_then_sync_marks_every_entry_the_leaver_could_read(
    fjordline: dict[str, object], tmp_path: Path
) -> None:
    people = fjordline["people"]
    assert isinstance(people, list)
    for person in people:
        if person["id"] == "per":
            person["status"] = "departed"
            person["departed_on"] = dt.date.today() - dt.timedelta(days=1)
    write_toml(tmp_path / "inventory.toml", fjordline)
    out = ok("vault", "sync")
    assert "shopify: re-encrypted for ola, sanna; removed per: marked for rotation" in out
    assert "tiktok: re-encrypted for sanna; removed per: marked for rotation" in out
    # Offboarding verifies through a scan that opens the team vault as the custodian.
    ok("offboard", "start", "per")
    closing = invoke("offboard", "close", "per")
    assert closing.exit_code != 0 and "ACC-003" in closing.stdout + closing.stderr, closing
    due = ok("vault", "rotate", "--all-due")
    assert "shopify: new password stored, pending" in due
    assert "not a reader" in refused("vault", "get", "shopify", "--identity", "per")
