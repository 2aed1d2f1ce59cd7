"""One scan from files to result: load, build the context, run the selected checks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import checks as catalogue_of_checks
from scanner.context import ScanContext
from scanner.errors import UsageError
from scanner.incidents import open_incidents_at
from scanner.inventory import Inventory, load_inventory
from scanner.platforms import catalogue, platform_ids
from scanner.policy import load_policy
from scanner.scan import ScanResult, run_checks
from scanner.state import default_state_path
from scanner.suppressions import SuppressionFile, apply_suppressions, load_suppressions


@dataclass(frozen=True)
class ScanRequest:
    """What the user asked a scan to do."""

    inventory: Path
    policy_file: Path | None = None
    include: Sequence[str] = field(default_factory=tuple)
    exclude: Sequence[str] = field(default_factory=tuple)
    today: dt.date | None = None
    # A suppressions file to apply; None for none.
    suppressions: Path | None = None
    # The state database (incidents, history); None: $POSTURE_DB, else posture.db beside it.
    db: Path | None = None
    # Record this scan in the database's history.
    record_history: bool = False


def load(path: Path) -> Inventory:
    """The inventory at `path`, validated against the platform catalogue."""
    return load_inventory(path, platform_ids())


def perform_scan(request: ScanRequest) -> ScanResult:
    """Load, check, apply suppressions, then record in the history database when asked."""
    inventory = load(request.inventory)
    policy = load_policy(inventory.policy_table, request.policy_file)
    selected = catalogue_of_checks.select(request.include, request.exclude)
    if not selected:
        raise UsageError("--checks/--exclude-checks leave no check to run")
    suppressions: SuppressionFile | None = None
    if request.suppressions is not None:
        suppressions = load_suppressions(request.suppressions)
    context = ScanContext(
        inventory=inventory,
        policy=policy,
        platforms=catalogue(),
        today=request.today or dt.date.today(),
        incidents=open_incidents_at(request.db or default_state_path(request.inventory)),
    )
    result = run_checks(context, selected)
    findings, review = apply_suppressions(
        result.findings,
        suppressions,
        today=context.today,
        account_ids=[a.id for a in inventory.accounts],
        check_ids=[c.id for c in selected],
    )
    result = dataclasses.replace(result, findings=findings, suppression_review=review)
    if request.record_history:
        from scanner.history import record_scan
        from scanner.state import StateDB

        with StateDB(request.db or default_state_path(request.inventory)) as db:
            result = dataclasses.replace(result, history=record_scan(db, result))
    return result
