"""`posture identity ...`: a person's own keys for the team vault. Prints public keys only."""

from __future__ import annotations

from pathlib import Path

import typer

from scanner.cli.options import InventoryOption, inventory_path

identity_app = typer.Typer(
    help="Personal identities for the team vault (age X25519 + Ed25519 signing keys).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PersonArgument = typer.Argument(..., help="Person id (or agency id) of the inventory.")
IdentityPassphraseFile = typer.Option(
    None,
    "--passphrase-file",
    help="Read the identity's passphrase from the first line of this file (mode 600).",
)


def new(
    person: str = PersonArgument,
    remember: bool = typer.Option(
        False,
        "--remember",
        help="Keep the identity in the OS keyring instead of a passphrase-encrypted file.",
    ),
    passphrase_file: Path | None = IdentityPassphraseFile,
    inventory: Path | None = InventoryOption,
) -> None:
    """Make PERSON's identity; print the age_recipient and signing_key for the inventory."""
    from scanner.core.errors import VaultError
    from scanner.vault.identity import (
        IDENTITY_PASSPHRASE_ENV,
        Identity,
        check_person,
        identity_file,
        save,
    )
    from scanner.vault.passphrase import OsKeyring, new_passphrase, refuse_weak_passphrase

    check_person(person)
    table, ref = _inventory_table(inventory, person)
    secret = None
    if remember:
        refusal = OsKeyring().refusal()
        if refusal is not None:
            raise VaultError(f"--remember: {refusal}; no identity was created")
    else:
        secret = new_passphrase(
            passphrase_file=passphrase_file,
            option="--passphrase-file",
            env=IDENTITY_PASSPHRASE_ENV,
            interactive=True,
            label=f"New passphrase for the identity of {person}",
        )
        refuse_weak_passphrase(secret, (), what="the identity passphrase")
    made = Identity.generate(ref)
    path = save(made, secret, keyring_store=remember)
    kept = "in the OS keyring" if path is None else f"in {identity_file(ref)} (mode 600)"
    typer.echo(f"created the identity of {ref}, kept {kept}")
    typer.echo(f"add to {table} in the inventory:")
    typer.echo(f'  age_recipient = "{made.recipient}"')
    typer.echo(f'  signing_key = "{made.signing_key}"')


def show(
    person: str = PersonArgument,
    passphrase_file: Path | None = IdentityPassphraseFile,
) -> None:
    """Print PERSON's public keys (unlocks the identity, so it also tests the passphrase)."""
    from scanner.vault.team_access import load_identity

    found = load_identity(person, passphrase_file)
    typer.echo(f'age_recipient = "{found.recipient}"')
    typer.echo(f'signing_key = "{found.signing_key}"')


def _inventory_table(inventory: Path | None, person: str) -> tuple[str, str]:
    """(where the keys go, the ref the identity is for): a person, or an agency (`agency:ID`)."""
    from scanner.core.errors import InputError
    from scanner.services.scan import load

    path = inventory_path(inventory)
    if inventory is None and not path.exists():
        return f'[[people]] id = "{person}"', person
    inv = load(path)
    agency_id = person.removeprefix("agency:")
    if person in inv.people:
        return f'[[people]] id = "{person}"', person
    if agency_id in inv.agencies:
        return f'[[agencies]] id = "{agency_id}"', inv.agencies[agency_id].ref
    raise InputError(f'"{person}" is not a person or agency of the inventory', path=path)


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    identity_app.command("new")(guarded(new))
    identity_app.command("show")(guarded(show))
    app.add_typer(identity_app, name="identity")
