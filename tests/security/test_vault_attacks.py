"""Issue 14, findings 2, 7, 9 and 12, written as the attacks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.vault import Entry, Vault, store
from scanner.vault import format as fmt
from scanner.vault.entries import utc_now
from scanner.vault.errors import WrongPassphrase
from tests.conftest import PASSPHRASE, SENTINEL
from tests.vault.conftest import run_posture

WEAK = fmt.KdfParams(8, 1, 1)


def _weak_vault(path: Path, monkeypatch: pytest.MonkeyPatch) -> Vault:
    """A vault whose slot is 8 KiB / 1 pass, as the old test switch made, with one password."""
    monkeypatch.setattr(fmt, "MINIMUM_KDF", WEAK)
    vault = Vault.create(path, Secret(PASSPHRASE), kdf=WEAK)
    entry = Entry("x-main").with_password(Secret(SENTINEL), utc_now(), "set")
    vault.update(lambda entries: entries.update({"x-main": entry}), action="set")
    vault.update(lambda entries: None, action="touch")
    monkeypatch.setattr(fmt, "MINIMUM_KDF", fmt.KdfParams(19 * 1024, 2, 1))
    return vault


def test_a_weak_slot_is_reported_by_every_command_that_opens_the_vault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _weak_vault(tmp_path / "posture.vault", monkeypatch)
    done = run_posture(
        "vault",
        "list",
        "--vault",
        "posture.vault",
        "--db",
        "posture.db",
        cwd=tmp_path,
        env={"POSTURE_VAULT_PASSPHRASE": PASSPHRASE, "POSTURE_TEST_REAL_FLOOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "below the OWASP minimum" in done.stderr
    assert "posture vault rekey" in done.stderr


def test_after_rekey_a_cracked_weak_slot_backup_opens_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 2: `passwd` kept the data key, so a weak-slot backup cracked in 344 guesses
    decrypted the current vault. After a rekey, the old slot key (as a cracker would have it)
    opens neither the vault nor any backup."""
    path = tmp_path / "posture.vault"
    vault = _weak_vault(path, monkeypatch)
    cracked_slot_key = vault.slot_key  # what brute-forcing the weak slot yields
    old_backup = store.backups(path)[0].read_bytes()
    old_data_key = fmt.open_data_key(fmt.parse(old_backup, path).header, PASSPHRASE)[0]
    done = vault.rekey(Secret(PASSPHRASE), kdf=fmt.KdfParams(19 * 1024, 2, 1))
    assert done.reencrypted == len(store.backups(path)) == 3  # the pre-rekey file included
    for candidate in [path, *store.backups(path)]:
        sealed = fmt.parse(candidate.read_bytes(), candidate)
        assert all(not s.kdf.below_recommended for s in sealed.header.slots)
        assert all(
            fmt.unwrap(s, sealed.header.vault_id, cracked_slot_key) is None
            for s in sealed.header.slots
        )
        with pytest.raises(Exception, match="failed authentication"):
            fmt.open_payload(sealed, old_data_key, candidate)
    with pytest.raises(WrongPassphrase):
        Vault.open_with_slot_key(path, cracked_slot_key)
    reopened = Vault.open(path, Secret(PASSPHRASE))
    assert reopened.entry("x-main").password.reveal() == SENTINEL
    assert not reopened.weak_slots()


def test_vault_rekey_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "posture.vault"
    _weak_vault(path, monkeypatch)
    before = path.read_bytes()
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    done = run_posture(
        "vault", "rekey", "--vault", "posture.vault", "--db", "posture.db", cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "new data key" in done.stdout and "backups re-encrypted" in done.stdout
    assert path.read_bytes() != before
    got = run_posture(
        "vault",
        "get",
        "x-main",
        "--vault",
        "posture.vault",
        "--db",
        "posture.db",
        cwd=tmp_path,
        env=env,
    )
    assert got.stdout.strip() == SENTINEL


def test_passwd_rekey_leaves_the_old_passphrase_opening_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "posture.vault"
    _weak_vault(path, monkeypatch)
    env = {
        "POSTURE_VAULT_PASSPHRASE": PASSPHRASE,
        "POSTURE_NEW_VAULT_PASSPHRASE": "a new one: copper lantern drifts",
    }
    done = run_posture(
        "vault",
        "passwd",
        "--rekey",
        "--vault",
        "posture.vault",
        "--db",
        "posture.db",
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    for candidate in [path, *store.backups(path)]:
        with pytest.raises(WrongPassphrase):
            fmt.open_data_key(fmt.parse(candidate.read_bytes(), candidate).header, PASSPHRASE)


def _planted(path: Path, kdf: fmt.KdfParams, count: int) -> None:
    """A vault whose header asks for `count` slots of `kdf` (header checksum made valid)."""
    vault_id = "0" * 32
    key = fmt.new_data_key()
    slots = tuple(
        fmt.make_slot(vault_id, key, b"\0" * 32, kdf, fmt.new_salt()) for _ in range(count)
    )
    path.write_bytes(fmt.seal(vault_id, 1, slots, key, b"{}"))


@pytest.mark.parametrize(
    ("kdf", "count", "why"),
    [
        (fmt.KdfParams(1024 * 1024, 10, 16), 8, "outside the caps"),  # the red team's vault
        (fmt.KdfParams(256 * 1024, 4, 8), 8, "over the budget"),  # 8 slots at the new caps
    ],
    ids=["old-maximum", "new-caps-x8"],
)
def test_a_planted_vault_of_costly_slots_is_refused_at_once(
    tmp_path: Path, kdf: fmt.KdfParams, count: int, why: str
) -> None:
    """Finding 7: 8 slots of 1 GiB / 10 passes / 16 lanes took 4 min 13 s and 1.1 GB before
    "wrong passphrase". Now: one line, before any Argon2id derivation."""
    _planted(tmp_path / "posture.vault", kdf, count)
    started = time.monotonic()
    done = run_posture(
        "vault",
        "list",
        "--vault",
        "posture.vault",
        "--db",
        "posture.db",
        cwd=tmp_path,
        env={"POSTURE_VAULT_PASSPHRASE": "guess"},
    )
    elapsed = time.monotonic() - started
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("posture: error:") and why in lines[0]
    assert elapsed < 10  # process start-up included; no derivation ran


def test_the_total_budget_still_admits_ten_default_slots() -> None:
    slots = tuple(
        fmt.KeySlot(fmt.KdfParams(64 * 1024, 3, 4), b"\0" * 16, b"\0" * 12, b"\0" * 48)
        for _ in range(8)
    )
    fmt.check_budget(slots)  # no exception


def test_the_slot_named_by_the_keyring_hint_is_tried_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = Vault.create(tmp_path / "posture.vault", Secret(PASSPHRASE))
    header = fmt.parse((tmp_path / "posture.vault").read_bytes(), tmp_path).header
    decoy = fmt.make_slot(
        header.vault_id, b"\1" * 32, b"\2" * 32, header.slots[0].kdf, fmt.new_salt()
    )
    tried: list[bytes] = []
    real = fmt.derive_slot_key

    def counting(passphrase: str, kdf: fmt.KdfParams, salt: bytes) -> bytes:
        tried.append(salt)
        return real(passphrase, kdf, salt)

    monkeypatch.setattr(fmt, "derive_slot_key", counting)
    two = fmt.Header(
        header.vault_id, 1, header.nonce, header.payload_length, (decoy, *header.slots)
    )
    fmt.open_data_key(two, PASSPHRASE, hint=vault.slot_salt)
    assert tried == [header.slots[0].salt]


def test_a_custom_plaintext_keyring_backend_is_refused(tmp_path: Path) -> None:
    """Finding 9: a plaintext backend chosen with PYTHON_KEYRING_BACKEND was accepted by
    --remember, then `vault get` worked with no passphrase."""
    Vault.create(tmp_path / "posture.vault", Secret(PASSPHRASE))
    steal = tmp_path / "stolen.json"
    env = {
        "PYTHON_KEYRING_BACKEND": "tests.security.plaintext_keyring.StealKeyring",
        "STEAL_FILE": str(steal),
        "POSTURE_VAULT_PASSPHRASE": PASSPHRASE,
    }
    done = run_posture(
        "vault",
        "list",
        "--remember",
        "--vault",
        "posture.vault",
        "--db",
        "posture.db",
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode != 0
    assert "not an OS keyring posture trusts" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not steal.exists()


def test_a_totp_seed_on_argv_is_refused_like_a_password(tmp_path: Path) -> None:
    """Finding 12: `--totp 'otpauth://...'` was only warned about."""
    Vault.create(tmp_path / "posture.vault", Secret(PASSPHRASE))
    before = (tmp_path / "posture.vault").read_bytes()
    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    uri = f"otpauth://totp/x?secret={seed}"
    done = run_posture(
        "vault",
        "set",
        "x-main",
        "--totp",
        uri,
        "--vault",
        "posture.vault",
        "--db",
        "posture.db",
        cwd=tmp_path,
        env={"POSTURE_VAULT_PASSPHRASE": PASSPHRASE},
    )
    assert done.returncode == 2
    assert "refused" in done.stderr and seed not in done.stderr + done.stdout
    assert (tmp_path / "posture.vault").read_bytes() == before
    ok = run_posture(
        "vault",
        "set",
        "x-main",
        "--totp",
        "-",
        "--vault",
        "posture.vault",
        "--db",
        "posture.db",
        cwd=tmp_path,
        input=uri + "\n",
        env={"POSTURE_VAULT_PASSPHRASE": PASSPHRASE},
    )
    assert ok.returncode == 0, ok.stderr
