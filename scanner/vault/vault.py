"""`Vault`: create, open, read and change the encrypted vault file."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


def creation_kdf(requested: fmt.KdfParams | None) -> fmt.KdfParams:
    """The KDF parameters a new key slot gets: never below the OWASP minimum."""
    params = requested or fmt.DEFAULT_KDF
    params.check_caps()
    if params.below_recommended:
        raise VaultError(
            f"{params.describe()} is below the OWASP minimum (19 MiB, 2 passes, 1 lane); "
            "refusing to create such a key slot"
        )
    return params


@dataclass(frozen=True)
class RekeyResult:
    """What a rekey did to the backups."""

    reencrypted: int
    removed: int


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
        # Run on the entries of every save, after the change: the PWD-001 verdict recorder
        # (`scanner.services.verdicts.recorder`) when the command knows the inventory.
        self.stamp: Callable[[dict[str, Entry]], object] | None = None

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
            audit.record(vault_id, [None], "init", revision=1)
        return vault

    @classmethod
    def open(
        cls,
        path: Path,
        passphrase: Secret,
        *,
        audit: AuditLog | None = None,
        hint: bytes | None = None,
    ) -> Vault:
        """Unlock with a passphrase; a distinct VaultError for each way this can fail."""
        sealed = fmt.parse(store.read(path), path)
        data_key, slot_key = fmt.open_data_key(sealed.header, passphrase.reveal(), hint=hint)
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
    def file_digest(self) -> bytes:
        """SHA-256 of the file as this handle last read or wrote it."""
        return self._file_digest

    def check_writable(self) -> None:
        """Raise before any secret is read when this handle may not save (team: not a custodian)."""

    def rotation_marks(self) -> Mapping[str, object]:
        """Entries marked for rotation by a change of readers (team vaults only)."""
        return {}

    @property
    def kdf(self) -> fmt.KdfParams:
        return self._slots[0].kdf

    @property
    def slot_salt(self) -> bytes | None:
        """The salt of the slot that opened this vault (the hint the OS keyring keeps)."""
        for slot in self._slots:
            if fmt.unwrap(slot, self.vault_id, self._slot_key) is not None:
                return slot.salt
        return None

    def weak_slots(self) -> list[fmt.KdfParams]:
        """KDF parameters of every key slot below the OWASP minimum."""
        return [slot.kdf for slot in self._slots if slot.kdf.below_recommended]

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

    def rekey(self, passphrase: Secret, *, kdf: fmt.KdfParams | None = None) -> RekeyResult:
        """A new random data key: the payload is re-encrypted under it, with one new key slot
        for `passphrase` (default KDF, fresh salt); every other slot goes. Backups the old data
        key opens are re-encrypted under the new key; any it cannot open are removed. So no old
        slot, weak or leaked, opens the vault or a backup afterwards."""
        if not passphrase:
            raise VaultError("the passphrase is empty")
        params = creation_kdf(kdf)
        new_key = fmt.new_data_key()
        salt = fmt.new_salt()
        slot_key = fmt.derive_slot_key(passphrase.reveal(), params, salt)
        slot = fmt.make_slot(self.vault_id, new_key, slot_key, params, salt)
        old_key = self._data_key
        with store.locked(self.path):
            self._data_key = new_key
            try:
                self._save_locked(lambda entries: None, action="rekey", slots=(slot,), old=old_key)
            except BaseException:
                self._data_key = old_key
                raise
            self._slot_key = slot_key
            result = self._rekey_backups(old_key, (slot,))
        return result

    def _rekey_backups(self, old_key: bytes, slots: tuple[fmt.KeySlot, ...]) -> RekeyResult:
        kept = removed = 0
        for backup in store.backups(self.path):
            try:
                sealed = fmt.parse(store.read(backup), backup)
                payload = fmt.open_payload(sealed, old_key, backup)
            except VaultError:
                store.remove_backup(backup)
                removed += 1
                continue
            data = fmt.seal(self.vault_id, sealed.header.revision, slots, self._data_key, payload)
            store.rewrite_backup(backup, data)
            kept += 1
        return RekeyResult(reencrypted=kept, removed=removed)

    def _save(
        self,
        change: Callable[[dict[str, Entry]], T],
        *,
        action: str,
        slots: tuple[fmt.KeySlot, ...] | None,
    ) -> T:
        with store.locked(self.path):
            return self._save_locked(change, action=action, slots=slots, old=self._data_key)

    def _save_locked(
        self,
        change: Callable[[dict[str, Entry]], T],
        *,
        action: str,
        slots: tuple[fmt.KeySlot, ...] | None,
        old: bytes,
    ) -> T:
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
            current = _entries(fmt.open_payload(sealed, old, self.path), self.path)
        working = dict(current)
        result = change(working)
        for name, entry in working.items():
            if not isinstance(entry, Entry) or entry.name != name:
                raise TypeError("vault entries must be Entry objects stored under their name")
        if self.stamp is not None:
            self.stamp(working)
        new_slots = slots or sealed.header.slots
        revision = sealed.header.revision + 1
        data = fmt.seal(self.vault_id, revision, new_slots, self._data_key, encode_payload(working))
        if fmt.parse(store.read(self.path), self.path).header.revision != sealed.header.revision:
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
            self.audit.record(self.vault_id, changed or [None], action, revision=revision)
        return result


def _entries(payload: bytes, path: Path) -> dict[str, Entry]:
    try:
        return decode_payload(payload)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise VaultDamaged(
            "vault contents are authentic but not readable by this posture version", path=path
        ) from None
