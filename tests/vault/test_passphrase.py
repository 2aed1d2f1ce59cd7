import time
from pathlib import Path

import keyring
import pytest

from scanner.core.errors import UsageError, VaultError
from scanner.core.secret import Secret
from scanner.vault import Vault, unlock
from scanner.vault.errors import PassphraseUnavailable, WrongPassphrase
from scanner.vault.passphrase import OsKeyring, backend_refusal, read_passphrase_file

from .conftest import PASSPHRASE
from .keyring_backends import FileKeyring, HangingKeyring, PlaintextKeyring


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    path = tmp_path / "posture.vault"
    Vault.create(path, Secret(PASSPHRASE))
    return path


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "keyring.json"
    monkeypatch.setenv("POSTURE_TEST_KEYRING_FILE", str(store))
    keyring.set_keyring(FileKeyring())
    return store


def _secret_file(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "pass.txt"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_passphrase_file_first_line_unlocks(tmp_path: Path, vault_path: Path) -> None:
    path = _secret_file(tmp_path, PASSPHRASE + "\nignored\n", 0o600)
    assert unlock(vault_path, passphrase_file=path).vault_id


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_group_or_world_readable_passphrase_file_is_refused(tmp_path: Path, mode: int) -> None:
    path = _secret_file(tmp_path, PASSPHRASE, mode)
    with pytest.raises(UsageError, match="chmod 600"):
        read_passphrase_file(path)


def test_passphrase_file_wins_over_environment(
    tmp_path: Path, vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", "wrong one")
    path = _secret_file(tmp_path, PASSPHRASE, 0o600)
    assert unlock(vault_path, passphrase_file=path)
    with pytest.raises(WrongPassphrase):
        unlock(vault_path)


def test_environment_passphrase_unlocks(vault_path: Path, passphrase_env: str) -> None:
    assert unlock(vault_path, interactive=False)


def test_no_source_and_no_terminal_is_one_clear_error(vault_path: Path) -> None:
    with pytest.raises(PassphraseUnavailable, match="POSTURE_VAULT_PASSPHRASE"):
        unlock(vault_path, interactive=False)


def test_remember_caches_the_derived_key_not_the_passphrase(
    vault_path: Path, file_keyring: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    vault = unlock(vault_path, remember=True)
    stored = file_keyring.read_text()
    assert PASSPHRASE not in stored
    assert vault.vault_id in stored
    monkeypatch.delenv("POSTURE_VAULT_PASSPHRASE")
    assert unlock(vault_path, interactive=False).vault_id == vault.vault_id
    assert OsKeyring().forget(vault.vault_id)
    with pytest.raises(PassphraseUnavailable):
        unlock(vault_path, interactive=False)


def test_stale_cached_key_is_dropped_after_a_passphrase_change(
    vault_path: Path, file_keyring: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    vault = unlock(vault_path, remember=True)
    vault.change_passphrase(Secret("new passphrase for the vault"))
    monkeypatch.delenv("POSTURE_VAULT_PASSPHRASE")
    notes: list[str] = []
    with pytest.raises(PassphraseUnavailable):
        unlock(vault_path, interactive=False, notice=notes.append)
    assert any("stale" in note for note in notes)
    assert vault.vault_id not in file_keyring.read_text()


def test_hanging_keyring_is_skipped_within_the_timeout(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(HangingKeyring())
    monkeypatch.setenv("POSTURE_KEYRING_TIMEOUT", "0.3")
    notes: list[str] = []
    started = time.monotonic()
    with pytest.raises(PassphraseUnavailable):
        unlock(vault_path, interactive=False, notice=notes.append)
    assert time.monotonic() - started < 5
    assert any("did not answer within 0.3 s" in note for note in notes)


def test_remember_with_a_hanging_keyring_fails_clearly(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch, passphrase_env: str
) -> None:
    monkeypatch.setenv("POSTURE_KEYRING_TIMEOUT", "0.3")
    vault = unlock(vault_path)
    keyring.set_keyring(HangingKeyring())
    with pytest.raises(VaultError, match="did not answer"):
        OsKeyring().store(vault.vault_id, vault.slot_key)


def test_fail_null_and_plaintext_backends_are_refused() -> None:
    from keyring.backends import fail, null

    assert backend_refusal(fail.Keyring()) is not None
    assert backend_refusal(null.Keyring()) is not None
    assert "keyrings.alt" in (backend_refusal(PlaintextKeyring()) or "")
    assert backend_refusal(FileKeyring()) is None


def test_remember_refuses_a_plaintext_backend_before_unlocking(
    vault_path: Path, passphrase_env: str
) -> None:
    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(VaultError, match=r"keyrings\.alt is refused"):
        unlock(vault_path, remember=True)


def test_headless_fail_backend_just_works_with_the_environment(
    vault_path: Path, passphrase_env: str
) -> None:
    notes: list[str] = []
    assert unlock(vault_path, interactive=False, notice=notes.append)
    assert notes == []


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "later"])
def test_a_keyring_timeout_that_could_never_fire_is_refused(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    keyring.set_keyring(HangingKeyring())
    monkeypatch.setenv("POSTURE_KEYRING_TIMEOUT", value)
    with pytest.raises(UsageError, match="POSTURE_KEYRING_TIMEOUT must be a number of seconds"):
        unlock(vault_path, interactive=False)
