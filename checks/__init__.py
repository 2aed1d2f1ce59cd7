"""The check catalogue: one module per family, each check registered with full metadata."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence

from checks import (  # noqa: F401 - registration on import
    access,
    governance,
    incidents,
    mfa,
    ownership,
    passwords,
    vault,
)
from scanner.engine.check import Check, registered


def all_checks() -> list[Check]:
    """Every registered check, in id order."""
    return sorted(registered().values(), key=lambda c: c.id)


def get(check_id: str) -> Check | None:
    return registered().get(check_id.upper())


def select(include: Sequence[str] = (), exclude: Iterable[str] = ()) -> list[Check]:
    """Checks whose id matches any `include` pattern (all when empty) and no `exclude` pattern."""
    include = [p.upper() for p in include]
    exclude = [p.upper() for p in exclude]
    return [
        c
        for c in all_checks()
        if (not include or any(fnmatch.fnmatchcase(c.id, p) for p in include))
        and not any(fnmatch.fnmatchcase(c.id, p) for p in exclude)
    ]
