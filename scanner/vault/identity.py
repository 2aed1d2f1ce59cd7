"""Personal identities for the team vault: an age X25519 key pair (entries are encrypted to its
recipient) and an Ed25519 key pair (a custodian signs the vault with it).

The secret halves live in `$XDG_CONFIG_HOME/posture/identities/PERSON.age` (mode 0600, folder
0700), encrypted with the person's own passphrase in age's scrypt passphrase mode (pyrage), or,
with `--remember`, in the OS keyring (the same allowlist of backends as the vault's key). Only
the public halves go into the inventory.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.core.errors import UsageError, VaultError
from scanner.core.files import atomic_write, read_regular
from scanner.core.secret import Secret
from scanner.inventory.keys import SIGNING_PREFIX

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

IDENTITY_ENV = "POSTURE_IDENTITY"
IDENTITY_PASSPHRASE_ENV = "POSTURE_IDENTITY_PASSPHRASE"  # noqa: S105 - a variable name
KEYRING_SERVICE = "posture-identity"
FILE_FORMAT = 1
MAX_IDENTITY_FILE = 64 * 1024
_PERSON = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


class IdentityError(VaultError):
    """An identity is missing, unreadable, or does not open with the passphrase given."""


def protect(data: bytes, passphrase: str) -> bytes:
    """age passphrase encryption (scrypt, work factor chosen by rage: about a second).

    Swapped for a cheap work factor by the test suite only (tests/kdf.py); the shipped CLI has
    no switch for it."""
    import pyrage

    return bytes(pyrage.passphrase.encrypt(data, passphrase))


def unprotect(data: bytes, passphrase: str) -> bytes | None:
    import pyrage

    try:
        return bytes(pyrage.passphrase.decrypt(data, passphrase))
    except Exception:  # pyrage.DecryptError: wrong passphrase, damage, or an absurd work factor
        return None


@dataclass(frozen=True)
class Identity:
    """One person's (or agency's) secret keys, in memory only."""

    person: str
    age_secret: Secret  # "AGE-SECRET-KEY-1..."
    signing_seed: Secret  # base64 of the 32-byte Ed25519 private key

    @classmethod
    def generate(cls, person: str) -> Identity:
        import pyrage
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        seed = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(
            person=person,
            age_secret=Secret(str(pyrage.x25519.Identity.generate())),
            signing_seed=Secret(base64.b64encode(seed).decode("ascii")),
        )

    @functools.cached_property
    def recipient(self) -> str:
        return str(self.age_identity().to_public())

    def age_identity(self) -> Any:  # pyrage.x25519.Identity, parsed once
        return self._age

    @functools.cached_property
    def _age(self) -> Any:
        import pyrage

        return pyrage.x25519.Identity.from_str(self.age_secret.reveal())

    @property
    def signing_key(self) -> str:
        from cryptography.hazmat.primitives import serialization

        raw = (
            self._private()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        return SIGNING_PREFIX + base64.b64encode(raw).decode("ascii")

    def sign(self, data: bytes) -> bytes:
        return self._private().sign(data)

    def _private(self) -> Ed25519PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(self.signing_seed.reveal()))

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "format": FILE_FORMAT,
                "person": self.person,
                "age_identity": self.age_secret.reveal(),
                "signing_seed": self.signing_seed.reveal(),
            },
            sort_keys=True,
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, person: str) -> Identity:
        try:
            value = json.loads(data.decode("utf-8"))
            if value["format"] != FILE_FORMAT or value["person"] != person:
                raise ValueError("format")
            found = cls(person, Secret(value["age_identity"]), Secret(value["signing_seed"]))
            found.recipient  # noqa: B018 - both keys must parse
            found.signing_key  # noqa: B018
        except Exception:
            raise IdentityError(f"the identity of {person} is damaged") from None
        return found


def check_person(person: str) -> str:
    if not _PERSON.fullmatch(person):
        raise UsageError(f'"{person[:60]}" is not a person or agency id')
    return person


def identities_folder() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "posture" / "identities"


def identity_file(person: str) -> Path:
    return identities_folder() / f"{check_person(person).replace(':', '_')}.age"


def save(
    identity: Identity, passphrase: Secret | None, *, keyring_store: bool = False
) -> Path | None:
    """Keep `identity`: in the OS keyring, or in its file encrypted under `passphrase`.
    An existing identity is never overwritten (IdentityError)."""
    path = identity_file(identity.person)
    if path.exists() or _keyring_get(identity.person) is not None:
        raise IdentityError(
            f"{identity.person} already has an identity; nothing was changed", path=path
        )
    if keyring_store:
        _keyring_set(identity.person, identity.to_bytes().decode("utf-8"))
        return None
    assert passphrase is not None  # noqa: S101 - the caller asked for one
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    atomic_write(
        path, protect(identity.to_bytes(), passphrase.reveal()), 0o600, error=IdentityError
    )
    return path


def load(person: str, passphrase: Callable[[], Secret]) -> Identity:
    """`person`'s identity: from the OS keyring when it holds it, else from the file (asking
    `passphrase()` only then)."""
    remembered = _keyring_get(person)
    if remembered is not None:
        return Identity.from_bytes(remembered.encode("utf-8"), person)
    path = identity_file(person)
    try:
        raw = read_regular(path, "identity file", cap=MAX_IDENTITY_FILE, error=IdentityError)
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise IdentityError(
            f"no identity for {person} here (run posture identity new {person})", path=path
        ) from None
    except OSError as exc:
        raise IdentityError(f"cannot read: {exc.strerror}", path=path) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise IdentityError(
            f"is readable or writable by group or others (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {path}",
            path=path,
        )
    data = unprotect(raw, passphrase().reveal())
    if data is None:
        raise IdentityError(f"wrong passphrase for the identity of {person}", path=path)
    return Identity.from_bytes(data, person)


def _keyring_get(person: str) -> str | None:
    from scanner.vault.passphrase import OsKeyring

    keyring = OsKeyring()
    if keyring.refusal() is not None:
        return None
    return keyring.load_text(KEYRING_SERVICE, person)


def _keyring_set(person: str, value: str) -> None:
    from scanner.vault.passphrase import OsKeyring

    OsKeyring().store_text(KEYRING_SERVICE, person, value)
