"""`posture scan`, `checks`, `explain`, `init`, `demo`."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scanner.cli.complete import complete_check, complete_checks_list
from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    VAULT_ENV,
    VAULT_NAME,
    DbOption,
    IdentityOption,
    InventoryOption,
    NoVaultOption,
    PassphraseFileOption,
    PolicyOption,
    VaultOption,
    beside_inventory,
    inventory_path,
    parse_date,
)
from scanner.cli.style import colour_enabled, paint, paint_findings
from scanner.core.errors import PostureError, UsageError
from scanner.core.model import Severity, Status
from scanner.core.text import one_line
from scanner.report import FORMAT_NAMES

if TYPE_CHECKING:
    from scanner.cli.outputs import Output
    from scanner.engine.run import ScanResult
    from scanner.services.notify import NotifyOptions, NotifyPlan
    from scanner.services.scan import ScanRequest

NOTIFY_ENV = "POSTURE_NOTIFY"

SUPPRESSIONS_NAME = "posture.suppressions.toml"
SUPPRESSIONS_ENV = "POSTURE_SUPPRESSIONS"

FAIL_ON_CHOICES = [s.value for s in Severity] + ["none"]


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# The scan command's own options, declared once here so the command reads as its steps.
FormatOption = typer.Option(
    ["table"],
    "--format",
    "-f",
    help=f"One of {', '.join(FORMAT_NAMES)}; repeat with --output for several.",
)
OutputOption = typer.Option(
    [],
    "--output",
    "-o",
    help="Write the matching --format here (- for stdout); symlinks are written through.",
)
FailOnOption = typer.Option(
    "high", "--fail-on", help=f"Exit 1 on a finding at or above: {', '.join(FAIL_ON_CHOICES)}."
)
SuppressionsOption = typer.Option(
    None,
    "--suppressions",
    envvar=SUPPRESSIONS_ENV,
    help=f"Suppressions file [default: {SUPPRESSIONS_NAME} beside the inventory, if present].",
)
HibpOption = typer.Option(
    None, "--hibp", help="Pwned Passwords corpus: a sorted 40HEX:COUNT file or a prefix folder."
)
OnlineOption = typer.Option(
    False, "--online", help="Look passwords up in the HIBP range API (5-hex prefixes only)."
)
NotifyOption = typer.Option(
    False, "--notify", help=f"Tell the channels in ${NOTIFY_ENV} (Apprise URLs) what changed."
)
NotifyAlwaysOption = typer.Option(
    False, "--notify-always", help="With --notify: send a heartbeat even when nothing changed."
)
NotifyUrlOption = typer.Option(
    [],
    "--notify-url",
    metavar="URL",
    help=f"An Apprise URL (a credential: prefer ${NOTIFY_ENV}).",
)
NotifyStrictOption = typer.Option(
    False, "--notify-strict", help="With --notify: a channel that fails makes the exit code 3."
)
DryRunOption = typer.Option(
    False, "--dry-run", help="With --notify: print the message and where, send nothing."
)
ChecksOption = typer.Option(
    [], "--checks", help="Only these check ids or globs.", autocompletion=complete_checks_list
)
ExcludeChecksOption = typer.Option(
    [], "--exclude-checks", help="Skip these ids or globs.", autocompletion=complete_checks_list
)
AsOfOption = typer.Option(None, "--as-of", help="Evaluate dates as of this day.")
ShowPassedOption = typer.Option(False, "--show-passed", help="List passing checks too.")
ShowSuppressedOption = typer.Option(
    False, "--show-suppressed", help="List suppressed failures in the table too."
)
NoHistoryOption = typer.Option(
    False, "--no-history", help="Do not record this scan in the history database."
)
HibpUrlOption = typer.Option(
    None,
    "--hibp-url",
    help="Range API base URL for --online (https://; http:// only to loopback).",
    show_default=False,
)
HibpTimeoutOption = typer.Option(
    None,
    "--hibp-timeout",
    help="Seconds each range look-up may take, retries included [default: 15].",
    show_default=False,
)
SarifSuppressedOption = typer.Option(
    False,
    "--sarif-include-suppressed",
    help="Keep suppressed findings in SARIF, marked accepted (code scanning shows them closed).",
)


def scan(
    inventory_arg: Path | None = typer.Argument(
        None, metavar="[INVENTORY]", help="Inventory file [default: ./inventory.toml]."
    ),
    inventory: Path | None = InventoryOption,
    policy: Path | None = PolicyOption,
    formats: list[str] = FormatOption,
    outputs: list[Path] = OutputOption,
    fail_on: str = FailOnOption,
    include: list[str] = ChecksOption,
    exclude: list[str] = ExcludeChecksOption,
    as_of: str | None = AsOfOption,
    show_passed: bool = ShowPassedOption,
    suppressions: Path | None = SuppressionsOption,
    show_suppressed: bool = ShowSuppressedOption,
    db: Path | None = DbOption,
    no_history: bool = NoHistoryOption,
    vault: Path | None = VaultOption,
    no_vault: bool = NoVaultOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    hibp: Path | None = HibpOption,
    online: bool = OnlineOption,
    hibp_url: str | None = HibpUrlOption,
    hibp_timeout: float | None = HibpTimeoutOption,
    sarif_include_suppressed: bool = SarifSuppressedOption,
    notify: bool = NotifyOption,
    notify_always: bool = NotifyAlwaysOption,
    notify_urls: list[str] = NotifyUrlOption,
    notify_strict: bool = NotifyStrictOption,
    dry_run: bool = DryRunOption,
) -> None:
    """Run every check on the inventory and report; exit 0/1/2/3 by the exit-code contract."""
    from scanner.cli.outputs import plan_outputs
    from scanner.report import make_report
    from scanner.services.notify import NotifyOptions
    from scanner.services.scan import ScanRequest, perform_scan

    _check_arguments(fail_on, formats, outputs)
    notify_options = NotifyOptions(notify_always, dry_run, notify_strict, tuple(notify_urls))
    _check_notify(notify, notify_options)
    # Every output is checked before the scan: nothing is scanned or recorded if one cannot be written.
    targets = plan_outputs(outputs)
    shown = {"show_passed": show_passed, "show_suppressed": show_suppressed}
    include_suppressed = {"sarif_include_suppressed": sarif_include_suppressed}
    reports = [make_report(f, **shown, **include_suppressed) for f in formats]
    inventory_file = inventory_path(inventory_arg, inventory)
    vault_file, vault_required = _vault_choice(inventory_file, vault, no_vault)
    request = ScanRequest(
        inventory=inventory_file,
        policy_file=policy,
        include=_split(include),
        exclude=_split(exclude),
        today=parse_date(as_of, "--as-of"),
        suppressions=_suppressions_file(inventory_file, suppressions),
        db=beside_inventory(inventory_file, DB_NAME, db, DB_ENV),
        record_history=not no_history,
        vault=vault_file,
        vault_required=vault_required,
        passphrase_file=passphrase_file,
        identity=identity,
        hibp=hibp,
        online=online,
        hibp_url=hibp_url,
        hibp_timeout=hibp_timeout,
        progress=True,
    )
    plan = _notify_plan(request, notify_options) if notify else None
    result = perform_scan(
        request, vault=plan.vault if plan else None, inventory=plan.inventory if plan else None
    )
    html = next((str(o) for f, o in zip(formats, outputs, strict=False) if f == "html"), None)
    send = lambda: plan is not None and _notify(plan, notify_options, result, request, html)  # noqa: E731
    # Render everything before writing anything: a failing format leaves no file half-updated.
    texts = [report.render(result) for report in reports]
    colour = formats[0] == "table" and colour_enabled()  # only ever on a terminal
    _deliver(
        result, targets, texts, fail_on, send, strict=notify_strict, db=request.db, colour=colour
    )


def _check_notify(notify: bool, options: NotifyOptions) -> None:
    if not notify and (options.always or options.urls or options.strict or options.dry_run):
        raise UsageError(
            "--notify-always, --notify-url, --notify-strict and --dry-run need --notify"
        )


def _vault_choice(inventory: Path, vault: Path | None, no_vault: bool) -> tuple[Path | None, bool]:
    """(the vault to open, whether it must exist): none with --no-vault; a named one must exist."""
    if no_vault:
        return None, False
    named = vault is not None or bool(os.environ.get(VAULT_ENV))
    return beside_inventory(inventory, VAULT_NAME, vault, VAULT_ENV), named


def _notify_plan(request: ScanRequest, options: NotifyOptions) -> NotifyPlan:
    from scanner.services.notify import prepare

    plan = prepare(request, options)
    for warning in plan.warnings:
        typer.echo(f"posture: warning: {warning}", err=True)
    return plan


def _check_arguments(fail_on: str, formats: list[str], outputs: list[Path]) -> None:
    from scanner.report.view import source_date_epoch

    if fail_on not in FAIL_ON_CHOICES:
        raise UsageError(f'--fail-on: "{fail_on}" is not one of {", ".join(FAIL_ON_CHOICES)}')
    if outputs and len(outputs) != len(formats):
        raise UsageError("give one --output per --format (or none, to print one format)")
    if not outputs and len(formats) > 1:
        raise UsageError("several --format values need an --output each")
    source_date_epoch()  # a malformed SOURCE_DATE_EPOCH is refused before the scan


def _deliver(
    result: ScanResult,
    targets: list[Output],
    texts: list[str],
    fail_on: str,
    send: Callable[[], bool],
    *,
    strict: bool,
    db: Path | None,
    colour: bool = False,
) -> None:
    """Write the reports, warn, notify, print the summary line when files were written, exit."""
    failure = _write_all(targets, texts) if targets else None
    if not targets:
        sys.stdout.write(paint_findings(texts[0], enabled=colour))
    for notice in result.suppression_review.notices:
        typer.echo(f"posture: warning: {notice.text}", err=True)
    for warning in result.warnings:
        typer.echo(f"posture: warning: {warning}", err=True)
    _warn_if_records_altered(db)
    if result.incomplete:
        typer.echo(f"posture: scan incomplete: {_incomplete_reason(result)}", err=True)
    # Notifications only once the reports are safely written.
    notify_failed = failure is None and send()
    code, reason = exit_status(result, fail_on)
    if notify_failed and strict:
        code, reason = 3, "a notification channel failed (--notify-strict)"
    if failure is not None:
        code, reason = failure.exit_code, f"an output could not be written ({failure})"
    files = [t.given for t in targets if t.is_file]
    if files:
        typer.echo(summary_line(result, code, reason, files), err=True)
    if failure is not None:
        raise failure
    if code:
        raise typer.Exit(code)


def _write_all(targets: list[Output], texts: list[str]) -> PostureError | None:
    """Write every output; one that fails does not stop the others. The first failure, if any."""
    from scanner.cli.outputs import write_output

    failure: PostureError | None = None
    for target, text in zip(targets, texts, strict=True):
        try:
            write_output(target, text)
        except PostureError as exc:
            failure = failure or exc
    return failure


def exit_status(result: ScanResult, fail_on: str) -> tuple[int, str]:
    """The exit code by the contract, and the reason in a few words."""
    if result.incomplete:
        return 3, "scan incomplete: a check errored"
    worst = result.worst_failure()
    if fail_on != "none" and worst is not None and worst.rank >= Severity(fail_on).rank:
        return 1, f"findings at or above {fail_on}"
    return 0, "nothing at or above " + fail_on if fail_on != "none" else "--fail-on none"


def _incomplete_reason(result: ScanResult) -> str:
    """The first reason a check errored, and how many others there are: one line."""
    reasons = sorted({f.message for f in result.findings if f.status is Status.ERROR})
    if not reasons:
        return "some checks errored"
    more = (
        f" (and {len(reasons) - 1} other reasons; see ERROR findings)" if len(reasons) > 1 else ""
    )
    return one_line(reasons[0]) + more


def summary_line(result: ScanResult, code: int, reason: str, files: list[str]) -> str:
    """One line for a CI log: failures by severity, score, exit code and why, files written."""
    summary = result.summary()
    counts = ", ".join(f"{n} {sev}" for sev, n in summary.failed_by_severity.items())
    suppressed = f" ({summary.suppressed} suppressed)" if summary.suppressed else ""
    return (
        f"posture: {summary.accounts} accounts: failing {counts}{suppressed}; "
        f"score {summary.score}/100; exit {code}: {reason}; wrote {', '.join(files)}"
    )


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


def list_checks() -> None:
    """List the check catalogue."""
    import checks
    from scanner.core.simpletable import layout

    colour = colour_enabled()
    rows = [
        (c.id, c.family, paint(c.severity.value, enabled=colour), c.title)
        for c in checks.all_checks()
    ]
    headers = ["id", "family", "severity", "title"]
    table = layout(headers, rows)
    if table is None:  # colour codes (or an unusual title): tabulate lays it out
        from tabulate import tabulate

        table = tabulate(rows, headers=headers, tablefmt="simple")
    typer.echo(table, color=colour)


def explain(
    check_id: str = typer.Argument(
        ..., help="A check id such as MFA-002.", autocompletion=complete_check
    ),
) -> None:
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
        *(
            [f"applies to: {found.scope} only (no finding on other accounts)"]
            if found.scope
            else []
        ),
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


def validate(
    files: list[Path] = typer.Argument(
        None,
        metavar="[FILE]...",
        help="Inventories or suppressions files [default: ./inventory.toml].",
    ),
) -> None:
    """Check inventory and suppressions files without scanning (for a pre-commit hook)."""
    from scanner.engine.suppressions import load_suppressions
    from scanner.services.scan import load

    for path in files or [Path("inventory.toml")]:
        if path.name.endswith(".suppressions.toml"):
            entries = load_suppressions(path).entries
            typer.echo(f"{path}: valid ({len(entries)} suppressions)")
        else:
            inventory = load(path)
            typer.echo(f"{path}: valid ({len(inventory.accounts)} accounts)")


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    app.command("scan")(guarded(scan))
    app.command("checks")(guarded(list_checks))
    app.command("explain")(guarded(explain))
    app.command("validate")(guarded(validate))
