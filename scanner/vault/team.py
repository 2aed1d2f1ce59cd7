"""The team vault (format version 2): each entry encrypted with age to exactly its readers, the
whole file signed by a custodian with Ed25519, and a revision the state database remembers.

    magic "PSTV" | u16 version 2 | u32 body length | body (canonical JSON) | Ed25519 signature

The signature (64 bytes) covers every byte before it. The body holds the vault id, the revision,
the signer (a custodian's person id), and per entry its reader ids, their age recipients, the
age ciphertext and any rotation mark left by `vault sync`. The plaintext of an entry names the
vault id and the entry, so a ciphertext moved to another entry or vault is refused. A 32-byte
cache key (HMAC keys of the scan's caches) is encrypted to the custodians only. See SECURITY.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import secrets
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from scanner.core.errors import VaultError
from scanner.state.audit import AuditLog
from scanner.vault import store
from scanner.vault.custody import Custody
from scanner.vault.entries import Entry, decode_entry, encode_entry, utc_now
from scanner.vault.errors import (
    NotAReader,
    VaultConflict,
    VaultDamaged,
    VaultNotAVault,
    VaultRolledBack,
    VaultTruncated,
    VaultUnsigned,
)
from scanner.vault.identity import Identity, IdentityError
from scanner.vault.vault import RekeyResult, Vault

T = TypeVar("T")

MAGIC = b"PSTV"
TEAM_VERSION = 2
_PREAMBLE = struct.Struct(">4sHI")
SIGNATURE_SIZE = 64
MAX_BODY = 256 * 1024 * 1024
CACHE_KEY_SIZE = 32


def is_team_file(raw: bytes) -> bool:
    if len(raw) < _PREAMBLE.size:
        return False
    magic, version, _ = _PREAMBLE.unpack_from(raw)
    return bool(magic == MAGIC and version == TEAM_VERSION)


@dataclass(frozen=True)
class RotationMark:
    """Readers `removed` from an entry by `vault sync` at `since`: a password set before then is
    known to someone who may no longer know it."""

    since: dt.datetime
    removed: tuple[str, ...]

    def due(self, entry: Entry | None) -> bool:
        set_at = entry.password_set_at if entry is not None and entry.password else None
        return set_at is None or set_at < self.since


@dataclass(frozen=True)
class TeamFile:
    """A parsed team vault file: structure sound, signature not yet checked."""

    vault_id: str
    revision: int
    signer: str
    entries: Mapping[str, Mapping[str, Any]]
    cache: Mapping[str, Any]
    signed: bytes
    signature: bytes
    file_digest: bytes

    def mark(self, name: str) -> RotationMark | None:
        raw = self.entries[name].get("rotate")
        if raw is None:
            return None
        return RotationMark(dt.datetime.fromisoformat(raw["since"]), tuple(raw["removed"]))


@dataclass(frozen=True)
class SyncResult:
    """What `vault sync` changed: entries re-encrypted, and readers removed per entry."""

    reencrypted: tuple[str, ...] = ()
    removed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    added: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def parse_team(raw: bytes, path: Path) -> TeamFile:
    if len(raw) < _PREAMBLE.size:
        raise VaultTruncated(f"vault file is truncated ({len(raw)} bytes)", path=path)
    magic, version, length = _PREAMBLE.unpack_from(raw)
    if magic != MAGIC or version != TEAM_VERSION:
        raise VaultNotAVault("not a team vault", path=path)
    if length > MAX_BODY:
        raise VaultDamaged(f"team vault body length {length} is implausible", path=path)
    end = _PREAMBLE.size + length
    if len(raw) < end + SIGNATURE_SIZE:
        raise VaultTruncated(f"vault file is truncated ({len(raw)} bytes)", path=path)
    if len(raw) > end + SIGNATURE_SIZE:
        raise VaultDamaged("team vault has unexpected bytes after its signature", path=path)
    body = raw[_PREAMBLE.size : end]
    try:
        value = json.loads(body.decode("ascii"))
        if not isinstance(value, dict) or _canonical(value) != body or value["mode"] != "team":
            raise ValueError("canonical")
        found = TeamFile(
            vault_id=_text(value["vault_id"]),
            revision=_count(value["revision"]),
            signer=_text(value["signer"]),
            entries=_mapping(value["entries"]),
            cache=_mapping(value["cache"]),
            signed=raw[:end],
            signature=raw[end:],
            file_digest=hashlib.sha256(raw).digest(),
        )
        for record in found.entries.values():
            _mapping(record)
            _strings(record["readers"])
            _strings(record["recipients"])
            _text(record["data"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise VaultDamaged(
            "team vault body is malformed: tampered or corrupted", path=path
        ) from None
    return found


def verify(found: TeamFile, custody: Custody, path: Path) -> None:
    """Refuse a file not signed by a current custodian, or whose signature does not verify."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = custody.signing_keys.get(found.signer)
    if key is None:
        raise VaultUnsigned(
            f'the vault claims to be signed by "{found.signer[:40]}", who is not a current '
            "custodian in the inventory; refusing to open it (handing custody over? keep them "
            "in custodians until the new custodian has run posture vault sync)",
            path=path,
        )
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(found.signature, found.signed)
    except InvalidSignature:
        raise VaultUnsigned(
            f"the vault's signature does not verify with {found.signer}'s signing key: "
            "tampered, or not written by that custodian; refusing to open it",
            path=path,
        ) from None


def _encrypt(plaintext: bytes, recipients: list[str]) -> bytes:
    import pyrage

    keys = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
    return bytes(pyrage.encrypt(plaintext, keys))


def _decrypt(ciphertext: bytes, identity: Identity) -> bytes | None:
    import pyrage

    try:
        return bytes(pyrage.decrypt(ciphertext, [identity.age_identity()]))
    except Exception:  # pyrage.DecryptError: not a recipient, or damaged
        return None


def _seal_entry(vault_id: str, entry: Entry, readers: Mapping[str, str]) -> dict[str, Any]:
    plaintext = _canonical({"vault_id": vault_id, "name": entry.name, "entry": encode_entry(entry)})
    return {
        "readers": sorted(readers),
        "recipients": sorted(set(readers.values())),
        "data": base64.b64encode(_encrypt(plaintext, sorted(set(readers.values())))).decode(),
        "rotate": None,
    }


def _open_entry(found: TeamFile, name: str, identity: Identity, path: Path) -> Entry | None:
    record = found.entries[name]
    if identity.recipient not in record["recipients"]:
        return None
    plaintext = _decrypt(base64.b64decode(record["data"]), identity)
    try:
        if plaintext is None:
            raise ValueError("age")
        value = json.loads(plaintext.decode("utf-8"))
        if value["vault_id"] != found.vault_id or value["name"] != name:
            raise ValueError("moved")
        return decode_entry(name, value["entry"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise VaultDamaged(
            f'entry "{name}" does not decrypt for {identity.person}, though it lists them as a '
            "reader: tampered or corrupted",
            path=path,
        ) from None


def _seal_file(
    vault_id: str,
    revision: int,
    signer: Identity,
    entries: Mapping[str, Mapping[str, Any]],
    cache: Mapping[str, Any],
) -> bytes:
    body = _canonical(
        {
            "mode": "team",
            "vault_id": vault_id,
            "revision": revision,
            "signer": signer.person,
            "entries": dict(entries),
            "cache": dict(cache),
        }
    )
    prefix = _PREAMBLE.pack(MAGIC, TEAM_VERSION, len(body)) + body
    return prefix + signer.sign(prefix)


def _seal_cache(key: bytes, custody: Custody) -> dict[str, Any]:
    recipients = sorted(set(custody.custodians.values()))
    return {
        "readers": sorted(custody.custodians),
        "recipients": recipients,
        "data": base64.b64encode(_encrypt(key, recipients)).decode(),
    }


class TeamVault(Vault):
    """A team vault opened with one person's identity: the entries that person reads."""

    def __init__(
        self,
        path: Path,
        found: TeamFile,
        identity: Identity,
        custody: Custody,
        entries: dict[str, Entry],
        cache_key: bytes | None,
        audit: AuditLog | None,
        db: Path,
    ) -> None:
        self.path = path
        self.vault_id = found.vault_id
        self.revision = found.revision
        self.audit = audit
        self.identity = identity
        self.custody = custody
        self.db = db
        self._found = found
        self._entries = entries
        self._cache_key = cache_key
        self._file_digest = found.file_digest
        # The PWD-001 verdict recorder (services.verdicts), as for a passphrase vault.
        self.stamp: Callable[[dict[str, Entry]], object] | None = None

    def __repr__(self) -> str:
        return f"TeamVault({str(self.path)!r}, revision={self.revision}, as {self.identity.person})"

    # Opening

    @classmethod
    def open_team(
        cls,
        path: Path,
        custody: Custody,
        identity: Identity,
        *,
        db: Path,
        audit: AuditLog | None = None,
    ) -> TeamVault:
        check_identity(custody, identity)
        found = parse_team(store.read(path), path)
        verify(found, custody, path)
        check_revision(db, found, path)
        entries = {}
        for name in found.entries:
            entry = _open_entry(found, name, identity, path)
            if entry is not None:
                entries[name] = entry
        cache_key = None
        if identity.recipient in found.cache.get("recipients", ()):
            cache_key = _decrypt(base64.b64decode(found.cache["data"]), identity)
        return cls(path, found, identity, custody, entries, cache_key, audit, db)

    @classmethod
    def create_team(
        cls,
        path: Path,
        custody: Custody,
        identity: Identity,
        *,
        db: Path,
        entries: Mapping[str, Entry] | None = None,
        vault_id: str | None = None,
        revision: int = 1,
        audit: AuditLog | None = None,
        expect: bytes | None = None,
    ) -> TeamVault:
        """A new team vault (the given entries, each sealed to its readers); VaultExists if one
        is there, unless `vault_id` is given (a migration replacing that vault's file)."""
        import uuid

        from scanner.vault.errors import VaultExists

        check_custodian(custody, identity)
        new_id = vault_id or uuid.uuid4().hex
        records = {
            name: _seal_entry(new_id, entry, custody.readers(name))
            for name, entry in (entries or {}).items()
        }
        cache_key = secrets.token_bytes(CACHE_KEY_SIZE)
        data = _seal_file(new_id, revision, identity, records, _seal_cache(cache_key, custody))
        if not path.parent.is_dir():
            raise VaultError("the folder for the vault does not exist", path=path)
        with store.locked(path):
            previous = path.read_bytes() if path.exists() else None
            if previous is not None and vault_id is None:
                raise VaultExists("a vault already exists here; nothing was changed", path=path)
            if previous is not None and hashlib.sha256(previous).digest() != expect:
                raise VaultConflict(
                    "the vault changed since it was opened; nothing was changed", path=path
                )
            store.replace(
                path, data, previous=previous, revision=revision - 1 if previous else None
            )
        found = parse_team(data, path)
        record_revision(db, found.vault_id, revision)
        vault = cls(path, found, identity, custody, dict(entries or {}), cache_key, audit, db)
        if audit is not None:
            audit.record(
                new_id,
                [None],
                "init team" if vault_id is None else "migrate to team",
                revision=revision,
            )
        return vault

    # What the rest of posture reads

    def entry(self, name: str) -> Entry | None:
        if name not in self._entries and name in self._found.entries:
            readers = ", ".join(self._found.entries[name]["readers"]) or "nobody"
            raise NotAReader(
                f'{self.identity.person} is not a reader of entry "{name}" (its readers: '
                f"{readers}); ask a custodian",
                path=self.path,
            )
        return self._entries.get(name)

    def entries(self) -> Mapping[str, Entry]:
        return MappingProxyType(self._entries)

    def readers(self, name: str) -> tuple[str, ...]:
        """Reader ids the file lists for entry `name` (nothing decrypted)."""
        record = self._found.entries.get(name)
        return tuple(record["readers"]) if record else ()

    def recipients(self, name: str) -> tuple[str, ...]:
        record = self._found.entries.get(name)
        return tuple(record["recipients"]) if record else ()

    def names(self) -> tuple[str, ...]:
        return tuple(self._found.entries)

    def rotation_marks(self) -> dict[str, RotationMark]:
        """Entries `vault sync` marked for rotation whose password was set before the mark."""
        marks = {}
        for name in self._found.entries:
            mark = self._found.mark(name)
            if mark is not None and mark.due(self._entries.get(name)):
                marks[name] = mark
        return marks

    def check_writable(self) -> None:
        check_custodian(self.custody, self.identity)

    @property
    def slot_key(self) -> bytes:
        raise VaultError("a team vault has no passphrase key to remember")

    @property
    def slot_salt(self) -> bytes | None:
        return None

    def weak_slots(self) -> list[Any]:
        return []

    def derive_key(self, purpose: str) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        if self._cache_key is None and self.identity.person in self.custody.custodians:
            raise NotAReader(
                f"the vault is not encrypted to {self.identity.person} yet (a custodian added "
                "since the last sync?): a custodian who reads it must run posture vault sync "
                "first; nothing was changed",
                path=self.path,
            )
        if self._cache_key is None:
            raise VaultError(
                f"{self.identity.person} is not a custodian: scans run as a custodian "
                "(--identity PERSON or $POSTURE_IDENTITY)",
                path=self.path,
            )
        info = b"posture/team/" + purpose.encode("utf-8")
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
            self._cache_key
        )

    def change_passphrase(self, new: Any, *, kdf: Any = None) -> None:
        raise VaultError("a team vault has no passphrase: each person has an identity")

    def rekey(self, passphrase: Any, *, kdf: Any = None) -> RekeyResult:
        raise VaultError("a team vault has no passphrase: run posture vault sync instead")

    # Changing

    def update(self, change: Callable[[dict[str, Entry]], T], *, action: str) -> T:
        return self._team_save(change, action=action, resync=False)[0]

    def sync(self) -> SyncResult:
        """Re-encrypt every entry whose readers differ from the inventory's; a reader removed
        leaves a rotation mark on the entry."""
        return self._team_save(lambda entries: None, action="sync", resync=True)[1]

    def _team_save(
        self, change: Callable[[dict[str, Entry]], T], *, action: str, resync: bool
    ) -> tuple[T, SyncResult]:
        check_custodian(self.custody, self.identity)
        with store.locked(self.path):
            raw = store.read(self.path)
            found = parse_team(raw, self.path)
            verify(found, self.custody, self.path)
            if found.vault_id != self.vault_id:
                raise VaultConflict(
                    "the vault file was replaced by a different vault; nothing was changed",
                    path=self.path,
                )
            check_revision(self.db, found, self.path)
            current = self._current(found)
            working = dict(current)
            result = change(working)
            if self.stamp is not None:
                self.stamp(working)
            for name, entry in working.items():
                if not isinstance(entry, Entry) or entry.name != name:
                    raise TypeError("vault entries must be Entry objects stored under their name")
            records, synced = self._records(found, current, working, resync=resync)
            cache = self._cache_record(found)
            if resync and records == found.entries and cache is found.cache:
                self._adopt(found, current)
                return result, synced  # nothing to sync: the file stays as it is
            revision = found.revision + 1
            data = _seal_file(self.vault_id, revision, self.identity, records, cache)
            store.replace(self.path, data, previous=raw, revision=found.revision)
            record_revision(self.db, self.vault_id, revision)
        self._found = parse_team(data, self.path)
        self._file_digest = self._found.file_digest
        self._entries = working
        self.revision = revision
        if self.audit is not None:
            changed = sorted(
                name
                for name in set(current) | set(working) | set(synced.reencrypted)
                if current.get(name) != working.get(name) or name in synced.reencrypted
            )
            self.audit.record(self.vault_id, changed or [None], action, revision=revision)
        return result, synced

    def _adopt(self, found: TeamFile, entries: dict[str, Entry]) -> None:
        self._found, self._file_digest = found, found.file_digest
        self._entries, self.revision = entries, found.revision

    def _current(self, found: TeamFile) -> dict[str, Entry]:
        """Every entry of `found`: a save rewrites the whole file, so a writer that cannot read
        one entry (a custodian added since the last sync) must not save and drop it."""
        if found.file_digest == self._file_digest and set(self._entries) == set(found.entries):
            return self._entries
        entries = {}
        for name in found.entries:
            entry = _open_entry(found, name, self.identity, self.path)
            if entry is None:
                raise NotAReader(
                    f'entry "{name}" is not encrypted to {self.identity.person} yet (a custodian '
                    "added since the last sync?): a custodian who reads it must run posture "
                    "vault sync first; nothing was changed",
                    path=self.path,
                )
            entries[name] = entry
        return entries

    def _records(
        self,
        found: TeamFile,
        current: Mapping[str, Entry],
        working: Mapping[str, Entry],
        *,
        resync: bool,
    ) -> tuple[dict[str, Any], SyncResult]:
        now = utc_now()
        records: dict[str, Any] = {}
        reencrypted: list[str] = []
        removed: dict[str, tuple[str, ...]] = {}
        added: dict[str, tuple[str, ...]] = {}
        for name, entry in sorted(working.items()):
            old = found.entries.get(name)
            wanted = self.custody.readers(name)
            same_readers = old is not None and sorted(set(wanted.values())) == list(
                old["recipients"]
            )
            if old is not None and current.get(name) == entry and (same_readers or not resync):
                records[name] = _keep_mark(dict(old), found.mark(name), entry)
                continue
            record = _seal_entry(self.vault_id, entry, wanted)
            gone = self._removed(old, wanted)
            mark = found.mark(name) if old is not None else None
            if gone:
                earlier = mark.removed if mark is not None else ()
                mark = RotationMark(now, tuple(sorted({*earlier, *gone})))
                removed[name] = gone
            if old is not None and not same_readers:
                reencrypted.append(name)
                new = tuple(sorted(set(wanted) - set(old["readers"])))
                if new:
                    added[name] = new
            records[name] = _keep_mark(record, mark, entry)
        return records, SyncResult(tuple(reencrypted), removed, added)

    def _removed(self, old: Mapping[str, Any] | None, wanted: Mapping[str, str]) -> tuple[str, ...]:
        """Readers of the old ciphertext who are not readers now (by recipient: a replaced key
        counts as removed, under the id the file listed or as an unknown key)."""
        if old is None:
            return ()
        keep = set(wanted.values())
        gone = []
        for recipient in old["recipients"]:
            if recipient not in keep:
                gone.append(self.custody.who(recipient) or f"unknown key {recipient[:12]}...")
        for ref in old["readers"]:
            if ref not in wanted and ref not in gone:
                gone.append(ref)
        return tuple(sorted(set(gone)))

    def _cache_record(self, found: TeamFile) -> Mapping[str, Any]:
        wanted = sorted(set(self.custody.custodians.values()))
        if list(found.cache.get("recipients", ())) == wanted:
            return found.cache
        # A custodian left or was added: a fresh cache key (a former custodian's copy opens nothing).
        self._cache_key = secrets.token_bytes(CACHE_KEY_SIZE)
        return _seal_cache(self._cache_key, self.custody)


def _keep_mark(record: dict[str, Any], mark: RotationMark | None, entry: Entry) -> dict[str, Any]:
    """The record with its rotation mark while the mark is due (dropped once rotated)."""
    record = dict(record)
    if mark is None or not mark.due(entry):
        record["rotate"] = None
    else:
        record["rotate"] = {"since": mark.since.isoformat(), "removed": list(mark.removed)}
    return record


def check_identity(custody: Custody, identity: Identity) -> None:
    known = custody.recipients.get(identity.person)
    if known is None:
        raise IdentityError(
            f"{identity.person} has no age_recipient in the inventory: add the one "
            "`posture identity new` printed"
        )
    if known != identity.recipient:
        raise IdentityError(
            f"the identity of {identity.person} does not match the inventory's age_recipient "
            "for them (a replaced key?)"
        )


def check_custodian(custody: Custody, identity: Identity) -> None:
    check_identity(custody, identity)
    if identity.person not in custody.custodians:
        raise VaultError(
            f"{identity.person} is not a custodian of this team vault: only a custodian "
            "(the inventory's [vault] custodians) can change it"
        )
    expected = custody.signing_keys.get(identity.person)
    from scanner.inventory.keys import signing_key_bytes

    if expected is None or signing_key_bytes(identity.signing_key) != expected:
        raise IdentityError(
            f"the identity of {identity.person} does not match the inventory's signing_key"
        )


# Rollback: the highest revision this state database has seen for each team vault.


def known_revision(db: Path, vault_id: str) -> int | None:
    from scanner.state.db import StateDB

    if not db.exists():
        return None
    with StateDB(db) as state:
        rows = state.query(
            "SELECT revision FROM team_vault_revisions WHERE vault_id = ?", (vault_id,)
        )
    return int(rows[0]["revision"]) if rows else None


def record_revision(db: Path, vault_id: str, revision: int) -> None:
    from scanner.state.db import StateDB

    with StateDB(db) as state, state.transaction() as conn:
        conn.execute(
            "INSERT INTO team_vault_revisions (vault_id, revision) VALUES (?, ?) "
            "ON CONFLICT(vault_id) DO UPDATE SET revision = max(revision, excluded.revision)",
            (vault_id, revision),
        )


def check_revision(db: Path, found: TeamFile, path: Path) -> None:
    """Refuse a signed file older than one this state database has seen; remember the newest."""
    known = known_revision(db, found.vault_id)
    if known is not None and found.revision < known:
        raise VaultRolledBack(
            f"the vault is at revision {found.revision}, but revision {known} was seen before: "
            "an older signed copy was put back (rollback); refusing to open it",
            path=path,
        )
    if known is None or found.revision > known:
        record_revision(db, found.vault_id, found.revision)


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("str")
    return value


def _count(value: object) -> int:
    if type(value) is not int or value < 1:
        raise TypeError("int")
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("dict")
    return value


def _strings(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("list")
    return value


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_ = binascii  # base64 errors are ValueError subclasses (binascii.Error)


def is_team_path(path: Path) -> bool:
    """True when the file at `path` starts as a team vault (False when missing or unreadable)."""
    try:
        with path.open("rb") as handle:
            return is_team_file(handle.read(_PREAMBLE.size))
    except OSError:
        return False
