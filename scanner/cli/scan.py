"""`posture scan`, `checks`, `explain`, `init`, `demo`."""

from __future__ import annotations

import shutil
import sys
import tempfile
import textwrap
from importlib import resources
from pathlib import Path

import typer

from scanner.cli.options import InventoryOption, PolicyOption, inventory_path, parse_date
from scanner.errors import InputError, UsageError
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


def _example_text() -> str:
    return resources.files("scanner").joinpath("data/inventory.example.toml").read_text("utf-8")


def init(
    directory: Path = typer.Argument(Path("."), help="Folder for the new inventory."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing inventory.toml."),
) -> None:
    """Write a commented starter inventory.toml (the bundled example) into DIRECTORY."""
    from scanner.files import atomic_write

    if directory.exists() and not directory.is_dir():
        raise InputError("is not a folder", path=directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "inventory.toml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    atomic_write(target, _example_text().encode("utf-8"))
    typer.echo(f"wrote {target}: edit it to list your accounts, then run: posture scan {target}")


def demo(
    keep: Path | None = typer.Option(None, "--keep", help="Keep the demo files in this folder."),
) -> None:
    """Scan the bundled example inventory end to end in a throwaway folder."""
    from scanner.pipeline import ScanRequest, perform_scan
    from scanner.report import make_report

    folder = keep or Path(tempfile.mkdtemp(prefix="posture-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    inventory = folder / "inventory.toml"
    inventory.write_text(_example_text(), encoding="utf-8")
    try:
        result = perform_scan(ScanRequest(inventory=inventory))
        typer.echo(make_report("table").render(result), nl=False)
        worst = result.worst_failure()
        typer.echo(
            f"\n(demo) `posture scan` would exit "
            f"{1 if worst and worst.rank >= Severity.HIGH.rank else 0} on this inventory; "
            f"files in {folder if keep else 'a temporary folder, now removed'}"
        )
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    app.command("scan")(guarded(scan))
    app.command("checks")(guarded(list_checks))
    app.command("explain")(guarded(explain))
    app.command("init")(guarded(init))
    app.command("demo")(guarded(demo))
