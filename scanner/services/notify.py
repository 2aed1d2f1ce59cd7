"""`posture scan --notify`: tell the team's channels what changed, once, after the scan is safe.

Order matters: the scan, its reports and its history are written before anything is sent, so a
channel that fails loses nothing. What was announced is kept in `posture.db` (the ledger), so a
re-run of the same scan sends nothing, and a finding is announced once until it is fixed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.core.errors import UsageError
from scanner.core.model import Finding, Status, Tier
from scanner.engine.run import ScanResult
from scanner.inventory.accounts import Inventory
from scanner.notify.channels import Channel, Delivery, parse_channels, send
from scanner.notify.message import Message, Pending, Reminder, at_or_above, compose
from scanner.notify.settings import NotifySettings, read_settings
from scanner.services.scan import ScanRequest, VaultSecrets, load, open_vault_secrets, state_path
from scanner.state.db import StateDB
from scanner.state.notifications import Ledger, Sent, read_ledger, record_sent
from scanner.state.scans import inventory_key

ENV = "POSTURE_NOTIFY"
EXPIRY_WARNING_DAYS = 14


@dataclass(frozen=True)
class NotifyOptions:
    always: bool = False  # send a heartbeat even when nothing changed
    dry_run: bool = False  # print what would be sent, send and record nothing
    strict: bool = False  # a channel that fails makes the scan incomplete (exit 3)
    urls: tuple[str, ...] = ()  # --notify-url values (credentials on argv: warned about)


@dataclass(frozen=True)
class NotifyPlan:
    """Everything known before the scan: settings, channels, and a vault already unlocked."""

    inventory: Inventory
    settings: NotifySettings
    channels: tuple[Channel, ...]
    vault: VaultSecrets | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotifyOutcome:
    message: Message | None  # None: nothing to say
    deliveries: tuple[Delivery, ...] = ()
    dry_run: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if not d.ok)


def prepare(
    request: ScanRequest, options: NotifyOptions, env: Mapping[str, str] = os.environ
) -> NotifyPlan:
    """Read the settings and gather channels before scanning; no channel at all is a usage error."""
    inventory = load(request.inventory)
    settings = read_settings(inventory.notify_table)
    channels: list[Channel] = []
    warnings: list[str] = []
    if env.get(ENV, "").strip():
        channels += parse_channels(env[ENV], f"${ENV}")
    vault = None
    if settings.vault_entry:
        vault, found, warning = _vault_channels(request, inventory, settings.vault_entry)
        channels += found
        warnings += [warning] if warning else []
    if options.urls:
        warnings.append(
            "--notify-url puts a credential on the command line, where ps and shell history "
            f"keep it; prefer ${ENV} or [notify] vault_entry"
        )
        channels += parse_channels(" ".join(options.urls), "--notify-url")
    if not channels:
        raise UsageError(
            f"--notify: no channel: set ${ENV}, [notify] vault_entry in the inventory, "
            "or --notify-url"
        )
    return NotifyPlan(inventory, settings, tuple(channels), vault, tuple(warnings))


def _vault_channels(
    request: ScanRequest, inventory: Inventory, entry: str
) -> tuple[VaultSecrets | None, list[Channel], str | None]:
    if request.vault is None or not request.vault.exists():
        return None, [], f'[notify] vault_entry "{entry}": no vault for this scan, not used'
    vault = open_vault_secrets(
        request.vault,
        inventory,
        passphrase_file=request.passphrase_file,
        extra_entries=(entry,),
        db=state_path(request),
        identity=request.identity,
    )
    value = vault.extra.get(entry)
    if value is None:
        return vault, [], f'[notify] vault_entry "{entry}": the vault has no password there'
    return vault, parse_channels(value.reveal(), f'vault entry "{entry}"'), None


def pending_for(
    result: ScanResult, settings: NotifySettings, ledger: Ledger
) -> tuple[Pending, list[Finding], list[str]]:
    """(what to say, findings to record as announced, fingerprints no longer open)."""
    open_now = {
        f.fingerprint: f
        for f in result.findings
        if f.actionable and at_or_above(f, settings.min_severity)
    }
    new = [f for fp, f in open_now.items() if fp not in ledger.findings]
    current = {f.fingerprint: f for f in result.findings}
    # Announced findings this scan ran and no longer finds open (a check not run says nothing).
    gone = [fp for fp in ledger.findings if fp in current and fp not in open_now]
    fixed = sorted(
        (current[fp] for fp in gone if current[fp].status is Status.PASS),
        key=lambda f: (f.account, f.check_id),
    )
    today = result.context.today
    pending = Pending(
        new=tuple(new),
        fixed=tuple(fixed) if settings.fixed else (),
        reminders=tuple(r for r in _reminders(result) if _due(r, ledger, today, settings)),
    )
    return pending, new, gone


def _due(reminder: Reminder, ledger: Ledger, today: dt.date, settings: NotifySettings) -> bool:
    last = ledger.reminders.get(reminder.key)
    return last is None or (today - last).days >= settings.remind_days


def _reminders(result: ScanResult) -> list[Reminder]:
    context = result.context
    today = context.today
    found = []
    for account in context.inventory.accounts:
        incident = context.incidents.get(account.id)
        if incident is None:
            continue
        opened = dt.datetime.fromisoformat(incident.opened_at).date()
        limit = context.rules(account).incident_max_days
        days = (today - opened).days
        if days > limit:
            found.append(
                Reminder(
                    f"incident:{incident.incident_id}",
                    f"incident #{incident.incident_id} on {account.id} open {days} days "
                    f"(policy: {limit}); {incident.done} of {incident.steps} steps done",
                )
            )
    found += _offboarding_reminders(result)
    # Stale catalogue facts (one line per platform, already printed as warnings by the scan).
    # Keyed by platform and facts, not by the day, so it is repeated every remind_days only.
    found += [
        Reminder(f"stale:{line.split(' were last verified')[0]}", line) for line in result.warnings
    ]
    seen = set()
    for finding in result.findings:
        entry = finding.suppression
        if entry is None or (entry.check, entry.accounts, entry.expires) in seen:
            continue
        seen.add((entry.check, entry.accounts, entry.expires))
        left = (entry.expires - today).days
        if 0 <= left <= EXPIRY_WARNING_DAYS:
            found.append(
                Reminder(
                    f"suppression:{entry.check}:{','.join(entry.accounts)}:{entry.expires}",
                    f"suppression of {entry.check} for {', '.join(entry.accounts)} expires "
                    f"{entry.expires} (owner {entry.owner})",
                )
            )
    return found


def _offboarding_reminders(result: ScanResult) -> list[Reminder]:
    """Offboarding cases open longer than the policy's offboarding_max_days."""
    context = result.context
    limit = context.policy.for_tier(Tier.STANDARD).offboarding_max_days
    found = []
    for who, case in context.offboardings.items():
        days = (context.today - case.starts_on).days
        if days > limit:
            found.append(
                Reminder(
                    f"offboarding:{case.case_id}",
                    f"offboarding #{case.case_id} of {case.name} ({who}) open {days} days "
                    f"(policy: {limit}); {case.done} of {case.steps} steps done",
                )
            )
    return found


def deliver(
    plan: NotifyPlan,
    options: NotifyOptions,
    result: ScanResult,
    *,
    db: StateDB | None,
    report_path: str | None = None,
) -> NotifyOutcome:
    """Decide, compose, send (unless a dry run) and record what was delivered."""
    key = inventory_key(result.context.inventory.path)
    ledger = read_ledger(db, key) if db is not None else Ledger(frozenset(), {})
    pending, new, gone = pending_for(result, plan.settings, ledger)
    if pending.empty and not options.always:
        return NotifyOutcome(None, dry_run=options.dry_run)
    message = compose(result, pending, report_path=report_path, heartbeat=options.always)
    if options.dry_run:
        return NotifyOutcome(message, dry_run=True)
    deliveries = tuple(send(plan.channels, title=message.title, markdown=message.markdown))
    if db is not None and any(d.ok for d in deliveries):
        sent = Sent(
            scan_id=result.history.scan_id if result.history else None,
            new=[f.fingerprint for f in new],
            gone=gone,
            reminders=[r.key for r in pending.reminders],
            channels=[(d.channel.label, d.ok) for d in deliveries],
        )
        record_sent(db, key, sent, dt.datetime.now(dt.UTC), result.context.today)
    return NotifyOutcome(message, deliveries)
