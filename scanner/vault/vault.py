"""`Vault`: create, open, read and change the encrypted vault file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from scanner.core.errors import VaultError
from scanner.core.secret import Secret
from scanner.state.audit import AuditLog
from scanner.vault import format as fmt
from scanner.vault import store
from scanner.vault.entries import Entry, decode_payload, encode_payload
from scanner.vault.errors import VaultConflict, VaultDamaged, VaultExists, WrongPassphrase

T = TypeVar("T")

# The test-only KDF switch: honoured by `Vault.create` alone, and only with this exact phrase.
TEST_KDF_ENV = "POSTURE_VAULT_INSECURE_TEST_KDF"
TEST_KDF_CONSENT = "yes, create vaults that can be brute-forced in seconds, for tests only"


def test_kdf_switch_on() -> bool:
    return os.environ.get(TEST_KDF_ENV) == TEST_KDF_CONSENT


def creation_kdf(requested: fmt.KdfParams | None) -> fmt.KdfParams:
    """The KDF parameters a new key slot gets; weak ones only through the test switch."""
    test_switch = test_kdf_switch_on()
    params = requested or (fmt.TEST_KDF if test_switch else fmt.DEFAULT_KDF)
    params.check_caps()
    if params.below_recommended and not test_switch:
        raise VaultError(
            f"Argon2id memory={params.memory_kib} KiB, passes={params.iterations} is below the "
            "OWASP minimum (19 MiB, 2 passes); refusing to create such a key slot"
        )
    return params


class Vault:
    """An unlocked vault. Holds the data key in memory; every change goes through `update`."""

    def __init__(
        self,
        path: Path,
        header: fmt.Header,
        data_key: bytes,
        slot_key: bytes,
        entries: dict[str, Entry],
        audit: AuditLog | None,
        file_digest: bytes,
    ) -> None:
        self.path = path
        self.vault_id = header.vault_id
        self.revision = header.revision
        self.audit = audit
        self._slots = header.slots
        self._data_key = data_key
        self._slot_key = slot_key
        self._entries = entries
        self._file_digest = file_digest

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r}, revision={self.revision})"

    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: Secret,
        *,
        kdf: fmt.KdfParams | None = None,
        audit: AuditLog | None = None,
    ) -> Vault:
        """A new empty vault at `path` (VaultExists if one is there)."""
        if not passphrase:
            raise VaultError("the passphrase is empty")
        params = creation_kdf(kdf)
        vault_id = uuid.uuid4().hex
        data_key = fmt.new_data_key()
        salt = fmt.new_salt()
        slot_key = fmt.derive_slot_key(passphrase.reveal(), params, salt)
        slots = (fmt.make_slot(vault_id, data_key, slot_key, params, salt),)
        data = fmt.seal(vault_id, 1, slots, data_key, encode_payload({}))
        if not path.parent.is_dir():
            raise VaultError("the folder for the vault does not exist", path=path)
        with store.locked(path):
            if path.exists():
                raise VaultExists("a vault already exists here; nothing was changed", path=path)
            store.replace(path, data, previous=None, revision=None)
        sealed = fmt.parse(data, path)
        vault = cls(path, sealed.header, data_key, slot_key, {}, audit, sealed.file_digest)
        if audit is not None:
            audit.record(vault_id, [None], "init")
        return vault

    @classmethod
    def open(cls, path: Path, passphrase: Secret, *, audit: AuditLog | None = None) -> Vault:
        """Unlock with a passphrase; a distinct VaultError for each way this can fail."""
        sealed = fmt.parse(store.read(path), path)
        data_key, slot_key = fmt.open_data_key(sealed.header, passphrase.reveal())
        return cls._opened(path, sealed, data_key, slot_key, audit)

    @classmethod
    def open_with_slot_key(
        cls, path: Path, slot_key: bytes, *, audit: AuditLog | None = None
    ) -> Vault:
        """Unlock with a cached slot key (from the OS keyring); WrongPassphrase if it is stale."""
        sealed = fmt.parse(store.read(path), path)
        for slot in sealed.header.slots:
            data_key = fmt.unwrap(slot, sealed.header.vault_id, slot_key)
            if data_key is not None:
                return cls._opened(path, sealed, data_key, slot_key, audit)
        raise WrongPassphrase("the cached key no longer opens this vault", path=path)

    @classmethod
    def _opened(
        cls,
        path: Path,
        sealed: fmt.SealedFile,
        data_key: bytes,
        slot_key: bytes,
        audit: AuditLog | None,
    ) -> Vault:
        entries = _entries(fmt.open_payload(sealed, data_key, path), path)
        return cls(path, sealed.header, data_key, slot_key, entries, audit, sealed.file_digest)

    @property
    def slot_key(self) -> bytes:
        """The Argon2id output that opened this vault: what the OS keyring caches."""
        return self._slot_key

    @property
    def kdf(self) -> fmt.KdfParams:
        return self._slots[0].kdf

    def entry(self, name: str) -> Entry | None:
        return self._entries.get(name)

    def entries(self) -> Mapping[str, Entry]:
        return MappingProxyType(self._entries)

    def derive_key(self, purpose: str) -> bytes:
        """32 bytes for `purpose` (HKDF-SHA256 of the data key); e.g. keys of HMAC caches."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        info = b"posture/" + purpose.encode("utf-8")
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
            self._data_key
        )

    def update(self, change: Callable[[dict[str, Entry]], T], *, action: str) -> T:
        """Apply `change` to the latest entries under the lock and save; returns its result.

        The file is re-read under the lock, so a change another process saved meanwhile is the
        base of this one, never overwritten. Nothing is written when `change` raises.
        """
        return self._save(change, action=action, slots=None)

    def change_passphrase(self, new: Secret, *, kdf: fmt.KdfParams | None = None) -> None:
        """Re-wrap the data key under `new` (a fresh salt and slot); the payload is unchanged."""
        if not new:
            raise VaultError("the new passphrase is empty")
        # An explicit `kdf` meets the same floor as a new vault's (OWASP minimum, test switch).
        params = fmt.DEFAULT_KDF if kdf is None else creation_kdf(kdf)
        salt = fmt.new_salt()
        slot_key = fmt.derive_slot_key(new.reveal(), params, salt)
        slot = fmt.make_slot(self.vault_id, self._data_key, slot_key, params, salt)
        self._save(lambda entries: None, action="passwd", slots=(slot,))
        self._slot_key = slot_key

    def _save(
        self,
        change: Callable[[dict[str, Entry]], T],
        *,
        action: str,
        slots: tuple[fmt.KeySlot, ...] | None,
    ) -> T:
        with store.locked(self.path):
            raw = store.read(self.path)
            sealed = fmt.parse(raw, self.path)
            if sealed.header.vault_id != self.vault_id:
                raise VaultConflict(
                    "the vault file was replaced by a different vault; nothing was changed",
                    path=self.path,
                )
            if sealed.file_digest == self._file_digest:
                current = self._entries  # unchanged since this handle read or wrote it
            else:
                current = _entries(fmt.open_payload(sealed, self._data_key, self.path), self.path)
            working = dict(current)
            result = change(working)
            for name, entry in working.items():
                if not isinstance(entry, Entry) or entry.name != name:
                    raise TypeError("vault entries must be Entry objects stored under their name")
            new_slots = slots or sealed.header.slots
            revision = sealed.header.revision + 1
            data = fmt.seal(
                self.vault_id, revision, new_slots, self._data_key, encode_payload(working)
            )
            if (
                fmt.parse(store.read(self.path), self.path).header.revision
                != sealed.header.revision
            ):
                raise VaultConflict(
                    "the vault changed while saving (a writer ignored the lock); nothing was changed",
                    path=self.path,
                )
            store.replace(self.path, data, previous=raw, revision=sealed.header.revision)
            self._file_digest = fmt.parse(data, self.path).file_digest
            self._entries = working
            self._slots = new_slots
            self.revision = revision
            if self.audit is not None:
                changed = sorted(
                    name
                    for name in set(current) | set(working)
                    if current.get(name) is not working.get(name)
                    and current.get(name) != working.get(name)
                )
                self.audit.record(self.vault_id, changed or [None], action)
        return result


def _entries(payload: bytes, path: Path) -> dict[str, Entry]:
    try:
        return decode_payload(payload)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise VaultDamaged(
            "vault contents are authentic but not readable by this posture version", path=path
        ) from None
