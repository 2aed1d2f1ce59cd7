"""`vault migrate --to team|passphrase`: the same entries (values, history, TOTP seeds, recovery
codes, pending rotations), the same vault id, the next revision, in the other format. The file
replaced is kept among the backups."""

from __future__ import annotations

import hashlib
from pathlib import Path

from scanner.core.errors import VaultError
from scanner.core.secret import Secret
from scanner.state.audit import AuditLog
from scanner.vault import format as fmt
from scanner.vault import store
from scanner.vault.custody import Custody
from scanner.vault.entries import encode_payload
from scanner.vault.errors import VaultConflict
from scanner.vault.identity import Identity
from scanner.vault.team import TeamVault, check_custodian
from scanner.vault.vault import Vault, creation_kdf


def to_team(
    vault: Vault, custody: Custody, identity: Identity, *, db: Path, audit: AuditLog | None
) -> TeamVault:
    """Replace a passphrase vault by a team vault holding the same entries."""
    if isinstance(vault, TeamVault):
        raise VaultError("the vault is already a team vault; nothing was changed", path=vault.path)
    check_custodian(custody, identity)
    return TeamVault.create_team(
        vault.path,
        custody,
        identity,
        db=db,
        entries=dict(vault.entries()),
        vault_id=vault.vault_id,
        revision=vault.revision + 1,
        audit=audit,
        expect=vault.file_digest,
    )


def to_passphrase(vault: Vault, passphrase: Secret, *, audit: AuditLog | None) -> int:
    """Replace a team vault by a passphrase vault holding the same entries; the new revision."""
    if not isinstance(vault, TeamVault):
        raise VaultError(
            "the vault already uses a passphrase; nothing was changed", path=vault.path
        )
    check_custodian(vault.custody, vault.identity)
    if set(vault.entries()) != set(vault.names()):
        raise VaultError("a custodian must read every entry to migrate", path=vault.path)
    params = creation_kdf(None)
    data_key = fmt.new_data_key()
    salt = fmt.new_salt()
    slot_key = fmt.derive_slot_key(passphrase.reveal(), params, salt)
    slots = (fmt.make_slot(vault.vault_id, data_key, slot_key, params, salt),)
    revision = vault.revision + 1
    data = fmt.seal(vault.vault_id, revision, slots, data_key, encode_payload(vault.entries()))
    with store.locked(vault.path):
        previous = store.read(vault.path)
        if hashlib.sha256(previous).digest() != vault.file_digest:
            raise VaultConflict(
                "the vault changed since it was opened; nothing was changed", path=vault.path
            )
        store.replace(vault.path, data, previous=previous, revision=vault.revision)
    if audit is not None:
        audit.record(vault.vault_id, [None], "migrate to passphrase", revision=revision)
    return revision
