"""Opening a team vault: which identity (--identity PERSON or $POSTURE_IDENTITY), its passphrase
(--passphrase-file, $POSTURE_IDENTITY_PASSPHRASE, the OS keyring, a hidden prompt), the custody
the inventory asks for, and the state database that remembers revisions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.core.secret import Secret
from scanner.state.audit import AuditLog, DatabaseAudit
from scanner.vault.errors import PassphraseUnavailable
from scanner.vault.identity import (
    IDENTITY_ENV,
    IDENTITY_PASSPHRASE_ENV,
    Identity,
    IdentityError,
    check_person,
    load,
)

if TYPE_CHECKING:
    from scanner.inventory.accounts import Inventory
    from scanner.vault.team import TeamVault


class IdentityUnavailable(PassphraseUnavailable):
    """No identity was named, or its passphrase has no source (like a missing passphrase)."""


@dataclass(frozen=True)
class TeamAccess:
    """What opening a team vault needs besides the file."""

    inventory: Inventory | None
    db: Path
    identity: str | None = None  # person id; else $POSTURE_IDENTITY


def identity_name(given: str | None) -> str:
    name = given or os.environ.get(IDENTITY_ENV, "").strip()
    if not name:
        raise IdentityUnavailable(
            "this is a team vault: say whose identity opens it with --identity PERSON or "
            f"${IDENTITY_ENV}"
        )
    return check_person(name)


def identity_passphrase(person: str, passphrase_file: Path | None, interactive: bool) -> Secret:
    from scanner.vault.passphrase import prompt, read_passphrase_file, stdin_is_terminal

    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file)
    if os.environ.get(IDENTITY_PASSPHRASE_ENV):
        return Secret(os.environ[IDENTITY_PASSPHRASE_ENV])
    if interactive and stdin_is_terminal():
        return prompt(f"Passphrase of the identity of {person}")
    raise IdentityUnavailable(
        f"no passphrase for the identity of {person}: give --passphrase-file, set "
        f"{IDENTITY_PASSPHRASE_ENV}, keep it in the OS keyring (identity new --remember), or "
        "run on a terminal"
    )


def load_identity(
    given: str | None, passphrase_file: Path | None = None, *, interactive: bool = True
) -> Identity:
    person = identity_name(given)
    return load(person, lambda: identity_passphrase(person, passphrase_file, interactive))


def unlock_team(
    path: Path,
    access: TeamAccess | None,
    *,
    passphrase_file: Path | None,
    interactive: bool,
    audit: AuditLog | None,
) -> TeamVault:
    from scanner.vault.custody import custody
    from scanner.vault.team import TeamVault

    if access is None or access.inventory is None:  # a caller that cannot open team vaults
        raise IdentityError(
            "this is a team vault: its readers and custodians come from the inventory "
            "(give --inventory)",
            path=path,
        )
    wanted = custody(access.inventory)
    identity = load_identity(access.identity, passphrase_file, interactive=interactive)
    if isinstance(audit, DatabaseAudit):
        audit = DatabaseAudit(audit.db_path, identity=identity.person)
    return TeamVault.open_team(path, wanted, identity, db=access.db, audit=audit)
