"""One scan from files to result: load, build the context, run the selected checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import checks as catalogue_of_checks
from scanner.context import ScanContext
from scanner.errors import UsageError
from scanner.inventory import Inventory, load_inventory
from scanner.passwords.analysis import analyse
from scanner.passwords.breach import open_breach_source
from scanner.passwords.cache import ScoreCache
from scanner.passwords.facts import SecretRecord
from scanner.platforms import catalogue, platform_ids
from scanner.policy import load_policy
from scanner.scan import ScanResult, run_checks


@dataclass(frozen=True)
class ScanRequest:
    """What the user asked a scan to do."""

    inventory: Path
    policy_file: Path | None = None
    include: Sequence[str] = field(default_factory=tuple)
    exclude: Sequence[str] = field(default_factory=tuple)
    today: dt.date | None = None
    hibp: Path | None = None  # breach corpus: a sorted 40HEX:COUNT file or a prefix folder
    online: bool = False  # look passwords up in the range API instead (k-anonymity)
    hibp_url: str | None = None
    progress: bool = False  # a progress bar on stderr while passwords are scored (terminal only)
    workers: int | None = None  # scoring processes; None: every core


@dataclass(frozen=True)
class VaultSecrets:
    """What an opened vault gives a scan: its secrets and a key derived from its data key."""

    records: Sequence[SecretRecord]
    hmac_key: bytes
    cache: ScoreCache | None = None


def load(path: Path) -> Inventory:
    """The inventory at `path`, validated against the platform catalogue."""
    return load_inventory(path, platform_ids())


def perform_scan(request: ScanRequest, *, vault: VaultSecrets | None = None) -> ScanResult:
    """Load, analyse the vault's secrets when given, and run the selected checks."""
    inventory = load(request.inventory)
    policy = load_policy(inventory.policy_table, request.policy_file)
    selected = catalogue_of_checks.select(request.include, request.exclude)
    if not selected:
        raise UsageError("--checks/--exclude-checks leave no check to run")
    # Opened (and validated) even without a vault, so a bad corpus is reported at once.
    breach = open_breach_source(request.hibp, online=request.online, url=request.hibp_url)
    secrets = None
    try:
        if vault is not None and any(c.needs_secrets for c in selected):
            secrets = analyse(
                inventory,
                policy,
                vault.records,
                hmac_key=vault.hmac_key,
                cache=vault.cache,
                breach=breach,
                workers=request.workers,
                progress=request.progress,
            )
    finally:
        if breach is not None:
            breach.close()
    context = ScanContext(
        inventory=inventory,
        policy=policy,
        platforms=catalogue(),
        today=request.today or dt.date.today(),
        secrets=secrets,
    )
    return run_checks(context, selected)
