"""Stored TOTP seeds: how many bits of key they hold (RFC 4226 §4 asks for 128, recommends 160)."""

from __future__ import annotations

import base64
import binascii

from scanner.core.secret import Secret


def seed_key(secret: Secret) -> bytes | None:
    """The key bytes of a base32 seed (spaces, dashes, case and missing padding tolerated), or
    None when it is not valid base32."""
    text = "".join(secret.reveal().split()).replace("-", "").upper().rstrip("=")
    if not text:
        return None
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return None
