"""`posture init` and `posture demo`: getting started."""

from __future__ import annotations

import shutil
import tempfile
from importlib import resources
from pathlib import Path

import typer

from scanner.errors import InputError, UsageError
from scanner.model import Severity


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

    app.command("init")(guarded(init))
    app.command("demo")(guarded(demo))
