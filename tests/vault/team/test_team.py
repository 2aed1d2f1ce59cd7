"""The team vault with real keys: readers decrypt, others cannot; signatures, rollback, sync,
VLT-001, migration both ways, and the audit trail name who acted."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import struct
from pathlib import Path

import pyrage
import pytest

from scanner.core.secret import Secret
from scanner.vault import store
from scanner.vault import team as team_format
from scanner.vault.identity import Identity
from tests.conftest import PASSPHRASE
from tests.vault.team.conftest import (
    ACCT2_PW,
    ACCT_PW,
    AGENCY_PW,
    Team,
    depart,
    invoke,
    ok,
    refused,
)


def test_a_reader_decrypts_and_anyone_else_gets_one_clear_line(team: Team) -> None:
    assert ok("vault", "get", "acct", "--identity", "ben") == ACCT_PW + "\n"
    assert ok("vault", "get", "acct", "--identity", "ana") == ACCT_PW + "\n"
    assert ok("vault", "get", "acct3", "--identity", "agency:ag") == AGENCY_PW + "\n"
    listed = ok("vault", "list", "--identity", "ben")  # only what Ben reads is opened
    assert listed.splitlines()[-1] == "1 entries, revision 5"
    line = refused("vault", "get", "acct2", "--identity", "ben")
    assert 'ben is not a reader of entry "acct2" (its readers: ana)' in line
    assert ACCT2_PW not in line
    # The custodian reads everything; the agency only its account.
    assert ok("vault", "get", "acct2", "--identity", "ana") == ACCT2_PW + "\n"
    assert "not a reader" in refused("vault", "get", "acct", "--identity", "agency:ag")


def test_a_non_reader_cannot_decrypt_the_ciphertext_even_with_every_public_key(
    team: Team,
) -> None:
    ciphertext = team.ciphertext("acct2")
    ben = team.identity("ben")
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(ciphertext, [ben.age_identity()])
    # Public keys are not identities: the custodians' recipients decrypt nothing.
    stranger = pyrage.x25519.Identity.generate()
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(ciphertext, [stranger])
    recipient = pyrage.x25519.Recipient.from_str(team.keys["ana"][0])
    with pytest.raises(TypeError):
        pyrage.decrypt(ciphertext, [recipient])
    # Ana's real identity does decrypt it: the test is not vacuous.
    assert ACCT2_PW in pyrage.decrypt(ciphertext, [team.identity("ana").age_identity()]).decode()


def test_a_stranger_with_no_identity_or_no_recipient_is_refused(team: Team) -> None:
    assert "no identity for carl" in refused("vault", "get", "acct", "--identity", "carl")
    assert "--identity PERSON" in refused("vault", "get", "acct")


def test_only_a_custodian_writes_and_scans(team: Team) -> None:
    line = refused("vault", "set", "acct", "--identity", "ben")
    assert "ben is not a custodian" in line
    assert "scans run as a custodian" in refused("scan", "--identity", "ben", "--checks", "PWD-001")


def _resign(team: Team, body: dict[str, object], signer: Identity) -> None:
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    prefix = struct.pack(">4sHI", b"PSTV", 2, len(raw)) + raw
    team.vault.write_bytes(prefix + signer.sign(prefix))


def test_a_tampered_or_unsigned_entry_is_refused(team: Team) -> None:
    original = team.vault.read_bytes()
    # One byte of one entry's ciphertext: the custodian's signature no longer verifies.
    body = team.body()
    data = bytearray(json.dumps(body["entries"]["acct"]["data"]).encode())
    position = original.index(bytes(data[1:20]))
    tampered = bytearray(original)
    tampered[position + 5] ^= 1
    team.vault.write_bytes(bytes(tampered))
    assert "signature does not verify" in refused("vault", "get", "acct", "--identity", "ben")
    # No signature at all (zeros).
    team.vault.write_bytes(original[:-64] + bytes(64))
    assert "signature does not verify" in refused("vault", "get", "acct", "--identity", "ana")
    # A former holder plants a value and signs with his own key: not a custodian.
    team.vault.write_bytes(original)
    planted = team.body()
    ben = team.identity("ben")
    planted["signer"] = "ben"
    _resign(team, planted, ben)
    assert 'signed by "ben", who is not a current custodian' in refused(
        "vault", "get", "acct", "--identity", "ben"
    )
    # Ben claims to be Ana: his key does not verify as hers.
    planted["signer"] = "ana"
    _resign(team, planted, ben)
    assert "signature does not verify" in refused("vault", "get", "acct", "--identity", "ben")


def test_an_entry_moved_to_another_name_is_refused_even_when_signed(team: Team) -> None:
    body = team.body()
    body["entries"]["acct3"] = dict(body["entries"]["acct2"])
    _resign(team, body, team.identity("ana"))
    line = refused("vault", "get", "acct3", "--identity", "ana")
    assert 'entry "acct3" does not decrypt for ana' in line


def test_rollback_to_an_older_signed_file_is_refused(team: Team) -> None:
    old = team.vault.read_bytes()
    ok("vault", "set", "acct2", "--identity", "ana", input="a-newer-value-Pk9!x\n")
    shutil.copy(team.vault, team.folder / "newer.vault")
    team.vault.write_bytes(old)  # a validly signed copy, one revision behind
    line = refused("vault", "get", "acct2", "--identity", "ana")
    assert "rollback" in line and "revision 6 was seen before" in line
    verify = invoke("audit", "verify")
    assert verify.exit_code == 1 and "revision 6 was recorded" in verify.stdout + verify.stderr
    # A backup put back in place is refused the same way.
    backup = store.backup_folder(team.vault) / "rev-00000005.vault"
    team.vault.write_bytes(backup.read_bytes())
    assert "rollback" in refused("vault", "list", "--identity", "ben")
    shutil.copy(team.folder / "newer.vault", team.vault)
    assert ok("vault", "get", "acct2", "--identity", "ana") == "a-newer-value-Pk9!x\n"


def test_sync_after_a_departure_reencrypts_marks_rotation_and_locks_the_leaver_out(
    team: Team,
) -> None:
    depart(team, "ben", dt.date.today() - dt.timedelta(days=1))
    out = ok("vault", "sync", "--identity", "ana")
    assert "acct: re-encrypted for ana; removed ben: marked for rotation" in out
    assert "1 entries re-encrypted, 1 marked for rotation" in out
    assert team.readers("acct") == ["ana"]
    assert team.body()["entries"]["acct"]["rotate"]["removed"] == ["ben"]
    assert "not a reader" in refused("vault", "get", "acct", "--identity", "ben")
    # A second sync has nothing to do.
    assert "0 entries re-encrypted, 0 marked" in ok("vault", "sync", "--identity", "ana")
    rotated = ok("vault", "rotate", "--all-due", "--identity", "ana")
    assert "acct: new password stored, pending" in rotated and "no longer read" in rotated
    new_value = ok("vault", "get", "acct", "--identity", "ana").strip()
    ok("vault", "confirm", "acct", "--identity", "ana")
    assert "no account is due" in ok("vault", "rotate", "--all-due", "--identity", "ana")
    assert team.body()["entries"]["acct"]["rotate"] is None
    # Not in the vault, nor in any backup: Ben opens only what he already knew.
    ben = team.identity("ben").age_identity()
    seen = []
    for path in [team.vault, *store.backups(team.vault)]:
        if not team_format.is_team_path(path):
            continue  # the passphrase-mode backups from before the migration
        try:
            seen.append(pyrage.decrypt(team.ciphertext("acct", path), [ben]).decode())
        except (pyrage.DecryptError, KeyError, ValueError):
            continue
    assert seen and all(new_value not in text for text in seen)
    assert all(ACCT_PW in text for text in seen)


def test_losing_the_role_without_leaving_also_marks_rotation(team: Team) -> None:
    team.account("acct")["password_known_by"] = ["ana"]
    team.write()
    ok("vault", "sync", "--identity", "ana")
    due = ok("vault", "rotate", "--all-due", "--identity", "ana")
    assert "Ben Backup no longer read(s) the vault entry" in due


def _scan(team: Team) -> dict[str, dict[str, object]]:
    result = invoke(
        "scan",
        "--identity",
        "ana",
        "--checks",
        "VLT-001,ACC-003",
        "-f",
        "json",
        "--show-passed",
        "--no-history",
    )
    assert result.exit_code in (0, 1), result.stderr
    findings = json.loads(result.stdout)["findings"]
    return {f"{f['check_id']} {f['account']}": f for f in findings}


def test_vlt001_passes_then_fails_naming_who_then_passes_after_sync(team: Team) -> None:
    found = _scan(team)
    assert {found[f"VLT-001 {a}"]["status"] for a in ("acct", "acct2", "acct3")} == {"PASS"}
    team.account("acct")["password_known_by"] = ["ana"]
    team.account("acct2")["password_known_by"] = ["ana", "ben"]
    team.write()
    found = _scan(team)
    assert found["VLT-001 acct"]["status"] == "FAIL"
    assert "can decrypt but should not: Ben Backup" in found["VLT-001 acct"]["message"]
    assert found["VLT-001 acct2"]["status"] == "FAIL"
    assert "should but cannot decrypt: Ben Backup" in found["VLT-001 acct2"]["message"]
    ok("vault", "sync", "--identity", "ana")
    found = _scan(team)
    assert found["VLT-001 acct"]["status"] == "PASS" == found["VLT-001 acct2"]["status"]
    assert found["ACC-003 acct"]["status"] == "FAIL"
    assert "Ben Backup no longer read(s) the vault entry" in found["ACC-003 acct"]["message"]
    assert ok("vault", "get", "acct2", "--identity", "ben") == ACCT2_PW + "\n"


def test_vlt001_makes_no_finding_without_a_team_vault(team: Team) -> None:
    ok("vault", "migrate", "--to", "passphrase", "--identity", "ana")
    result = invoke("scan", "--checks", "VLT-001", "-f", "json", "--show-passed", "--no-history")
    assert json.loads(result.stdout)["findings"] == []


def test_migration_both_ways_keeps_every_value(team: Team, tmp_path: Path) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text("code-one-111\ncode-two-222\n")
    ok("vault", "set", "acct2", "--identity", "ana", input="second-value-Zx7!q\n")
    ok("vault", "set", "acct2", "--identity", "ana", "--recovery-codes", str(codes))
    ok(
        "vault",
        "set",
        "acct2",
        "--identity",
        "ana",
        "--totp",
        "-",
        input="otpauth://totp/X:a?secret=JBSWY3DPEHPK3PXP&issuer=X\n",
    )
    ok("vault", "rotate", "acct3", "--identity", "ana")
    before = dict(
        team_format.TeamVault.open_team(
            team.vault, _custody(team), team.identity("ana"), db=team.db
        ).entries()
    )
    ok("vault", "migrate", "--to", "passphrase", "--identity", "ana")
    from scanner.vault import Vault

    plain = Vault.open(team.vault, Secret(PASSPHRASE))
    assert dict(plain.entries()) == before
    assert plain.entry("acct2").history[0].value == Secret(ACCT2_PW)
    ok("vault", "migrate", "--to", "team", "--identity", "ana")
    again = team_format.TeamVault.open_team(
        team.vault, _custody(team), team.identity("ana"), db=team.db
    )
    assert dict(again.entries()) == before
    assert ok("vault", "get", "acct2", "--field", "recovery", "--identity", "ana") == (
        "code-one-111\ncode-two-222\n"
    )
    assert "pending rotation is cancelled" in ok("vault", "rollback", "acct3", "--identity", "ana")
    assert "rolled" not in ok("vault", "history", "acct2", "--identity", "ana")


def _custody(team: Team):  # type: ignore[no-untyped-def]
    from scanner.services.scan import load
    from scanner.vault.custody import custody

    return custody(load(team.inventory))


def test_audit_rows_name_the_identity_that_acted(team: Team) -> None:
    ok("vault", "get", "acct", "--identity", "ben")
    team.account("acct")["password_known_by"] = ["ana"]
    team.write()
    ok("vault", "sync", "--identity", "ana")
    with sqlite3.connect(team.db) as conn:
        rows = conn.execute("SELECT action, detail FROM vault_audit ORDER BY rowid").fetchall()
    assert ("get password", "identity ben") in rows
    assert any(a == "migrate to team" and d.endswith("identity ana") for a, d in rows)
    assert any(a == "sync" and "identity ana" in d for a, d in rows)


def test_passphrase_commands_refuse_a_team_vault(team: Team) -> None:
    assert "a team vault has no passphrase" in refused("vault", "rekey")
    assert "a team vault has no passphrase" in refused("vault", "passwd")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"custodians": ["zed"]}, '"zed" is not a person of the inventory'),
        ({"custodians": []}, "team mode needs at least one custodian"),
        ({"mode": "teams"}, 'must be "passphrase" or "team"'),
    ],
)
def test_vault_settings_are_validated(team: Team, change: dict[str, object], expected: str) -> None:
    team.data["vault"].update(change)
    team.write()
    assert expected in refused("vault", "get", "acct", "--identity", "ana")


def test_a_custodian_needs_keys_and_keys_must_parse(team: Team) -> None:
    team.data["vault"]["custodians"] = ["ana", "ben"]
    del team.data["people"][1]["signing_key"]
    team.data["people"][0]["age_recipient"] = "age1notarecipient"
    team.write()
    result = invoke("vault", "get", "acct", "--identity", "ana")
    assert result.exit_code == 2
    assert '"ben" has no age_recipient or signing_key' in result.stderr
    assert "is not an age X25519 recipient" in result.stderr


def test_identity_files_are_private_and_need_their_passphrase(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = team.folder / "config" / "posture" / "identities" / "ben.age"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert b"AGE-SECRET-KEY" not in path.read_bytes()
    monkeypatch.setenv("POSTURE_IDENTITY_PASSPHRASE", "not the identity passphrase at all")
    assert "wrong passphrase for the identity of ben" in refused(
        "vault", "get", "acct", "--identity", "ben"
    )
    assert "already has an identity" in refused("identity", "new", "ben")
    path.chmod(0o644)
    assert "chmod 600" in refused("identity", "show", "ben")


def test_an_identity_remembered_in_the_os_keyring_opens_without_a_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from tests.vault.keyring_backends import FileKeyring

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert "--remember: no OS keyring is available" in refused(
        "identity", "new", "ana", "--remember"
    )
    monkeypatch.setenv("POSTURE_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    keyring.set_keyring(FileKeyring())
    out = ok("identity", "new", "ana", "--remember")
    assert "kept in the OS keyring" in out
    assert not (tmp_path / "config" / "posture" / "identities" / "ana.age").exists()
    assert "AGE-SECRET-KEY-" in (tmp_path / "keyring.json").read_text()
    shown = ok("identity", "show", "ana")  # no passphrase source at all: the keyring answers
    assert shown.splitlines()[0] == out.splitlines()[2].strip()


def test_a_new_custodian_cannot_save_before_a_sync_and_drops_nothing(team: Team) -> None:
    team.data["vault"]["custodians"] = ["ana", "ben"]
    team.write()
    line = refused("vault", "rotate", "acct", "--identity", "ben")
    assert "not encrypted to ben yet" in line and "nothing was changed" in line
    assert sorted(team.body()["entries"]) == ["acct", "acct2", "acct3"]
    assert team.body()["revision"] == 5
    ok("vault", "sync", "--identity", "ana")
    assert team.readers("acct3") == ["agency:ag", "ana", "ben"]
    ok("vault", "rotate", "acct", "--identity", "ben")
    assert ok("vault", "get", "acct2", "--identity", "ben") == ACCT2_PW + "\n"
