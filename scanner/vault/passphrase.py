"""Where the vault passphrase comes from, in order: a file, the environment, the OS keyring
(which caches the derived slot key, never the passphrase), a hidden prompt on a terminal."""

from __future__ import annotations

import base64
import binascii
import getpass
import math
import os
import queue
import stat
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scanner.core.errors import UsageError, VaultError
from scanner.core.secret import Secret
from scanner.state.audit import AuditLog
from scanner.vault import format as fmt
from scanner.vault import store
from scanner.vault.errors import PassphraseUnavailable, WrongPassphrase
from scanner.vault.vault import Vault

PASSPHRASE_ENV = "POSTURE_VAULT_PASSPHRASE"  # noqa: S105 - a variable name
NEW_PASSPHRASE_ENV = "POSTURE_NEW_VAULT_PASSPHRASE"  # noqa: S105 - a variable name
KEYRING_TIMEOUT_ENV = "POSTURE_KEYRING_TIMEOUT"
KEYRING_SERVICE = "posture-vault"
DEFAULT_KEYRING_TIMEOUT = 5.0

Notice = Callable[[str], None]


def _silent(message: str) -> None:
    del message


def read_passphrase_file(path: Path, option: str = "--passphrase-file") -> Secret:
    """The first line of `path`; refused when the file is readable by group or others."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(
                f"is readable or writable by group or others (mode {stat.S_IMODE(mode):o}); "
                f"run: chmod 600 {path}",
                path=path,
                field=option,
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("file not found", path=path, field=option) from None
    except UnicodeDecodeError:
        raise UsageError("is not UTF-8 text", path=path, field=option) from None
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror}", path=path, field=option) from None
    first = text.split("\n", 1)[0].removesuffix("\r")
    if not first:
        raise UsageError("the first line is empty", path=path, field=option)
    return Secret(first)


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def prompt(label: str, *, confirm: bool = False) -> Secret:
    """A hidden prompt; with `confirm`, asked twice and compared."""
    first = getpass.getpass(f"{label}: ")
    if not first:
        raise UsageError(f"{label}: nothing entered; nothing was changed")
    if confirm and getpass.getpass(f"{label} (again): ") != first:
        raise UsageError(f"{label}: the two entries differ; nothing was changed")
    return Secret(first)


def new_passphrase(
    *, passphrase_file: Path | None, option: str, env: str, interactive: bool, label: str
) -> Secret:
    """A passphrase for a new key slot: a file, the environment, or a prompt asked twice."""
    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file, option)
    if os.environ.get(env):
        return Secret(os.environ[env])
    if interactive and stdin_is_terminal():
        return prompt(label, confirm=True)
    raise PassphraseUnavailable(
        f"no passphrase: give {option}, set {env}, or run on a terminal to be asked"
    )


MIN_PASSPHRASE_LENGTH = 15
MIN_PASSPHRASE_SCORE = 3


def refuse_weak_passphrase(passphrase: Secret, context: Sequence[str] = ()) -> None:
    """UsageError (exit 2, one line, no value) for a passphrase under 15 characters or with a
    zxcvbn score under 3 against the organisation's context words: it protects every secret."""
    from scanner.passwords.strength import score_password

    length = len(passphrase.reveal())
    if length < MIN_PASSPHRASE_LENGTH:
        raise UsageError(
            f"the vault passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters (this one "
            f"has {length}); nothing was written"
        )
    score = score_password(passphrase, context).score
    if score < MIN_PASSPHRASE_SCORE:
        raise UsageError(
            f"the vault passphrase is too easy to guess (zxcvbn score {score}, with the "
            f"organisation's words; at least {MIN_PASSPHRASE_SCORE}): use four or more random "
            "words; nothing was written"
        )


def unlock(
    path: Path,
    *,
    passphrase_file: Path | None = None,
    interactive: bool = True,
    remember: bool = False,
    audit: AuditLog | None = None,
    notice: Notice = _silent,
) -> Vault:
    """Open the vault with the first passphrase source that applies (see the module docstring).

    With `remember`, the derived slot key is stored in the OS keyring afterwards. Keyring
    trouble (no daemon, a locked keyring, a refused backend) never blocks: it is skipped with a
    notice, within the keyring timeout.
    """
    header = fmt.parse(store.read(path), path).header  # damage is reported before any prompt
    keyring = OsKeyring()
    if remember:
        refusal = keyring.refusal()
        if refusal is not None:
            raise VaultError(f"--remember: {refusal}")
    vault: Vault | None = None
    if passphrase_file is not None:
        vault = Vault.open(path, read_passphrase_file(passphrase_file), audit=audit)
    elif os.environ.get(PASSPHRASE_ENV):
        vault = Vault.open(path, Secret(os.environ[PASSPHRASE_ENV]), audit=audit)
    else:
        cached = keyring.load(header.vault_id, notice)
        if cached is not None:
            try:
                vault = Vault.open_with_slot_key(path, cached, audit=audit)
            except WrongPassphrase:
                notice(
                    "the key remembered in the OS keyring is stale (passphrase changed); removed"
                )
                keyring.forget(header.vault_id, notice)
        if vault is None:
            if not (interactive and stdin_is_terminal()):
                raise PassphraseUnavailable(
                    f"no vault passphrase: give --passphrase-file, set {PASSPHRASE_ENV}, "
                    "remember it in the OS keyring (--remember), or run on a terminal",
                    path=path,
                )
            vault = Vault.open(path, prompt(f"Passphrase for {path}"), audit=audit)
    if remember:
        keyring.store(vault.vault_id, vault.slot_key)
    return vault


class KeyringUnavailable(Exception):
    """The OS keyring cannot be used now (no backend, refused backend, error or timeout)."""


class OsKeyring:
    """The OS keyring, used only through a real backend and always within a timeout."""

    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = keyring_timeout() if timeout is None else timeout

    def refusal(self) -> str | None:
        """Why the keyring cannot be used, or None when it can."""
        try:
            backend = self._call(_backend)
        except KeyringUnavailable as exc:
            return str(exc)
        return backend_refusal(backend)

    def load(self, vault_id: str, notice: Notice = _silent) -> bytes | None:
        if self.refusal() is not None:
            return None
        try:
            value = self._call(_get, vault_id)
        except KeyringUnavailable as exc:
            notice(f"OS keyring skipped: {exc}")
            return None
        if not isinstance(value, str):
            return None
        try:
            key = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        return key if len(key) == fmt.KEY_SIZE else None

    def store(self, vault_id: str, slot_key: bytes) -> None:
        refusal = self.refusal()
        if refusal is not None:
            raise VaultError(f"--remember: {refusal}")
        try:
            self._call(_set, vault_id, base64.b64encode(slot_key).decode("ascii"))
        except KeyringUnavailable as exc:
            raise VaultError(f"--remember: {exc}") from None

    def forget(self, vault_id: str, notice: Notice = _silent) -> bool:
        """Remove the cached key; False when nothing was remembered."""
        refusal = self.refusal()
        if refusal is not None:
            raise VaultError(f"cannot reach the OS keyring: {refusal}")
        try:
            if self._call(_get, vault_id) is None:
                return False
            self._call(_delete, vault_id)
        except KeyringUnavailable as exc:
            raise VaultError(f"cannot reach the OS keyring: {exc}") from None
        return True

    def _call(self, function: Callable[..., Any], *args: Any) -> Any:
        # A daemon thread: a Secret Service stuck on an unlock prompt cannot hang the process.
        answers: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

        def run() -> None:
            try:
                answers.put((True, function(*args)))
            except Exception as exc:
                answers.put((False, exc))

        threading.Thread(target=run, daemon=True, name="posture-keyring").start()
        try:
            ok, value = answers.get(timeout=self.timeout)
        except queue.Empty:
            raise KeyringUnavailable(
                f"the OS keyring did not answer within {self.timeout:g} s "
                f"(locked? set {KEYRING_TIMEOUT_ENV} to wait longer)"
            ) from None
        if not ok:
            # The type only: keyring errors may quote backend internals.
            raise KeyringUnavailable(f"the OS keyring failed ({type(value).__name__})")
        return value


def backend_refusal(backend: object) -> str | None:
    """Why this keyring backend is not acceptable (None when it is a real, encrypted store)."""
    module = type(backend).__module__
    if module.startswith("keyrings.alt"):
        return f"keyring backend {type(backend).__name__} from keyrings.alt is refused (plaintext or legacy storage)"
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        return "no OS keyring is available (no Secret Service, Keychain or Credential Locker)"
    for chained in getattr(backend, "backends", ()) or ():
        reason = backend_refusal(chained)
        if reason is not None and "keyrings.alt" in reason:
            return reason
    return None


def keyring_timeout() -> float:
    text = os.environ.get(KEYRING_TIMEOUT_ENV)
    if not text:
        return DEFAULT_KEYRING_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # queue.get(timeout=nan or inf) waits forever: a hanging keyring would hang posture.
    if not (math.isfinite(value) and value >= 0):
        raise UsageError(f"{KEYRING_TIMEOUT_ENV} must be a number of seconds, 0 or more")
    return max(value, 0.1)


def _backend() -> object:
    import keyring

    return keyring.get_keyring()


def _get(vault_id: str) -> object:
    import keyring

    return keyring.get_password(KEYRING_SERVICE, vault_id)


def _set(vault_id: str, value: str) -> None:
    import keyring

    keyring.set_password(KEYRING_SERVICE, vault_id, value)


def _delete(vault_id: str) -> None:
    import keyring

    keyring.delete_password(KEYRING_SERVICE, vault_id)
