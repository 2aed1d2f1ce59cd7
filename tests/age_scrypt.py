"""A cheap age passphrase encryptor for the test suite only: the age v1 format with an scrypt
stanza at work factor 2**CHEAP_LOG_N, so that identities open in milliseconds. The shipped CLI
always uses pyrage.passphrase.encrypt (rage picks a work factor of about a second); decryption
is pyrage's in both cases, so every file this writes is checked by the real age implementation.
Format: https://github.com/C2SP/C2SP/blob/main/age.md
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CHEAP_LOG_N = 2
_CHUNK = 64 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt or None, info=info).derive(ikm)


def encrypt(plaintext: bytes, passphrase: str, log_n: int = CHEAP_LOG_N) -> bytes:
    file_key = os.urandom(16)
    salt = os.urandom(16)
    wrap_key = hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=b"age-encryption.org/v1/scrypt" + salt,
        n=2**log_n,
        r=8,
        p=1,
        dklen=32,
    )
    body = ChaCha20Poly1305(wrap_key).encrypt(b"\x00" * 12, file_key, None)
    header = f"age-encryption.org/v1\n-> scrypt {_b64(salt)} {log_n}\n{_b64(body)}\n---".encode()
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    nonce = os.urandom(16)
    key = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    chunks = [plaintext[i : i + _CHUNK] for i in range(0, len(plaintext), _CHUNK)] or [b""]
    sealed = b"".join(
        key.encrypt(
            counter.to_bytes(11, "big") + (b"\x01" if counter == len(chunks) - 1 else b"\x00"),
            chunk,
            None,
        )
        for counter, chunk in enumerate(chunks)
    )
    return header + b" " + _b64(mac).encode() + b"\n" + nonce + sealed
