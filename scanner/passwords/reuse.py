"""Reuse and near-reuse of secrets: grouping by a keyed hash, never by comparing plaintexts.

Each secret is reduced to HMAC-SHA256(key, purpose || value); accounts whose digests are equal
share the value. The key comes from the vault, so the digests are useless to anyone without it,
and they live only in memory for the length of one scan.
"""

from __future__ import annotations

import hmac
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from scanner.core.secret import Secret

# Common character swaps, undone before comparing near-identical passwords.
_SWAPS = str.maketrans(
    {"0": "o", "1": "i", "l": "i", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a", "5": "s",
     "$": "s", "7": "t", "+": "t"}
)  # fmt: skip
_TRAILING = re.compile(r"[\W\d_]+$")
# Shorter normalised forms ("" from "123456") say nothing about similarity.
MIN_NEAR_LENGTH = 4


def subkey(key: bytes, purpose: str) -> bytes:
    """A key for one purpose derived from `key`, so digests of different kinds never collide."""
    return hmac.digest(key, b"posture/" + purpose.encode("ascii"), "sha256")


def keyed_digest(key: bytes, value: str) -> bytes:
    """HMAC-SHA256 of `value` (UTF-8, lone surrogates kept) under `key` (OpenSSL's one-shot
    HMAC: a scan takes 20,000 of them at 10,000 accounts)."""
    return hmac.digest(key, value.encode("utf-8", "surrogatepass"), "sha256")


def near_form(password: str) -> str:
    """The password with case, trailing digits and symbols, and common swaps undone.

    "P@ssw0rd2024!" and "password" have the same near form.
    """
    lowered = password.lower()
    stripped = _TRAILING.sub("", lowered)
    return stripped.translate(_SWAPS)


def groups(digests: Mapping[str, bytes]) -> dict[str, tuple[str, ...]]:
    """For each account id, the other account ids with the same digest (sorted)."""
    by_digest: defaultdict[bytes, list[str]] = defaultdict(list)
    for account_id, digest in digests.items():
        by_digest[digest].append(account_id)
    result: dict[str, tuple[str, ...]] = {}
    for members in by_digest.values():
        for account_id in members:
            result[account_id] = tuple(sorted(m for m in members if m != account_id))
    return result


def near_groups(
    exact: Mapping[str, bytes], near: Mapping[str, bytes]
) -> dict[str, tuple[str, ...]]:
    """For each account id, the others whose near form matches but whose exact value differs."""
    same_near = groups(near)
    result: dict[str, tuple[str, ...]] = {}
    for account_id, others in same_near.items():
        result[account_id] = tuple(o for o in others if exact[o] != exact[account_id])
    return result


def near_digests(key: bytes, passwords: Iterable[tuple[str, str]]) -> dict[str, bytes]:
    """Digest of each (account id, password)'s near form; forms too short to compare are left out."""
    result = {}
    for account_id, password in passwords:
        form = near_form(password)
        if len(form) >= MIN_NEAR_LENGTH:
            result[account_id] = keyed_digest(key, form)
    return result


def exact_digests(passwords: Mapping[str, Secret], hmac_key: bytes) -> dict[str, bytes]:
    """Each account's password digest: equal digests, equal passwords."""
    exact_key = subkey(hmac_key, "reuse-exact")
    return {
        account_id: keyed_digest(exact_key, password.reveal())
        for account_id, password in passwords.items()
    }


class Grouping:
    """Which accounts share a password exactly or nearly, from keyed digests only."""

    def __init__(self, passwords: Mapping[str, Secret], hmac_key: bytes) -> None:
        self.exact = exact_digests(passwords, hmac_key)
        near = near_digests(
            subkey(hmac_key, "reuse-near"),
            ((account_id, password.reveal()) for account_id, password in passwords.items()),
        )
        self.same = groups(self.exact)
        self.similar = near_groups(self.exact, near)
