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
from scanner.core.files import read_regular
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
MAX_PASSPHRASE_FILE = 64 * 1024  # one line is read; a device or a huge file is refused

Notice = Callable[[str], None]


def _silent(message: str) -> None:
    del message


def read_passphrase_file(path: Path, option: str = "--passphrase-file") -> Secret:
    """The first line of `path`; refused when the file is readable by group or others."""
    try:
        raw = read_regular(
            path, "passphrase file", cap=MAX_PASSPHRASE_FILE, error=UsageError, field=option
        )  # first: a device or FIFO is refused as such, whatever its mode
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(
                f"is readable or writable by group or others (mode {stat.S_IMODE(mode):o}); "
                f"run: chmod 600 {path}",
                path=path,
                field=option,
            )
        text = raw.decode("utf-8")
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


def refuse_weak_passphrase(
    passphrase: Secret, context: Sequence[str] = (), *, what: str = "the vault passphrase"
) -> None:
    """UsageError (exit 2, one line, no value) for a passphrase under 15 characters or with a
    zxcvbn score under 3 against the organisation's context words: it protects every secret."""
    from scanner.passwords.strength import score_password

    length = len(passphrase.reveal())
    if length < MIN_PASSPHRASE_LENGTH:
        raise UsageError(
            f"{what} needs at least {MIN_PASSPHRASE_LENGTH} characters (this one "
            f"has {length}); nothing was written"
        )
    score = score_password(passphrase, context).score
    if score < MIN_PASSPHRASE_SCORE:
        raise UsageError(
            f"{what} is too easy to guess (zxcvbn score {score}, with the "
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

    Passphrase vaults only: `scanner.vault.unlock` (scanner/vault/opening.py) sends a team vault
    to scanner/vault/team_access.py instead.

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
    hint: bytes | None = None
    if passphrase_file is not None:
        vault = Vault.open(path, read_passphrase_file(passphrase_file), audit=audit)
    elif os.environ.get(PASSPHRASE_ENV):
        vault = Vault.open(path, Secret(os.environ[PASSPHRASE_ENV]), audit=audit)
    else:
        cached = keyring.load(header.vault_id, notice)
        if cached is not None:
            cached_key, hint = cached
            try:
                vault = Vault.open_with_slot_key(path, cached_key, audit=audit)
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
            vault = Vault.open(path, prompt(f"Passphrase for {path}"), audit=audit, hint=hint)
    if remember:
        keyring.store(vault.vault_id, vault.slot_key, vault.slot_salt)
    report_weak_slots(vault, notice)
    return vault


def report_weak_slots(vault: Vault, notice: Notice) -> None:
    """One notice per command that opens a vault with a key slot below the OWASP minimum."""
    weak = vault.weak_slots()
    if weak:
        notice(
            f"{len(weak)} key slot(s) of this vault use {weak[0].describe()}: below the OWASP "
            "minimum (19 MiB, 2 passes, 1 lane), so a copy of the file or of any backup can be "
            "brute-forced; run `posture vault rekey`"
        )


def current_passphrase(path: Path, passphrase_file: Path | None) -> Secret:
    """The vault's passphrase itself (not a cached key): a file, the environment or a prompt.
    `vault rekey` needs it to derive the new key slot."""
    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file)
    if os.environ.get(PASSPHRASE_ENV):
        return Secret(os.environ[PASSPHRASE_ENV])
    if stdin_is_terminal():
        return prompt(f"Passphrase for {path}")
    raise PassphraseUnavailable(
        f"no vault passphrase: give --passphrase-file, set {PASSPHRASE_ENV}, or run on a "
        "terminal (a key remembered in the OS keyring cannot make a new key slot)",
        path=path,
    )


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

    def load(self, vault_id: str, notice: Notice = _silent) -> tuple[bytes, bytes | None] | None:
        """(slot key, salt of its slot: the hint of which slot to try first), or None."""
        if self.refusal() is not None:
            return None
        try:
            value = self._call(_get, vault_id)
        except KeyringUnavailable as exc:
            notice(f"OS keyring skipped: {exc}")
            return None
        if not isinstance(value, str):
            return None
        return _decode_remembered(value)

    def store(self, vault_id: str, slot_key: bytes, salt: bytes | None = None) -> None:
        refusal = self.refusal()
        if refusal is not None:
            raise VaultError(f"--remember: {refusal}")
        value = base64.b64encode(slot_key).decode("ascii")
        if salt is not None:
            value = f"v2:{base64.b64encode(salt).decode('ascii')}:{value}"
        try:
            self._call(_set, vault_id, value)
        except KeyringUnavailable as exc:
            raise VaultError(f"--remember: {exc}") from None

    def load_text(self, service: str, name: str) -> str | None:
        """A value kept under (service, name), or None (also when the keyring cannot answer)."""
        try:
            value = self._call(_get, name, service)
        except KeyringUnavailable:
            return None
        return value if isinstance(value, str) else None

    def store_text(self, service: str, name: str, value: str) -> None:
        refusal = self.refusal()
        if refusal is not None:
            raise VaultError(f"--remember: {refusal}")
        try:
            self._call(_set, name, value, service)
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


# The keyring backends posture trusts with a derived vault key: the OS stores that encrypt at
# rest and are unlocked by the user's login (an allowlist: anything else, such as a plaintext
# backend selected through PYTHON_KEYRING_BACKEND or a keyring.cfg, is refused).
ALLOWED_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",  # Linux: GNOME Keyring, KeePassXC, ...
        "keyring.backends.libsecret.Keyring",  # Linux: the same store through libsecret
        "keyring.backends.kwallet.DBusKeyring",  # Linux: KDE Wallet
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.macOS.Keyring",  # macOS Keychain
        "keyring.backends.Windows.WinVaultKeyring",  # Windows Credential Locker
    }
)
_CHAINER = "keyring.backends.chainer.ChainerBackend"


def backend_name(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def backend_refusal(backend: object) -> str | None:
    """Why this keyring backend is not acceptable (None when it is on the allowlist)."""
    name = backend_name(backend)
    module = type(backend).__module__
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        return "no OS keyring is available (no Secret Service, Keychain or Credential Locker)"
    if name == _CHAINER:
        chained = list(getattr(backend, "backends", ()) or ())
        if not chained:
            return "no OS keyring is available (no Secret Service, Keychain or Credential Locker)"
        for each in chained:
            reason = backend_refusal(each)
            if reason is not None:
                return reason
        return None
    if module.startswith("keyrings.alt"):
        return (
            f"keyring backend {type(backend).__name__} from keyrings.alt is refused (plaintext "
            "or legacy storage)"
        )
    if name not in ALLOWED_BACKENDS:
        return (
            f"keyring backend {name} is not an OS keyring posture trusts (Secret Service, "
            "KDE Wallet, macOS Keychain, Windows Credential Locker); refused"
        )
    return None


def _decode_remembered(value: str) -> tuple[bytes, bytes | None] | None:
    salt: bytes | None = None
    if value.startswith("v2:"):
        parts = value.split(":")
        if len(parts) != 3:
            return None
        try:
            salt = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            return None
        value = parts[2]
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return (key, salt) if len(key) == fmt.KEY_SIZE else None


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


def _get(vault_id: str, service: str = KEYRING_SERVICE) -> object:
    import keyring

    return keyring.get_password(service, vault_id)


def _set(vault_id: str, value: str, service: str = KEYRING_SERVICE) -> None:
    import keyring

    keyring.set_password(service, vault_id, value)


def _delete(vault_id: str) -> None:
    import keyring

    keyring.delete_password(KEYRING_SERVICE, vault_id)
