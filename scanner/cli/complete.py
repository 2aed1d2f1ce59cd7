"""Shell completion of values: account ids and people from the inventory, check ids from the
catalogue, platforms from the platform catalogue.

Completion runs on every Tab press, so a missing or broken inventory completes nothing rather
than printing an error into the shell.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.cli.options import INVENTORY_ENV

if TYPE_CHECKING:  # a Tab press or `--help` should not load the inventory machinery
    from scanner.inventory.accounts import Inventory


def _inventory(ctx: Any) -> Inventory | None:
    params = getattr(ctx, "params", {}) or {}
    given = params.get("inventory") or params.get("inventory_arg") or os.environ.get(INVENTORY_ENV)
    try:
        from scanner.services.scan import load

        return load(Path(given or "inventory.toml"))
    except Exception:  # a Tab press must never print a traceback
        return None


def complete_account(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Account ids of the inventory the command line names (else ./inventory.toml)."""
    inventory = _inventory(ctx)
    if inventory is None:
        return []
    return [
        (a.id, f"{a.platform}, {a.tier.value}")
        for a in inventory.accounts
        if a.id.startswith(incomplete)
    ]


def complete_person(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    inventory = _inventory(ctx)
    if inventory is None:
        return []
    found = [(p.id, p.name) for p in inventory.people.values()]
    found += [(a.ref, a.name) for a in inventory.agencies.values()]
    return [(ref, name) for ref, name in found if ref.startswith(incomplete)]


def complete_check(incomplete: str) -> list[tuple[str, str]]:
    """Check ids of the catalogue that start with what was typed."""
    import checks

    return [(c.id, c.title) for c in checks.all_checks() if c.id.startswith(incomplete)]


def complete_checks_list(incomplete: str) -> list[str]:
    """For `--checks A,B`: complete the id after the last comma, keeping the ones before."""
    head, _, last = incomplete.rpartition(",")
    prefix = f"{head}," if head else ""
    return [prefix + check_id for check_id, _ in complete_check(last)]


def complete_platform(incomplete: str) -> list[str]:
    from scanner.inventory.platforms import platform_ids

    return sorted(p for p in platform_ids() if p.startswith(incomplete))
