"""`posture accounts`: the inventory at a glance, without scanning."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scanner.cli.complete import complete_person, complete_platform
from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    VAULT_ENV,
    VAULT_NAME,
    DbOption,
    InventoryOption,
    NoVaultOption,
    PassphraseFileOption,
    VaultOption,
    beside_inventory,
    inventory_path,
    parse_date,
)
from scanner.core.errors import UsageError
from scanner.core.model import Tier

if TYPE_CHECKING:  # the service (and all it imports) loads only when `accounts` runs
    from scanner.services.accounts import AccountRow, AccountsListing, VaultState

FORMATS = ("table", "json", "csv")
HEADERS = ("account", "platform", "tier", "owner", "mfa", "admins", "holders", "vault", "age")
TABLE_HEADERS = (*HEADERS, "case", "embargo")
JSON_VERSION = 1


def accounts(
    inventory_arg: Path | None = typer.Argument(
        None, metavar="INVENTORY", help="Inventory file [default: ./inventory.toml]."
    ),
    inventory: Path | None = InventoryOption,
    person: str | None = typer.Option(
        None,
        "--person",
        help="Only accounts this person (or agency:ID) owns, administers or knows the login of.",
        autocompletion=complete_person,
    ),
    platform: str | None = typer.Option(
        None, "--platform", help="Only accounts on this platform.", autocompletion=complete_platform
    ),
    tier: str | None = typer.Option(
        None, "--tier", help="Only this tier: critical, standard, low."
    ),
    output_format: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
    vault: Path | None = VaultOption,
    no_vault: bool = NoVaultOption,
    passphrase_file: Path | None = PassphraseFileOption,
    db: Path | None = DbOption,
    as_of: str | None = typer.Option(
        None, "--as-of", help="Judge ages and leavers as of this day."
    ),
) -> None:
    """List the inventory's accounts: owner, tier, MFA, admins, holders, vault entry, open cases.

    The vault column needs the vault unlocked without a prompt (--passphrase-file,
    POSTURE_VAULT_PASSPHRASE or a key remembered in the OS keyring); otherwise it says "locked".
    """
    from scanner.services.accounts import AccountsRequest, list_accounts

    if output_format not in FORMATS:
        raise UsageError(f'--format: "{output_format}" is not one of {", ".join(FORMATS)}')
    tiers = [t.value for t in Tier]
    if tier is not None and tier not in tiers:
        raise UsageError(f'--tier: "{tier}" is not one of {", ".join(tiers)}')
    inventory_file = inventory_path(inventory_arg, inventory)
    listing = list_accounts(
        AccountsRequest(
            inventory=inventory_file,
            vault=None
            if no_vault
            else beside_inventory(inventory_file, VAULT_NAME, vault, VAULT_ENV),
            db=beside_inventory(inventory_file, DB_NAME, db, DB_ENV),
            passphrase_file=passphrase_file,
            person=person,
            platform=platform,
            tier=Tier(tier) if tier else None,
            today=parse_date(as_of, "--as-of"),
        )
    )
    render = {"table": _table, "json": _json, "csv": _csv}[output_format]
    sys.stdout.write(render(listing))


def _age(row: AccountRow) -> str:
    return f"{row.password_age_days} d" if row.password_age_days is not None else ""


def _people(row: AccountRow, refs: tuple[str, ...]) -> str:
    """Ids joined, those who left (or whose contract ended) marked: `ingrid (left)`."""

    def mark(ref: str) -> str:
        if ref not in row.lost_access:
            return ref
        return f"{ref} ({'ended' if ref.startswith('agency:') else 'left'})"

    marked = [mark(ref) for ref in refs]
    return ", ".join(marked) or "-"


def _table(listing: AccountsListing) -> str:
    from tabulate import tabulate

    from scanner.cli.style import colour_enabled, paint

    colour = colour_enabled()
    rows = [
        (
            row.id,
            row.platform,
            row.tier,
            _people(row, (row.owner,) if row.owner else ()),
            row.mfa,
            _people(row, row.admins),
            _people(row, row.holders),
            paint(row.vault, enabled=colour),
            _age(row),
            _cases(row, colour),
            ", ".join(row.embargo),
        )
        for row in listing.rows
    ]
    cases = [(row.id, row.incident) for row in listing.rows if row.incident]
    lines = [tabulate(rows, headers=TABLE_HEADERS, tablefmt="simple", disable_numparse=True), ""]
    total = len(listing.inventory.accounts)
    shown = len(listing.rows)
    count = f"{shown} of {total} accounts" if shown != total else f"{total} accounts"
    lines.append(f"{count} in {listing.inventory.path}; vault: {_vault_note(listing.vault_state)}")
    for account_id, incident in cases:
        lines.append(f"{account_id}: {incident} (posture breach show {account_id})")
    return "\n".join(lines) + "\n"


def _cases(row: AccountRow, colour: bool) -> str:
    from scanner.cli.style import paint

    found = ([paint("open", enabled=colour) + " incident"] if row.incident else []) + list(
        row.offboarding
    )
    return ", ".join(found)


def _vault_note(state: VaultState) -> str:
    from scanner.services.accounts import VaultState

    if state is VaultState.OPEN:
        return "unlocked (entries and password ages shown)"
    if state is VaultState.LOCKED:
        return (
            "locked (give --passphrase-file or set POSTURE_VAULT_PASSPHRASE to see entries; "
            "this command never prompts)"
        )
    return "none found (posture vault init)"


def _json(listing: AccountsListing) -> str:
    document = {
        "version": JSON_VERSION,
        "inventory": str(listing.inventory.path),
        "vault": listing.vault_state.value,
        "accounts": [
            {
                "id": row.id,
                "platform": row.platform,
                "tier": row.tier,
                "owner": row.owner,
                "mfa": row.mfa,
                "admins": list(row.admins),
                "holders": list(row.holders),
                "lost_access": list(row.lost_access),
                "vault_entry": row.vault_entry,
                "vault": row.vault,
                "password_age_days": row.password_age_days,
                "incident": row.incident,
                "offboarding": list(row.offboarding),
                "embargo": list(row.embargo),
                "line": row.line,
            }
            for row in listing.rows
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _csv(listing: AccountsListing) -> str:
    from scanner.report.csv import safe_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        (*HEADERS[:-1], "lost_access", "password_age_days", "incident", "offboarding", "embargo")
    )
    for row in listing.rows:
        cells = (
            row.id,
            row.platform,
            row.tier,
            row.owner or "",
            row.mfa,
            " ".join(row.admins),
            " ".join(row.holders),
            row.vault,
            " ".join(row.lost_access),
            "" if row.password_age_days is None else str(row.password_age_days),
            row.incident or "",
            " ".join(row.offboarding),
            " ".join(row.embargo),
        )
        writer.writerow([safe_cell(cell) for cell in cells])
    return buffer.getvalue()


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    app.command("accounts")(guarded(accounts))
