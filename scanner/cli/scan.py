"""`posture scan`, `checks`, `explain`, `init`, `demo`."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    VAULT_ENV,
    VAULT_NAME,
    DbOption,
    InventoryOption,
    NoVaultOption,
    PassphraseFileOption,
    PolicyOption,
    VaultOption,
    beside_inventory,
    inventory_path,
    parse_date,
)
from scanner.core.errors import UsageError
from scanner.core.model import Severity
from scanner.report import FORMAT_NAMES

if TYPE_CHECKING:
    from scanner.engine.run import ScanResult
    from scanner.services.notify import NotifyOptions, NotifyPlan
    from scanner.services.scan import ScanRequest

NOTIFY_ENV = "POSTURE_NOTIFY"

SUPPRESSIONS_NAME = "posture.suppressions.toml"
SUPPRESSIONS_ENV = "POSTURE_SUPPRESSIONS"

FAIL_ON_CHOICES = [s.value for s in Severity] + ["none"]


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def scan(
    inventory_arg: Path | None = typer.Argument(
        None, metavar="[INVENTORY]", help="Inventory file [default: ./inventory.toml]."
    ),
    inventory: Path | None = InventoryOption,
    policy: Path | None = PolicyOption,
    formats: list[str] = typer.Option(
        ["table"],
        "--format",
        "-f",
        help=f"One of {', '.join(FORMAT_NAMES)}; repeat with --output for several.",
    ),
    outputs: list[Path] = typer.Option(
        [], "--output", "-o", help="Write the matching --format here instead of stdout."
    ),
    fail_on: str = typer.Option(
        "high", "--fail-on", help=f"Exit 1 on a finding at or above: {', '.join(FAIL_ON_CHOICES)}."
    ),
    include: list[str] = typer.Option([], "--checks", help="Only these check ids or globs."),
    exclude: list[str] = typer.Option([], "--exclude-checks", help="Skip these ids or globs."),
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluate dates as of this day."),
    show_passed: bool = typer.Option(False, "--show-passed", help="List passing checks too."),
    suppressions: Path | None = typer.Option(
        None,
        "--suppressions",
        envvar=SUPPRESSIONS_ENV,
        help=f"Suppressions file [default: {SUPPRESSIONS_NAME} beside the inventory, if present].",
    ),
    show_suppressed: bool = typer.Option(
        False, "--show-suppressed", help="List suppressed failures in the table too."
    ),
    db: Path | None = DbOption,
    no_history: bool = typer.Option(
        False, "--no-history", help="Do not record this scan in the history database."
    ),
    vault: Path | None = VaultOption,
    no_vault: bool = NoVaultOption,
    passphrase_file: Path | None = PassphraseFileOption,
    hibp: Path | None = typer.Option(
        None, "--hibp", help="Pwned Passwords corpus: a sorted 40HEX:COUNT file or a prefix folder."
    ),
    online: bool = typer.Option(
        False, "--online", help="Look passwords up in the HIBP range API (5-hex prefixes only)."
    ),
    hibp_url: str | None = typer.Option(
        None, "--hibp-url", help="Range API base URL for --online.", show_default=False
    ),
    notify: bool = typer.Option(
        False, "--notify", help=f"Tell the channels in ${NOTIFY_ENV} (Apprise URLs) what changed."
    ),
    notify_always: bool = typer.Option(
        False, "--notify-always", help="With --notify: send a heartbeat even when nothing changed."
    ),
    notify_urls: list[str] = typer.Option(
        [],
        "--notify-url",
        metavar="URL",
        help=f"An Apprise URL (a credential: prefer ${NOTIFY_ENV}).",
    ),
    notify_strict: bool = typer.Option(
        False, "--notify-strict", help="With --notify: a channel that fails makes the exit code 3."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="With --notify: print the message and where, send nothing."
    ),
) -> None:
    """Run every check on the inventory and report; exit 0/1/2/3 by the exit-code contract."""
    from scanner.core.files import atomic_write
    from scanner.report import make_report
    from scanner.services.notify import NotifyOptions
    from scanner.services.notify import prepare as prepare_notify
    from scanner.services.scan import ScanRequest, perform_scan

    if fail_on not in FAIL_ON_CHOICES:
        raise UsageError(f'--fail-on: "{fail_on}" is not one of {", ".join(FAIL_ON_CHOICES)}')
    if outputs and len(outputs) != len(formats):
        raise UsageError("give one --output per --format (or none, to print one format)")
    if not outputs and len(formats) > 1:
        raise UsageError("several --format values need an --output each")
    _check_outputs(outputs)
    reports = [
        make_report(name, show_passed=show_passed, show_suppressed=show_suppressed)
        for name in formats
    ]
    inventory_file = inventory_path(inventory_arg, inventory)
    request = ScanRequest(
        inventory=inventory_file,
        policy_file=policy,
        include=_split(include),
        exclude=_split(exclude),
        today=parse_date(as_of, "--as-of"),
        suppressions=_suppressions_file(inventory_file, suppressions),
        db=beside_inventory(inventory_file, DB_NAME, db, DB_ENV),
        record_history=not no_history,
        vault=None if no_vault else beside_inventory(inventory_file, VAULT_NAME, vault, VAULT_ENV),
        vault_required=not no_vault and (vault is not None or bool(os.environ.get(VAULT_ENV))),
        passphrase_file=passphrase_file,
        hibp=hibp,
        online=online,
        hibp_url=hibp_url,
        progress=True,
    )
    notify_options = NotifyOptions(notify_always, dry_run, notify_strict, tuple(notify_urls))
    if not notify and (notify_always or notify_urls or notify_strict or dry_run):
        raise UsageError(
            "--notify-always, --notify-url, --notify-strict and --dry-run need --notify"
        )
    plan = prepare_notify(request, notify_options) if notify else None
    for warning in plan.warnings if plan else ():
        typer.echo(f"posture: warning: {warning}", err=True)
    result = perform_scan(
        request,
        vault=plan.vault if plan else None,
        inventory=plan.inventory if plan else None,
    )
    # Render everything before writing anything: a failing format leaves no file half-updated.
    texts = [report.render(result) for report in reports]
    for index, text in enumerate(texts):
        if outputs:
            atomic_write(outputs[index], text.encode("utf-8"))
        else:
            sys.stdout.write(text)
    for notice in result.suppression_review.notices:
        typer.echo(f"posture: warning: {notice.text}", err=True)
    _warn_if_records_altered(request.db)
    for warning in result.warnings:
        typer.echo(f"posture: warning: {warning}", err=True)
    html = next((str(o) for f, o in zip(formats, outputs, strict=False) if f == "html"), None)
    notify_failed = plan is not None and _notify(plan, notify_options, result, request, html)
    if result.incomplete or (notify_failed and notify_strict):
        raise typer.Exit(3)
    worst = result.worst_failure()
    if fail_on != "none" and worst is not None and worst.rank >= Severity(fail_on).rank:
        raise typer.Exit(1)


def _warn_if_records_altered(db: Path | None) -> None:
    from scanner.state.chain import warning_at

    broken = warning_at(db) if db is not None else None
    if broken:
        typer.echo(f"posture: warning: {broken}", err=True)


def _notify(
    plan: NotifyPlan,
    options: NotifyOptions,
    result: ScanResult,
    request: ScanRequest,
    report_path: str | None,
) -> bool:
    """Send what changed (after reports and history are safe); True when a channel failed."""
    from scanner.services.notify import deliver
    from scanner.services.scan import state_path
    from scanner.state.db import StateDB

    path = state_path(request)
    if options.dry_run:
        db = StateDB(path, readonly=True) if path.exists() else None
    else:
        db = StateDB(path)
    try:
        outcome = deliver(plan, options, result, db=db, report_path=report_path)
    finally:
        if db is not None:
            db.close()
    where = ", ".join(channel.label for channel in plan.channels)
    if outcome.message is None:
        typer.echo(f"posture: notify: nothing new to send to {where}", err=True)
        return False
    if outcome.dry_run:
        typer.echo(f"posture: notify (dry run): would send to {where}:", err=True)
        typer.echo(f"{outcome.message.title}\n\n{outcome.message.markdown}", err=True)
        return False
    for delivery in outcome.failed:
        typer.echo(
            f"posture: warning: notify: {delivery.channel.label}: {delivery.error} after "
            f"{delivery.attempts} attempt{'s' if delivery.attempts != 1 else ''}",
            err=True,
        )
    return bool(outcome.failed)


def _suppressions_file(inventory: Path, explicit: Path | None) -> Path | None:
    """The explicit file (which must exist), else the default beside the inventory if present."""
    if explicit is not None:
        return explicit
    default = inventory.parent / SUPPRESSIONS_NAME
    return default if default.exists() else None


def _check_outputs(outputs: list[Path]) -> None:
    """Refuse outputs that cannot be written before any scan is run or recorded."""
    seen: set[Path] = set()
    for output in outputs:
        resolved = output.resolve()
        if resolved in seen:
            raise UsageError(f"--output {output} is given twice")
        seen.add(resolved)
        if output.is_dir():
            raise UsageError(f"--output {output} is a folder; name a file")
        if not resolved.parent.is_dir():
            raise UsageError(f"--output {output}: folder {output.parent} does not exist")


def list_checks() -> None:
    """List the check catalogue."""
    from tabulate import tabulate

    import checks

    rows = [(c.id, c.family, c.severity.value, c.title) for c in checks.all_checks()]
    typer.echo(tabulate(rows, headers=["id", "family", "severity", "title"], tablefmt="simple"))


def explain(check_id: str = typer.Argument(..., help="A check id such as MFA-002.")) -> None:
    """Show one check in full: why it matters, how to fix it, references."""
    import checks

    found = checks.get(check_id)
    if found is None:
        from scanner.core.tomlsource import suggest

        ids = [c.id for c in checks.all_checks()]
        raise UsageError(f'no check "{check_id}"{suggest(check_id.upper(), ids)}')
    scaling = (
        " (one step up on critical accounts, one down on low)" if found.scales_with_tier else ""
    )
    wrap = textwrap.TextWrapper(width=88, initial_indent="  ", subsequent_indent="  ")
    lines = [
        f"{found.id}  {found.title}",
        f"family: {found.family}   severity: {found.severity.value}{scaling}",
        "",
        "Why it matters:",
        wrap.fill(found.rationale),
        "",
        "How to fix it:",
        wrap.fill(found.remediation),
        "",
        "References:",
        *[f"  - {ref}" for ref in found.references],
    ]
    typer.echo("\n".join(lines))


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    app.command("scan")(guarded(scan))
    app.command("checks")(guarded(list_checks))
    app.command("explain")(guarded(explain))
