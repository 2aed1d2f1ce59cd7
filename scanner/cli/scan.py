"""`posture scan`, `checks`, `explain`, `init`, `demo`."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import typer

from scanner.cli.options import InventoryOption, PolicyOption, inventory_path, parse_date
from scanner.errors import UsageError
from scanner.model import Severity

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
        ["table"], "--format", "-f", help="table or json; repeat with --output for several."
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
    hibp: Path | None = typer.Option(
        None, "--hibp", help="Pwned Passwords corpus: a sorted 40HEX:COUNT file or a prefix folder."
    ),
    online: bool = typer.Option(
        False, "--online", help="Look passwords up in the HIBP range API (5-hex prefixes only)."
    ),
    hibp_url: str | None = typer.Option(
        None, "--hibp-url", help="Range API base URL for --online.", show_default=False
    ),
) -> None:
    """Run every check on the inventory and report; exit 0/1/2/3 by the exit-code contract."""
    from scanner.files import atomic_write
    from scanner.pipeline import ScanRequest, perform_scan
    from scanner.report import make_report

    if fail_on not in FAIL_ON_CHOICES:
        raise UsageError(f'--fail-on: "{fail_on}" is not one of {", ".join(FAIL_ON_CHOICES)}')
    if outputs and len(outputs) != len(formats):
        raise UsageError("give one --output per --format (or none, to print one format)")
    if not outputs and len(formats) > 1:
        raise UsageError("several --format values need an --output each")
    reports = [make_report(name, show_passed=show_passed) for name in formats]
    request = ScanRequest(
        inventory=inventory_path(inventory_arg, inventory),
        policy_file=policy,
        include=_split(include),
        exclude=_split(exclude),
        today=parse_date(as_of, "--as-of"),
        hibp=hibp,
        online=online,
        hibp_url=hibp_url,
        progress=True,
    )
    result = perform_scan(request)
    for index, report in enumerate(reports):
        text = report.render(result)
        if outputs:
            atomic_write(outputs[index], text.encode("utf-8"))
        else:
            sys.stdout.write(text)
    if result.incomplete:
        raise typer.Exit(3)
    worst = result.worst_failure()
    if fail_on != "none" and worst is not None and worst.rank >= Severity(fail_on).rank:
        raise typer.Exit(1)


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
        from scanner.tomlsource import suggest

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
