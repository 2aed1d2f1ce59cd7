"""The vault file format (version 1): layout, key slots and the AEAD that seals the payload.

    magic "PSTV" | u16 version | u32 header length | header (canonical JSON)
    | SHA-256(magic..header) | AES-256-GCM(payload, associated data = magic..header)

The header holds the vault id, the revision, the cipher, the payload nonce and length, and the key
slots. Each slot wraps the random 256-bit data key with AES-256-GCM under a key derived from the
passphrase with Argon2id. The unkeyed SHA-256 after the header (as in KeePass KDBX4) only tells a
damaged header from a wrong passphrase; authenticity comes from the AEAD tags. All integers are
big-endian. See SECURITY.md for the full specification.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.vault.errors import (
    VaultDamaged,
    VaultKdfRefused,
    VaultNotAVault,
    VaultTrailingData,
    VaultTruncated,
    VaultVersionUnsupported,
    WrongPassphrase,
)

MAGIC = b"PSTV"
VERSION = 1
CIPHER = "AES-256-GCM"
KDF = "argon2id"
_PREAMBLE = struct.Struct(">4sHI")  # magic, version, header length
DIGEST_SIZE = 32
KEY_SIZE = 32
NONCE_SIZE = 12
SALT_SIZE = 16
TAG_SIZE = 16
MAX_HEADER = 64 * 1024
MAX_SLOTS = 8
_VAULT_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex: ASCII, and no "|" to blur the slot AD
_SLOT_AD = b"posture-vault/v1/key-slot\x00"

# Refuse to derive past these (age does the same for scrypt): a crafted header must not be able
# to make an unlock take minutes or exhaust memory. Per slot: 256 MiB, 4 passes, 8 lanes. Across
# all slots of one vault (a wrong passphrase is tried on every slot): at most 2 GiB x passes of
# Argon2id work, i.e. two maximum-cost slots or ten default ones (64 MiB x 3). Memory is never
# held for two slots at once, so the peak is one slot's memory (256 MiB).
MAX_MEMORY_KIB = 256 * 1024
MAX_ITERATIONS = 4
MAX_LANES = 8
MAX_TOTAL_WORK_KIB = 2 * 1024 * 1024  # sum over slots of memory (KiB) x passes


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: memory in KiB, passes, lanes."""

    memory_kib: int
    iterations: int
    lanes: int

    def check_caps(self) -> None:
        """Raise VaultKdfRefused unless the parameters are valid Argon2id and within the caps."""
        if not (
            1 <= self.lanes <= MAX_LANES
            and 1 <= self.iterations <= MAX_ITERATIONS
            and 8 * self.lanes <= self.memory_kib <= MAX_MEMORY_KIB
        ):
            raise VaultKdfRefused(
                f"vault asks for Argon2id memory={self.memory_kib} KiB, passes={self.iterations}, "
                f"lanes={self.lanes}: outside the caps (256 MiB, 4 passes, 8 lanes); refusing "
                "to open"
            )

    @property
    def work(self) -> int:
        """Argon2id work of one derivation, in KiB x passes (what the total budget counts)."""
        return self.memory_kib * self.iterations

    @property
    def below_recommended(self) -> bool:
        """Weaker than OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane)."""
        floor = MINIMUM_KDF
        return (
            self.memory_kib < floor.memory_kib
            or self.iterations < floor.iterations
            or self.lanes < floor.lanes
        )

    def describe(self) -> str:
        return f"Argon2id {self.memory_kib} KiB, {self.iterations} passes, {self.lanes} lanes"


DEFAULT_KDF = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
# OWASP Password Storage Cheat Sheet, Argon2id minimum. Read at call time: the test suite swaps
# both for a cheap KDF in-process (tests/conftest.py, tests/hooks/sitecustomize.py); the shipped
# CLI has no switch for it.
MINIMUM_KDF = KdfParams(memory_kib=19 * 1024, iterations=2, lanes=1)


def check_budget(slots: tuple[KeySlot, ...]) -> None:
    """Raise VaultKdfRefused when trying every slot would cost more than the total budget."""
    total = sum(slot.kdf.work for slot in slots)
    if total > MAX_TOTAL_WORK_KIB:
        raise VaultKdfRefused(
            f"vault asks for {total // 1024} MiB x passes of Argon2id work across its "
            f"{len(slots)} key slots: over the budget of {MAX_TOTAL_WORK_KIB // 1024} MiB x "
            "passes; refusing to open"
        )


@dataclass(frozen=True)
class KeySlot:
    """The data key wrapped under a passphrase-derived key."""

    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped_key: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "kdf": KDF,
            "memory_kib": self.kdf.memory_kib,
            "iterations": self.kdf.iterations,
            "lanes": self.kdf.lanes,
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "wrapped_key": _b64(self.wrapped_key),
        }

    def associated_data(self, vault_id: str) -> bytes:
        params = f"{vault_id}|{self.kdf.memory_kib}|{self.kdf.iterations}|{self.kdf.lanes}|"
        return _SLOT_AD + params.encode("ascii") + self.salt


@dataclass(frozen=True)
class Header:
    vault_id: str
    revision: int
    nonce: bytes
    payload_length: int
    slots: tuple[KeySlot, ...]

    def to_bytes(self) -> bytes:
        return canonical_json(
            {
                "cipher": CIPHER,
                "vault_id": self.vault_id,
                "revision": self.revision,
                "nonce": _b64(self.nonce),
                "payload_length": self.payload_length,
                "slots": [slot.to_json() for slot in self.slots],
            }
        )


@dataclass(frozen=True)
class SealedFile:
    """A parsed vault file whose structure and header checksum are sound; contents still sealed."""

    header: Header
    prefix: bytes
    ciphertext: bytes
    file_digest: bytes  # SHA-256 of the whole file: tells a writer the file is what it last saw


def canonical_json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def derive_slot_key(passphrase: str, kdf: KdfParams, salt: bytes) -> bytes:
    """The Argon2id key that wraps the data key in a slot (the costly step of an unlock).

    The passphrase's UTF-8 bytes; bytes that were not UTF-8 where it came from (the environment,
    a terminal in another encoding: Python keeps them as surrogate escapes) are used as given.
    """
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    kdf.check_caps()
    return Argon2id(
        salt=salt,
        length=KEY_SIZE,
        iterations=kdf.iterations,
        lanes=kdf.lanes,
        memory_cost=kdf.memory_kib,
    ).derive(passphrase.encode("utf-8", "surrogateescape"))


def make_slot(
    vault_id: str, data_key: bytes, slot_key: bytes, kdf: KdfParams, salt: bytes
) -> KeySlot:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_SIZE)
    unsealed = KeySlot(kdf=kdf, salt=salt, nonce=nonce, wrapped_key=b"")
    wrapped = AESGCM(slot_key).encrypt(nonce, data_key, unsealed.associated_data(vault_id))
    return KeySlot(kdf=kdf, salt=salt, nonce=nonce, wrapped_key=wrapped)


def new_salt() -> bytes:
    return os.urandom(SALT_SIZE)


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_SIZE)


def unwrap(slot: KeySlot, vault_id: str, slot_key: bytes) -> bytes | None:
    """The data key, or None when `slot_key` does not open this slot."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(slot_key).decrypt(
            slot.nonce, slot.wrapped_key, slot.associated_data(vault_id)
        )
    except InvalidTag:
        return None


def open_data_key(
    header: Header, passphrase: str, *, hint: bytes | None = None
) -> tuple[bytes, bytes]:
    """(data key, slot key) for the first slot the passphrase opens; WrongPassphrase otherwise.

    `hint` is the salt of the slot this user opened last (kept beside the key in the OS
    keyring): that slot is tried first, so the right passphrase costs one derivation.
    """
    check_budget(header.slots)
    ordered = sorted(header.slots, key=lambda slot: slot.salt != hint)
    for slot in ordered:
        slot_key = derive_slot_key(passphrase, slot.kdf, slot.salt)
        data_key = unwrap(slot, header.vault_id, slot_key)
        if data_key is not None:
            return data_key, slot_key
    raise WrongPassphrase("wrong passphrase: no key slot of this vault opens with it")


def seal(
    vault_id: str, revision: int, slots: tuple[KeySlot, ...], data_key: bytes, payload: bytes
) -> bytes:
    """The whole file for this payload, under a fresh nonce."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_SIZE)
    header = Header(vault_id, revision, nonce, len(payload) + TAG_SIZE, slots)
    header_bytes = header.to_bytes()
    prefix = _PREAMBLE.pack(MAGIC, VERSION, len(header_bytes)) + header_bytes
    ciphertext = AESGCM(data_key).encrypt(nonce, payload, prefix)
    return prefix + hashlib.sha256(prefix).digest() + ciphertext


def parse(raw: bytes, path: Path) -> SealedFile:
    """Check the structure and the header checksum; each kind of damage has its own error."""
    if len(raw) < _PREAMBLE.size:
        if not MAGIC.startswith(raw[: len(MAGIC)]):
            raise VaultNotAVault("not a posture vault (bad magic bytes)", path=path)
        raise VaultTruncated(f"vault file is truncated ({len(raw)} bytes)", path=path)
    magic, version, header_length = _PREAMBLE.unpack_from(raw)
    if magic != MAGIC:
        raise VaultNotAVault("not a posture vault (bad magic bytes)", path=path)
    if version != VERSION:
        raise VaultVersionUnsupported(
            f"vault format version {version} is not supported (this posture reads {VERSION})",
            path=path,
        )
    if header_length > MAX_HEADER:
        raise VaultDamaged(
            f"vault header length {header_length} is implausible: the file is damaged", path=path
        )
    end_of_prefix = _PREAMBLE.size + header_length
    if len(raw) < end_of_prefix + DIGEST_SIZE:
        raise VaultTruncated(
            f"vault file is truncated inside its header ({len(raw)} bytes) "
            "or its header length is damaged",
            path=path,
        )
    prefix = raw[:end_of_prefix]
    if not secrets.compare_digest(
        hashlib.sha256(prefix).digest(), raw[end_of_prefix : end_of_prefix + DIGEST_SIZE]
    ):
        raise VaultDamaged(
            "vault header is damaged (checksum mismatch): tampered or corrupted", path=path
        )
    header = _header(raw[_PREAMBLE.size : end_of_prefix], path)
    ciphertext = raw[end_of_prefix + DIGEST_SIZE :]
    if len(ciphertext) < header.payload_length:
        expected = end_of_prefix + DIGEST_SIZE + header.payload_length
        raise VaultTruncated(f"vault file is truncated ({len(raw)} of {expected} bytes)", path=path)
    if len(ciphertext) > header.payload_length:
        raise VaultTrailingData(
            f"vault file has {len(ciphertext) - header.payload_length} unexpected bytes after "
            "its end (appended data)",
            path=path,
        )
    return SealedFile(
        header=header,
        prefix=prefix,
        ciphertext=ciphertext,
        file_digest=hashlib.sha256(raw).digest(),
    )


def open_payload(sealed: SealedFile, data_key: bytes, path: Path) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(data_key).decrypt(sealed.header.nonce, sealed.ciphertext, sealed.prefix)
    except InvalidTag:
        raise VaultDamaged(
            "vault contents failed authentication: tampered or corrupted", path=path
        ) from None


def _header(data: bytes, path: Path) -> Header:
    def damaged(why: str) -> VaultDamaged:
        return VaultDamaged(f"vault header is malformed ({why})", path=path)

    try:
        value = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise damaged("not JSON") from None
    if not isinstance(value, dict) or canonical_json(value) != data:
        raise damaged("not canonical JSON")
    try:
        if value["cipher"] != CIPHER:
            raise damaged(f"unknown cipher {value['cipher']!r}")
        slots = value["slots"]
        if not isinstance(slots, list) or not 1 <= len(slots) <= MAX_SLOTS:
            raise damaged("bad key slot list")
        header = Header(
            vault_id=_vault_id(value["vault_id"]),
            revision=_int(value["revision"]),
            nonce=_bytes(value["nonce"], NONCE_SIZE),
            payload_length=_int(value["payload_length"]),
            slots=tuple(_slot(slot) for slot in slots),
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise damaged(type(exc).__name__) from None
    if header.payload_length < TAG_SIZE:
        raise damaged("payload length")
    for slot in header.slots:
        slot.kdf.check_caps()
    check_budget(header.slots)
    return header


def _slot(value: Mapping[str, Any]) -> KeySlot:
    if value["kdf"] != KDF:
        raise ValueError("kdf")
    return KeySlot(
        kdf=KdfParams(
            memory_kib=_int(value["memory_kib"]),
            iterations=_int(value["iterations"]),
            lanes=_int(value["lanes"]),
        ),
        salt=_bytes(value["salt"], SALT_SIZE),
        nonce=_bytes(value["nonce"], NONCE_SIZE),
        wrapped_key=_bytes(value["wrapped_key"], KEY_SIZE + TAG_SIZE),
    )


def _int(value: object) -> int:
    if type(value) is not int or value < 0:
        raise TypeError("int")
    return value


def _vault_id(value: object) -> str:
    if not isinstance(value, str) or not _VAULT_ID.fullmatch(value):
        raise ValueError("vault_id")
    return value


def _string(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("str")
    return value


def _bytes(value: object, size: int) -> bytes:
    decoded = base64.b64decode(_string(value), validate=True)
    if len(decoded) != size:
        raise ValueError("size")
    return decoded


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
