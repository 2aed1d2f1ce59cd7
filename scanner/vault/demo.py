"""The throwaway demo vault: example secrets (weak, reused, strong) for the example inventory."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.core.datafile import Key, Kind, Schema, load_data_file, shipped_path
from scanner.core.files import atomic_write
from scanner.core.secret import Secret
from scanner.inventory.accounts import Inventory
from scanner.inventory.platforms import catalogue, platform_for
from scanner.state.audit import AuditLog
from scanner.vault.entries import Entry
from scanner.vault.generate import generate_password
from scanner.vault.otp import TotpSeed, parse_otpauth
from scanner.vault.vault import Vault

DEMO_SCHEMA: Schema = {
    "passphrase": Key(Kind.STRING, required=True),
    "entries": Key(
        Kind.TABLES,
        required=True,
        fields={
            "account": Key(Kind.STRING, required=True),
            "password": Key(Kind.STRING, required=True),
            "set_on": Key(Kind.DATE, required=True),
            "totp": Key(Kind.STRING),
            "recovery_codes": Key(Kind.STRINGS),
            "breached": Key(Kind.INTEGER, minimum=1),
        },
    ),
}


def demo_data() -> Mapping[str, Any]:
    """`data/demo_vault.toml`, validated by `DEMO_SCHEMA`."""
    return load_data_file(shipped_path("data/demo_vault.toml"), DEMO_SCHEMA, "demo data").data


@dataclass(frozen=True)
class DemoVault:
    vault: Vault
    passphrase: Secret


def build_demo_vault(
    path: Path, inventory: Inventory, *, audit: AuditLog | None = None
) -> DemoVault:
    """Create the demo vault at `path` from `data/demo_vault.toml` (demo-only passphrase)."""
    data = demo_data()
    passphrase = Secret(data["passphrase"])
    platforms = catalogue()
    entries: dict[str, Entry] = {}
    for record in data["entries"]:
        account = inventory.account(record["account"])
        set_at = dt.datetime.combine(record["set_on"], dt.time(9), dt.UTC)
        password = record["password"]
        value = (
            generate_password(platform_for(account.platform, platforms).password)
            if password == "generate"  # noqa: S105 - the keyword, not a password
            else Secret(password)
        )
        entry = Entry(account.vault_entry).with_password(value, set_at, "demo")
        totp = record.get("totp")
        seed: TotpSeed | None = None
        if totp == "generate":
            seed = TotpSeed(Secret(base64.b32encode(os.urandom(20)).decode("ascii")))
        elif totp:
            seed = parse_otpauth(totp)
        entries[entry.name] = Entry(
            name=entry.name,
            password=entry.password,
            password_set_at=entry.password_set_at,
            totp=seed,
            recovery_codes=tuple(Secret(code) for code in record.get("recovery_codes", [])),
        )
    vault = Vault.create(path, passphrase, audit=audit)
    vault.update(lambda current: current.update(entries), action="demo")
    return DemoVault(vault=vault, passphrase=passphrase)


def write_demo_breach_corpus(path: Path) -> int:
    """A tiny stand-in for the Pwned Passwords file: the demo passwords marked `breached`, among
    random hashes, as sorted `40HEX:COUNT` lines. Returns how many lines it wrote."""
    import hashlib

    data = demo_data()
    lines = {
        hashlib.sha1(record["password"].encode(), usedforsecurity=False)
        .hexdigest()
        .upper(): record["breached"]
        for record in data["entries"]
        if "breached" in record
    }
    while len(lines) < 1_000:
        lines[os.urandom(20).hex().upper()] = 1 + os.urandom(1)[0]
    text = "".join(f"{digest}:{count}\n" for digest, count in sorted(lines.items()))
    atomic_write(path, text.encode("ascii"))
    return len(lines)
