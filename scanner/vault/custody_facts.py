"""What the checks may know about a team vault's custody (VLT-001, ACC-003): ids, never keys."""

from __future__ import annotations

from scanner.engine.facts import EntryCustody
from scanner.inventory.accounts import Inventory
from scanner.vault.team import TeamVault


def custody_facts(inventory: Inventory, vault: object) -> dict[str, EntryCustody] | None:
    """Per account, who can decrypt its team vault entry and who should; None unless `vault`
    is a team vault. Read from the signed file's recipient lists: no key is needed or given."""
    if not isinstance(vault, TeamVault):
        return None
    wanted = vault.custody
    marks = vault.rotation_marks()
    facts = {}
    names = set(vault.names())
    for account in inventory.accounts:
        name = account.vault_entry
        if name not in names:
            continue
        recipients = vault.recipients(name)
        readers = tuple(sorted(r for r in (wanted.who(k) for k in recipients) if r is not None))
        mark = marks.get(name)
        facts[account.id] = EntryCustody(
            account_id=account.id,
            readers=readers,
            unknown_keys=sum(1 for k in recipients if wanted.who(k) is None),
            expected=tuple(sorted(wanted.readers(name))),
            keyless=wanted.keyless.get(name, ()),
            removed=mark.removed if mark else (),
            removed_at=mark.since if mark else None,
        )
    return facts
