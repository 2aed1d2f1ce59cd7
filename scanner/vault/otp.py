"""TOTP seeds: parsing `otpauth://` URIs and computing the current code (RFC 6238)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import urllib.parse
from dataclasses import dataclass

from scanner.core.errors import InputError
from scanner.core.secret import Secret

ALGORITHMS = ("SHA1", "SHA256", "SHA512")
PYOTP_MIN_BITS = 112  # pyotp refuses shorter seeds; many services still issue 80-bit ones


@dataclass(frozen=True)
class TotpSeed:
    """A TOTP seed with its otpauth fields. `secret` is the base32 text, unpadded, upper case."""

    secret: Secret
    issuer: str | None = None
    account_name: str | None = None
    digits: int = 6
    period: int = 30
    algorithm: str = "SHA1"

    @property
    def bits(self) -> int:
        """Length of the decoded key in bits (RFC 4226 asks for 128, recommends 160)."""
        return len(_decode(self.secret.reveal())) * 8

    def code(self, at: dt.datetime | None = None) -> Secret:
        """The code valid at `at` (default now)."""
        moment = at or dt.datetime.now(dt.UTC)
        key = _decode(self.secret.reveal())
        if len(key) * 8 >= PYOTP_MIN_BITS:
            import hashlib

            import pyotp

            digest = getattr(hashlib, self.algorithm.lower())
            totp = pyotp.TOTP(
                self.secret.reveal(), digits=self.digits, digest=digest, interval=self.period
            )
            return Secret(totp.at(moment))
        return Secret(_short_seed_code(key, self.digits, self.period, self.algorithm, moment))


def _short_seed_code(
    key: bytes, digits: int, period: int, algorithm: str, moment: dt.datetime
) -> str:
    # Same RFC 6238 algorithm through `cryptography`, whose key-length check can be switched off.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    hash_algorithm: hashes.SHA1 | hashes.SHA256 | hashes.SHA512
    if algorithm == "SHA256":
        hash_algorithm = hashes.SHA256()
    elif algorithm == "SHA512":
        hash_algorithm = hashes.SHA512()
    else:
        hash_algorithm = hashes.SHA1()  # noqa: S303 - RFC 6238 default; HMAC-SHA1 is sound
    totp = TOTP(key, digits, hash_algorithm, period, enforce_key_length=False)
    return totp.generate(int(moment.timestamp())).decode("ascii")


def parse_otpauth(uri: str, *, source: str = "--totp") -> TotpSeed:
    """A seed from `otpauth://totp/LABEL?secret=...`; a bare base32 secret is accepted too."""
    text = uri.strip()
    if not text.lower().startswith("otpauth://"):
        return TotpSeed(secret=Secret(_normalise(text, source)))
    parts = urllib.parse.urlsplit(text)
    if parts.netloc.lower() != "totp":
        raise InputError(
            f'only otpauth://totp/ seeds are supported, not "{parts.netloc}"', field=source
        )
    query = urllib.parse.parse_qs(parts.query)

    def one(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    secret = one("secret")
    if not secret:
        raise InputError("the otpauth URI has no secret= parameter", field=source)
    label = urllib.parse.unquote(parts.path.lstrip("/"))
    label_issuer, _, account_name = label.rpartition(":")
    algorithm = (one("algorithm") or "SHA1").upper()
    if algorithm not in ALGORITHMS:
        raise InputError(f'unsupported TOTP algorithm "{algorithm}"', field=source)
    try:
        digits = int(one("digits") or 6)
        period = int(one("period") or 30)
    except ValueError:
        raise InputError("digits and period must be whole numbers", field=source) from None
    if digits not in (6, 7, 8) or not 1 <= period <= 3600:
        raise InputError("digits must be 6-8 and period 1-3600 seconds", field=source)
    return TotpSeed(
        secret=Secret(_normalise(secret, source)),
        issuer=one("issuer") or label_issuer or None,
        account_name=account_name.strip() or None,
        digits=digits,
        period=period,
        algorithm=algorithm,
    )


def _normalise(secret: str, source: str) -> str:
    text = secret.replace(" ", "").replace("-", "").upper().rstrip("=")
    try:
        key = _decode(text)
    except (binascii.Error, ValueError):
        raise InputError("the TOTP secret is not valid base32", field=source) from None
    if not key:
        raise InputError("the TOTP secret is empty", field=source)
    return text


def _decode(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8), casefold=True)
