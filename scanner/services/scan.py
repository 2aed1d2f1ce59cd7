"""One scan from files to result: load, open the vault, analyse secrets, run the checks,
apply suppressions, record history."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import checks as catalogue_of_checks
from scanner.breach.incidents import open_incidents_at
from scanner.core.errors import InputError, UsageError
from scanner.core.secret import Secret
from scanner.engine.check import Check
from scanner.engine.context import ScanContext
from scanner.engine.facts import EntryCustody, HandbookFacts, PasswordFacts, SecretRecord
from scanner.engine.run import ScanResult, run_checks
from scanner.engine.suppressions import apply_suppressions, load_suppressions
from scanner.inventory.accounts import Inventory, load_inventory
from scanner.inventory.platforms import catalogue, stale_warnings
from scanner.inventory.policy import Policy, load_policy
from scanner.offboard.cases import open_offboardings_at
from scanner.passwords.analysis import analyse
from scanner.passwords.corpus import open_breach_source
from scanner.state.db import StateDB, default_state_path
from scanner.state.scores import ScoreCache

HMAC_PURPOSE = "password-analysis"


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
    # The state database (incidents, history, score cache); None: $POSTURE_DB or beside it.
    db: Path | None = None
    # Record this scan in the database's history.
    record_history: bool = False
    # The vault whose secrets the password checks read; None: no vault (they are skipped).
    vault: Path | None = None
    # False: a vault path that does not exist just skips the password checks (the default
    # location); True: it is an error (the user named it).
    vault_required: bool = False
    passphrase_file: Path | None = None
    # Team vault: whose identity opens it (None: $POSTURE_IDENTITY).
    identity: str | None = None
    hibp: Path | None = None  # breach corpus: a sorted 40HEX:COUNT file or a prefix folder
    online: bool = False  # look passwords up in the range API instead (k-anonymity)
    hibp_url: str | None = None
    hibp_timeout: float | None = None  # seconds per range look-up, all attempts included
    progress: bool = False  # a progress bar on stderr while passwords are scored (terminal only)
    workers: int | None = None  # scoring processes; None: every core


@dataclass(frozen=True)
class VaultSecrets:
    """What an opened vault gives a scan: its secrets and a key derived from its data key."""

    records: Sequence[SecretRecord]
    hmac_key: bytes
    # Passwords of the extra entries asked for by name (for example notification channels).
    extra: Mapping[str, Secret] = field(default_factory=dict)
    # Team vault: who can decrypt each account's entry; None for a passphrase vault.
    custody: Mapping[str, EntryCustody] | None = None


def load(path: Path) -> Inventory:
    """The inventory at `path`, validated against the platform catalogue."""
    return load_inventory(path, catalogue())


def state_path(request: ScanRequest) -> Path:
    return request.db or default_state_path(request.inventory)


def open_vault_secrets(
    path: Path,
    inventory: Inventory,
    *,
    passphrase_file: Path | None = None,
    notice: Callable[[str], None] | None = None,
    extra_entries: Sequence[str] = (),
    db: Path | None = None,
    identity: str | None = None,
) -> VaultSecrets:
    """Unlock the vault (passphrase sources in the documented order) and read what scans need."""
    from scanner.passwords.records import records_from_vault
    from scanner.vault import unlock
    from scanner.vault.custody_facts import custody_facts
    from scanner.vault.team_access import TeamAccess

    team = TeamAccess(inventory, db or default_state_path(inventory.path), identity)
    vault = unlock(
        path, passphrase_file=passphrase_file, notice=notice or (lambda _: None), team=team
    )
    extra = {}
    for name in extra_entries:
        entry = vault.entry(name)
        if entry is not None and entry.password is not None:
            extra[name] = entry.password
    return VaultSecrets(
        records=records_from_vault(inventory, vault.entries()),
        hmac_key=vault.derive_key(HMAC_PURPOSE),
        extra=extra,
        custody=custody_facts(inventory, vault),
    )


def perform_scan(
    request: ScanRequest,
    *,
    vault: VaultSecrets | None = None,
    inventory: Inventory | None = None,
) -> ScanResult:
    """Load, analyse the vault's secrets when there is a vault, check, suppress, record.

    `vault` and `inventory`, when given, were already opened and loaded from the request's paths.
    """
    inventory = inventory or load(request.inventory)
    policy = load_policy(inventory.policy_table, request.policy_file)
    selected = catalogue_of_checks.select(request.include, request.exclude)
    if not selected:
        raise UsageError("--checks/--exclude-checks leave no check to run")
    suppressions = load_suppressions(request.suppressions) if request.suppressions else None
    notes: list[str] = []
    vault = vault or _open_vault(request, inventory, notes)
    if vault is not None:
        notes += _pending_notes(vault.records)
    strength = any(c.needs_strength for c in selected)
    with _score_cache(request, wanted=vault is not None and strength) as cache:
        secrets = (
            _analyse(request, inventory, policy, vault, cache, strength=strength)
            if any(c.needs_secrets for c in selected)
            else None
        )
    notes += _held_notes(secrets, selected)
    context = _context(request, inventory, policy, secrets, vault.custody if vault else None)
    result = run_checks(context, selected)
    stale = stale_warnings(
        (a.platform for a in inventory.accounts), context.today, context.platforms
    )
    findings, review = apply_suppressions(
        result.findings,
        suppressions,
        today=context.today,
        account_ids=[a.id for a in inventory.accounts],
        check_ids=[c.id for c in selected],
    )
    result = dataclasses.replace(
        result,
        findings=findings,
        suppression_review=review,
        notes=(*result.notes, *notes, *stale),
        warnings=(*result.warnings, *stale),
    )
    if request.record_history:
        from scanner.state.scans import record_scan

        with StateDB(state_path(request)) as db:
            result = result.with_history(record_scan(db, result))
    return result


def _held_notes(secrets: PasswordFacts | None, selected: Sequence[Check]) -> list[str]:
    """The one aggregate line for PWD-001 verdicts kept from before a policy or context edit."""
    if secrets is None or not secrets.held or all(c.id != "PWD-001" for c in selected):
        return []
    return [held_notice(secrets.held)]


def held_notice(held: int) -> str:
    """The one line a scan gives for every password whose recorded verdict it keeps."""
    some = "1 stored password was" if held == 1 else f"{held} stored passwords were"
    return (
        f"The password policy or context words changed since {some} set: their PWD-001 "
        "verdicts stand as recorded and apply the new rules at their next rotation (or "
        "`posture vault recheck`)."
    )


def _open_vault(
    request: ScanRequest, inventory: Inventory, notes: list[str]
) -> VaultSecrets | None:
    """The request's vault, unlocked; None (with a note) where there is none to open."""
    if request.vault is None:
        return None
    if request.vault.exists():
        # Notices (a key slot below the OWASP minimum, a stale keyring key) become notes.
        return open_vault_secrets(
            request.vault,
            inventory,
            passphrase_file=request.passphrase_file,
            notice=notes.append,
            db=state_path(request),
            identity=request.identity,
        )
    if request.vault_required:
        raise InputError("vault not found", path=request.vault)
    flag = (
        "" if request.inventory == Path("inventory.toml") else f" --inventory {request.inventory}"
    )
    notes.append(
        f"No vault at {request.vault}: password checks skipped "
        f"(posture vault init{flag}, then posture vault set ACCOUNT{flag})."
    )
    return None


def _context(
    request: ScanRequest,
    inventory: Inventory,
    policy: Policy,
    secrets: PasswordFacts | None,
    custody: Mapping[str, EntryCustody] | None = None,
) -> ScanContext:
    today = request.today or dt.date.today()
    state = state_path(request)
    return ScanContext(
        inventory=inventory,
        policy=policy,
        platforms=catalogue(),
        today=today,
        incidents=open_incidents_at(state),
        offboardings=open_offboardings_at(state),
        secrets=secrets,
        handbook=handbook_facts(inventory, policy, today, state),
        custody=custody,
    )


def _pending_notes(records: Sequence[SecretRecord]) -> list[str]:
    """One note per account whose rotation waits for confirmation: scans judge the live value."""
    return [
        f"{r.account_id}: a rotation is pending since "
        f"{r.rotation_pending_since.date().isoformat()}; this scan judges the live password "
        f"until `posture vault confirm {r.account_id}`."
        for r in records
        if r.rotation_pending_since is not None
    ]


def handbook_facts(inventory: Inventory, policy: Policy, today: dt.date, db: Path) -> HandbookFacts:
    """The version of the handbook this inventory and policy generate, and who acknowledged it."""
    from scanner.handbook.acks import acks_at
    from scanner.handbook.content import build_handbook

    return HandbookFacts(build_handbook(inventory, policy, today).version, acks_at(db))


def _analyse(
    request: ScanRequest,
    inventory: Inventory,
    policy: Policy,
    vault: VaultSecrets | None,
    cache: ScoreCache | None,
    *,
    strength: bool = True,
) -> PasswordFacts | None:
    # Opened (and validated) even without a vault, so a bad corpus is reported at once.
    breach = open_breach_source(
        request.hibp, online=request.online, url=request.hibp_url, timeout=request.hibp_timeout
    )
    try:
        if vault is None:
            return None
        return analyse(
            inventory,
            policy,
            vault.records,
            hmac_key=vault.hmac_key,
            cache=cache,
            breach=breach,
            workers=request.workers,
            progress=request.progress,
            strength=strength,
        )
    finally:
        if breach is not None:
            breach.close()


@contextlib.contextmanager
def _score_cache(request: ScanRequest, *, wanted: bool) -> Iterator[ScoreCache | None]:
    """The strength-score cache in the state database; none when there is nothing to score."""
    path = state_path(request)
    if not wanted or not path.parent.is_dir():
        yield None
        return
    with StateDB(path) as db:
        yield ScoreCache(db)
