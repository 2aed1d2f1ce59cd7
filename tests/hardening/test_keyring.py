"""The OS keyring in every state posture meets it: no daemon (`fail`), the `null` backend, a real
plaintext `keyrings.alt` backend (refused: never read, never written), and a backend that hangs
(the timeout fires quickly and the next source is used). Complements tests/vault/test_passphrase.py,
which covers the policy in process with stand-in backends."""

from __future__ import annotations

import base64
import importlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring

from scanner.core.errors import VaultError
from scanner.core.secret import Secret
from scanner.vault import Vault, passphrase, unlock
from scanner.vault.errors import PassphraseUnavailable
from scanner.vault.passphrase import KEYRING_SERVICE, OsKeyring, backend_refusal
from tests.conftest import PASSPHRASE
from tests.vault.conftest import invoke, posture_in_process, run_posture
from tests.vault.keyring_backends import HangingKeyring

HANGING = "tests.vault.keyring_backends.HangingKeyring"


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    path = tmp_path / "posture.vault"
    Vault.create(path, Secret(PASSPHRASE))
    return path


@pytest.fixture
def plaintext(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PlaintextKeyring:
    """keyrings.alt's real plaintext file backend, its file in this test's folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    backend = PlaintextKeyring()
    assert str(tmp_path) in backend.file_path
    keyring.set_keyring(backend)
    return backend


def test_the_real_keyrings_alt_plaintext_backend_is_refused() -> None:
    assert "keyrings.alt is refused" in (backend_refusal(PlaintextKeyring()) or "")


def test_a_valid_key_in_a_plaintext_keyring_is_never_used(
    vault_path: Path, plaintext: PlaintextKeyring
) -> None:
    """Even holding the right key, a plaintext store is not read: no silent downgrade."""
    opened = Vault.open(vault_path, Secret(PASSPHRASE))
    plaintext.set_password(
        KEYRING_SERVICE, opened.vault_id, base64.b64encode(opened.slot_key).decode()
    )
    with pytest.raises(PassphraseUnavailable):
        unlock(vault_path, interactive=False)


def test_remember_never_writes_a_plaintext_keyring(
    vault_path: Path, plaintext: PlaintextKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    with pytest.raises(VaultError, match=r"keyrings\.alt is refused"):
        unlock(vault_path, remember=True)
    assert not Path(plaintext.file_path).exists()


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring], ids=["fail", "null"])
def test_without_a_usable_keyring_the_environment_works_and_remember_is_clear(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch, backend: type
) -> None:
    keyring.set_keyring(backend())
    notes: list[str] = []
    with pytest.raises(PassphraseUnavailable, match="POSTURE_VAULT_PASSPHRASE"):
        unlock(vault_path, interactive=False, notice=notes.append)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert unlock(vault_path, interactive=False, notice=notes.append)
    assert notes == []  # a missing keyring is normal on a server: no noise
    with pytest.raises(VaultError, match="no OS keyring is available"):
        unlock(vault_path, remember=True)
    with pytest.raises(VaultError, match="cannot reach the OS keyring"):
        OsKeyring().forget("0" * 32)


def test_a_hanging_keyring_times_out_and_the_prompt_is_asked(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(HangingKeyring())
    monkeypatch.setenv("POSTURE_KEYRING_TIMEOUT", "0.2")
    monkeypatch.setattr(passphrase, "stdin_is_terminal", lambda: True)
    asked: list[str] = []

    def typed(label: str) -> str:
        asked.append(label)
        return PASSPHRASE

    monkeypatch.setattr(passphrase.getpass, "getpass", typed)
    notes: list[str] = []
    started = time.monotonic()
    vault = unlock(vault_path, notice=notes.append)
    assert time.monotonic() - started < 3
    assert vault.vault_id and len(asked) == 1
    assert any("did not answer within 0.2 s" in note for note in notes)


def test_the_environment_comes_before_a_hanging_keyring(
    vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(HangingKeyring())
    monkeypatch.setenv("POSTURE_KEYRING_TIMEOUT", "30")
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    started = time.monotonic()
    assert unlock(vault_path, interactive=False)
    assert time.monotonic() - started < 5  # the keyring was never asked


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("posture: error: ")]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr
    return errors[0]


BACKEND_ERRORS = {
    "keyring.backends.fail.Keyring": "no OS keyring is available",
    "keyring.backends.null.Keyring": "no OS keyring is available",
    "keyrings.alt.file.PlaintextKeyring": "keyrings.alt is refused",
    HANGING: "did not answer within 0.3 s",
}
# Chosen by PYTHON_KEYRING_BACKEND in real `posture` processes: the refused plaintext store and
# the hanging backend (whose abandoned call must not keep the process from exiting).
REAL_PROCESS = ("keyrings.alt.file.PlaintextKeyring", HANGING)


def each_backend(tmp_path: Path, backend: str, run: Callable[..., Any]) -> None:
    """init, list, list without a passphrase, --remember, forget, with `backend` as the keyring."""
    error = BACKEND_ERRORS[backend]
    env = {
        "PYTHON_KEYRING_BACKEND": backend,
        "POSTURE_KEYRING_TIMEOUT": "0.3",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    with_passphrase = {**env, "POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    assert run("vault", "init", cwd=tmp_path, env=with_passphrase).returncode == 0
    listed = run("vault", "list", cwd=tmp_path, env=with_passphrase)
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    started = time.monotonic()
    locked_out = run("vault", "list", cwd=tmp_path, env=env)
    assert time.monotonic() - started < 20
    assert locked_out.returncode == 2
    assert "POSTURE_VAULT_PASSPHRASE" in one_error_line(locked_out.stderr)
    remember = run("vault", "list", "--remember", cwd=tmp_path, env=with_passphrase)
    assert remember.returncode == 2
    assert error in one_error_line(remember.stderr)
    forget = run("vault", "forget", cwd=tmp_path, env=env)
    assert forget.returncode == 2
    assert error in one_error_line(forget.stderr)
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("*.cfg"))


@pytest.mark.parametrize("backend", REAL_PROCESS)
def test_each_backend_through_real_posture_processes(tmp_path: Path, backend: str) -> None:
    each_backend(tmp_path, backend, run_posture)


@pytest.mark.parametrize("backend", sorted(set(BACKEND_ERRORS) - set(REAL_PROCESS)))
def test_each_other_backend_in_process(tmp_path: Path, backend: str) -> None:
    """The same steps in process, the backend installed as PYTHON_KEYRING_BACKEND would."""
    module, _, name = backend.rpartition(".")
    keyring.set_keyring(getattr(importlib.import_module(module), name)())
    each_backend(tmp_path, backend, posture_in_process)


@pytest.mark.parametrize(
    "command",
    [("vault", "init", "--remember"), ("vault", "passwd", "--remember")],
    ids=["init", "passwd"],
)
def test_a_refused_keyring_stops_remember_before_anything_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    """`init --remember` and `passwd --remember` fail up front: no vault half made, no passphrase
    changed behind an error message."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("POSTURE_NEW_VAULT_PASSPHRASE", "a brand new passphrase")
    if command[1] == "passwd":
        assert invoke("vault", "init").exit_code == 0
    before = (tmp_path / "posture.vault").read_bytes() if command[1] == "passwd" else None
    keyring.set_keyring(null.Keyring())
    result = invoke(*command)
    assert result.exit_code == 2
    assert "no OS keyring is available" in result.stderr
    if before is None:
        assert not (tmp_path / "posture.vault").exists()
    else:
        assert (tmp_path / "posture.vault").read_bytes() == before


def test_passwd_remember_with_a_keyring_that_hangs_says_the_change_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("POSTURE_NEW_VAULT_PASSPHRASE", "a brand new passphrase")
    monkeypatch.setenv("POSTURE_KEYRING_TIMEOUT", "0.2")
    assert invoke("vault", "init").exit_code == 0
    keyring.set_keyring(HangingKeyring())
    result = invoke("vault", "passwd", "--remember")
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "the passphrase WAS changed, but the new key is not remembered" in line
    assert "did not answer within 0.2 s" in line
    assert Vault.open(tmp_path / "posture.vault", Secret("a brand new passphrase"))
