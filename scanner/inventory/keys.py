"""Team vault keys in the inventory: each person's (or agency's) public keys, and `[vault]`.

    [[people]]
    age_recipient = "age1..."          # age X25519 recipient: entries are encrypted to it
    signing_key = "ed25519:BASE64"     # Ed25519 public key: a custodian signs the vault with it

    [vault]
    mode = "team"                      # or "passphrase" (the default)
    custodians = ["it-lead", "it-2"]   # known people, each with both keys

Both keys are printed by `posture identity new PERSON`. Only public keys ever go here.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scanner.core.errors import InputError, Problems
from scanner.core.fields import CollectingTable

if TYPE_CHECKING:
    from scanner.core.tomlsource import TomlSource

SIGNING_PREFIX = "ed25519:"
_AGE_RECIPIENT = re.compile(r"age1[02-9ac-hj-np-z]{58}")
MODES = ("passphrase", "team")


@dataclass(frozen=True)
class VaultSettings:
    """`[vault] mode = "team"` and `custodians`: who runs scans and rotations and signs the vault."""

    mode: str = "passphrase"
    custodians: tuple[str, ...] = ()

    @property
    def team(self) -> bool:
        return self.mode == "team"


def signing_key_bytes(text: str) -> bytes | None:
    """The 32 raw bytes of `ed25519:BASE64`, or None when it is not that."""
    if not text.startswith(SIGNING_PREFIX):
        return None
    try:
        raw = base64.b64decode(text[len(SIGNING_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def valid_recipient(text: str) -> bool:
    """An age X25519 recipient (`age1...`, bech32 with a valid checksum)."""
    if not _AGE_RECIPIENT.fullmatch(text):
        return False
    import pyrage

    try:
        pyrage.x25519.Recipient.from_str(text)
    except Exception:  # pyrage raises its own RecipientError, or ValueError
        return False
    return True


def public_keys(table: CollectingTable) -> dict[str, str | None]:
    """`age_recipient` and `signing_key` of a person or agency table, validated."""
    recipient = table.string("age_recipient")
    signing = table.string("signing_key")
    if recipient is not None and not valid_recipient(recipient):
        table.record(
            "age_recipient",
            'is not an age X25519 recipient ("age1..." as printed by posture identity new)',
        )
    if signing is not None and signing_key_bytes(signing) is None:
        table.record(
            "signing_key",
            'is not an Ed25519 public key ("ed25519:BASE64" as printed by posture identity new)',
        )
    return {"age_recipient": recipient, "signing_key": signing}


def vault_settings(
    source: TomlSource, problems: Problems, people: Mapping[str, Any]
) -> VaultSettings:
    """`[vault]`: team mode needs custodians, each a known person with both public keys."""
    raw = source.data.get("vault")
    if raw is None:
        return VaultSettings()
    try:
        table = CollectingTable(raw, source, source.table_line("vault"), "vault", problems)
    except InputError as exc:
        problems.add(exc)
        return VaultSettings()
    table.only(("mode", "custodians"))
    mode = table.string("mode", default="passphrase") or "passphrase"
    if mode not in MODES:
        table.record("mode", f'must be "passphrase" or "team", not "{mode[:40]}"')
    custodians = table.strings("custodians")
    for ref in custodians:
        person = people.get(ref)
        if person is None:
            table.record("custodians", f'"{ref[:60]}" is not a person of the inventory')
        elif not (person.age_recipient and person.signing_key):
            table.record(
                "custodians",
                f'"{ref}" has no age_recipient or signing_key (run posture identity new {ref})',
            )
    if mode == "team" and not custodians:
        table.record("custodians", "team mode needs at least one custodian")
    return VaultSettings(mode=mode, custodians=custodians)
