"""Options shared by several commands, and the default locations beside the inventory."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

from scanner.core.errors import UsageError

INVENTORY_ENV = "POSTURE_INVENTORY"

InventoryOption = typer.Option(
    None,
    "--inventory",
    "-i",
    envvar=INVENTORY_ENV,
    help="Inventory file [default: ./inventory.toml].",
)
PolicyOption = typer.Option(None, "--policy", help="Policy file with a [policy] table.")

DB_NAME = "posture.db"
DB_ENV = "POSTURE_DB"
# No envvar here: `beside_inventory` reads $POSTURE_DB so the default stays beside the inventory.
DbOption = typer.Option(
    None, "--db", help=f"State database [default: ${DB_ENV}, else {DB_NAME} beside the inventory]."
)

VAULT_NAME = "posture.vault"
VAULT_ENV = "POSTURE_VAULT"
VaultOption = typer.Option(
    None,
    "--vault",
    help="Vault file [default: posture.vault beside the inventory; env POSTURE_VAULT].",
)
PassphraseFileOption = typer.Option(
    None,
    "--passphrase-file",
    help="Read the vault passphrase (team vault: your identity's passphrase) from the first "
    "line of this file (mode 600).",
)
IDENTITY_ENV = "POSTURE_IDENTITY"
IdentityOption = typer.Option(
    None,
    "--identity",
    metavar="PERSON",
    help="Team vault: whose identity opens it [default: $POSTURE_IDENTITY].",
)
NoVaultOption = typer.Option(
    False, "--no-vault", help="Do not open the vault (steps that need its secrets are left out)."
)


def inventory_path(*candidates: Path | None) -> Path:
    """The first inventory path given, else ./inventory.toml."""
    for candidate in candidates:
        if candidate is not None:
            return candidate
    return Path("inventory.toml")


def beside_inventory(inventory: Path, name: str, explicit: Path | None, env: str) -> Path:
    """`explicit`, else $env, else `name` in the inventory's folder."""
    if explicit is not None:
        return explicit
    if os.environ.get(env):
        return Path(os.environ[env])
    return inventory.parent / name


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f'{option}: "{value}" is not a date such as 2026-11-23') from None


# Commands that read a secret take this context setting, so that a secret typed as an argument
# reaches `refuse_stray` instead of typer's usage error, which would echo it back to stderr.
STRAY_ALLOWED = {"allow_extra_args": True}


def refuse_stray(ctx: typer.Context, what: str, how: str) -> None:
    """Refuse extra arguments without repeating them: they are likely a secret typed by mistake."""
    if ctx.args:
        raise UsageError(
            f"{what} is never taken from the command line (shell history and the process list "
            f"would keep it); nothing was changed: {how}"
        )
