"""`scanner.vault.unlock`: a passphrase vault (format 1) opens with the vault passphrase, a team
vault (format 2) with a person's identity."""

from __future__ import annotations

from pathlib import Path

from scanner.state.audit import AuditLog
from scanner.vault import passphrase, store
from scanner.vault.team import is_team_file
from scanner.vault.team_access import TeamAccess, unlock_team
from scanner.vault.vault import Vault


def unlock(
    path: Path,
    *,
    passphrase_file: Path | None = None,
    interactive: bool = True,
    remember: bool = False,
    audit: AuditLog | None = None,
    notice: passphrase.Notice = passphrase._silent,
    team: TeamAccess | None = None,
) -> Vault:
    """Open the vault at `path`. A team vault needs `team` (the inventory, the state database
    and the identity); `passphrase_file` is then the identity's passphrase."""
    if is_team_file(store.read(path)):
        return unlock_team(
            path, team, passphrase_file=passphrase_file, interactive=interactive, audit=audit
        )
    return passphrase.unlock(
        path,
        passphrase_file=passphrase_file,
        interactive=interactive,
        remember=remember,
        audit=audit,
        notice=notice,
    )
