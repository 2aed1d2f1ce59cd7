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
from scanner.core.errors import PostureError, UsageError
from scanner.core.model import Severity
from scanner.report import FORMAT_NAMES

if TYPE_CHECKING:
    from scanner.cli.outputs import Output
    from scanner.engine.run import ScanResult

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
    include: list[str] = typer.Option([], "--checks", help="Only these check ids or globs."),
    exclude: list[str] = typer.Option([], "--exclude-checks", help="Skip these ids or globs."),
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluate dates as of this day."),
    show_passed: bool = typer.Option(False, "--show-passed", help="List passing checks too."),
    suppressions: Path | None = SuppressionsOption,
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
    hibp: Path | None = HibpOption,
    online: bool = OnlineOption,
    hibp_url: str | None = typer.Option(
        None, "--hibp-url", help="Range API base URL for --online.", show_default=False
    ),
    sarif_include_suppressed: bool = SarifSuppressedOption,
) -> None:
    """Run every check on the inventory and report; exit 0/1/2/3 by the exit-code contract."""
    from scanner.cli.outputs import plan_outputs
    from scanner.report import make_report
    from scanner.services.scan import ScanRequest, perform_scan

    _check_arguments(fail_on, formats, outputs)
    # Every output is checked before the scan: nothing is scanned or recorded if one cannot be written.
    targets = plan_outputs(outputs)
    reports = [
        make_report(
            name,
            show_passed=show_passed,
            show_suppressed=show_suppressed,
            sarif_include_suppressed=sarif_include_suppressed,
        )
        for name in formats
    ]
    inventory_file = inventory_path(inventory_arg, inventory)
    use_vault = not no_vault
    request = ScanRequest(
        inventory=inventory_file,
        policy_file=policy,
        include=_split(include),
        exclude=_split(exclude),
        today=parse_date(as_of, "--as-of"),
        suppressions=_suppressions_file(inventory_file, suppressions),
        db=beside_inventory(inventory_file, DB_NAME, db, DB_ENV),
        record_history=not no_history,
        vault=beside_inventory(inventory_file, VAULT_NAME, vault, VAULT_ENV) if use_vault else None,
        vault_required=use_vault and (vault is not None or bool(os.environ.get(VAULT_ENV))),
        passphrase_file=passphrase_file,
        hibp=hibp,
        online=online,
        hibp_url=hibp_url,
        progress=True,
    )
    result = perform_scan(request)
    # Render everything before writing anything: a failing format leaves no file half-updated.
    _deliver(result, targets, [report.render(result) for report in reports], fail_on)


def _check_arguments(fail_on: str, formats: list[str], outputs: list[Path]) -> None:
    from scanner.report.view import source_date_epoch

    if fail_on not in FAIL_ON_CHOICES:
        raise UsageError(f'--fail-on: "{fail_on}" is not one of {", ".join(FAIL_ON_CHOICES)}')
    if outputs and len(outputs) != len(formats):
        raise UsageError("give one --output per --format (or none, to print one format)")
    if not outputs and len(formats) > 1:
        raise UsageError("several --format values need an --output each")
    source_date_epoch()  # a malformed SOURCE_DATE_EPOCH is refused before the scan


def _deliver(result: ScanResult, targets: list[Output], texts: list[str], fail_on: str) -> None:
    """Write the reports, warn, print the summary line when files were written, then exit."""
    failure = _write_all(targets, texts) if targets else None
    if not targets:
        sys.stdout.write(texts[0])
    for notice in result.suppression_review.notices:
        typer.echo(f"posture: warning: {notice.text}", err=True)
    code, reason = exit_status(result, fail_on)
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


def summary_line(result: ScanResult, code: int, reason: str, files: list[str]) -> str:
    """One line for a CI log: failures by severity, score, exit code and why, files written."""
    summary = result.summary()
    counts = ", ".join(f"{n} {sev}" for sev, n in summary.failed_by_severity.items())
    suppressed = f" ({summary.suppressed} suppressed)" if summary.suppressed else ""
    return (
        f"posture: {summary.accounts} accounts: failing {counts}{suppressed}; "
        f"score {summary.score}/100; exit {code}: {reason}; wrote {', '.join(files)}"
    )


def _suppressions_file(inventory: Path, explicit: Path | None) -> Path | None:
    """The explicit file (which must exist), else the default beside the inventory if present."""
    if explicit is not None:
        return explicit
    default = inventory.parent / SUPPRESSIONS_NAME
    return default if default.exists() else None


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
