"""`posture init` and `posture demo`: getting started."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

from scanner.core.errors import InputError, UsageError
from scanner.core.model import Severity


def _example_text(blank: bool = False) -> str:
    from importlib import resources

    from scanner.core.files import read_data_file

    name = "inventory.blank.toml" if blank else "inventory.example.toml"
    return read_data_file(resources.files("scanner").joinpath(f"data/{name}"), "example inventory")


def init(
    directory: Path = typer.Argument(Path("."), help="Folder for the new inventory."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing inventory.toml."),
    no_vault: bool = typer.Option(False, "--no-vault", help="Do not create posture.vault."),
    passphrase_file: Path | None = typer.Option(
        None, "--passphrase-file", help="Passphrase of the new vault, first line (mode 600)."
    ),
    blank: bool = typer.Option(
        False,
        "--blank",
        help="A commented skeleton with one account instead of the example company.",
    ),
    *,
    ctx: typer.Context,
) -> None:
    """Write a commented starter inventory.toml and an empty vault into DIR.

    The starter is the example company (12 accounts), or with --blank a skeleton with one account.
    """
    from scanner.cli.options import refuse_stray

    refuse_stray(
        ctx, "the passphrase", "use --passphrase-file, POSTURE_VAULT_PASSPHRASE or the prompt"
    )
    from scanner.core.files import atomic_write

    if directory.exists() and not directory.is_dir():
        raise InputError("is not a folder", path=directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "inventory.toml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    atomic_write(target, _example_text(blank).encode("utf-8"))
    what = "a skeleton with one account" if blank else "the example company"
    typer.echo(
        f"wrote {target} ({what}): edit it to list your accounts, then run: posture scan {target}"
    )
    if not no_vault:
        _init_vault(directory, passphrase_file, target)


def _init_vault(directory: Path, passphrase_file: Path | None, inventory: Path) -> None:
    from scanner.state.audit import DatabaseAudit
    from scanner.vault import Vault
    from scanner.vault.errors import PassphraseUnavailable
    from scanner.vault.passphrase import PASSPHRASE_ENV, new_passphrase

    path = directory / "posture.vault"
    if path.exists():
        typer.echo(f"kept the existing vault {path}")
        return
    try:
        passphrase = new_passphrase(
            passphrase_file=passphrase_file,
            option="--passphrase-file",
            env=PASSPHRASE_ENV,
            interactive=True,
            label="New vault passphrase",
        )
    except PassphraseUnavailable:
        typer.echo(
            "no vault created (no passphrase: not a terminal, no --passphrase-file, no "
            f"{PASSPHRASE_ENV}); create it later with: posture vault init{_inventory_flag(inventory)}"
        )
        return
    Vault.create(path, passphrase, audit=DatabaseAudit(directory / "posture.db"))
    typer.echo(f"created an empty vault {path}")


def _inventory_flag(inventory: Path) -> str:
    """` --inventory PATH` unless PATH is the default ./inventory.toml, for copy-paste hints."""
    return "" if inventory == Path("inventory.toml") else f" --inventory {inventory}"


def demo(
    keep: Path | None = typer.Option(None, "--keep", help="Keep the demo files in this folder."),
) -> None:
    """Build a throwaway vault with example secrets and scan the example inventory end to end."""
    import tempfile

    from scanner.core.files import atomic_write
    from scanner.report import make_report
    from scanner.services.scan import ScanRequest, load, perform_scan
    from scanner.state.audit import DatabaseAudit
    from scanner.vault.demo import build_demo_vault, write_demo_breach_corpus
    from scanner.vault.passphrase import PASSPHRASE_ENV
    from scanner.vault.rotation import due_for_rotation

    folder = keep or Path(tempfile.mkdtemp(prefix="posture-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    inventory = folder / "inventory.toml"
    atomic_write(inventory, _example_text().encode("utf-8"))
    saved_env = os.environ.get(PASSPHRASE_ENV)
    try:
        demo_vault = build_demo_vault(
            folder / "posture.vault", load(inventory), audit=DatabaseAudit(folder / "posture.db")
        )
        vault = demo_vault.vault
        typer.echo(
            f"(demo) vault {vault.path.name}: {len(vault.entries())} entries with example secrets "
            "(some weak, some reused, some strong)"
        )
        typer.echo(
            f"(demo) vault passphrase, DEMO ONLY, never reuse it: {demo_vault.passphrase.reveal()}"
        )
        due = due_for_rotation(load(inventory), vault, dt.date.today())
        for account, why in due:
            typer.echo(f"(demo) due for rotation: {account.id}: {why}")
        # Checks that read secrets unlock the demo vault through the usual environment source.
        os.environ[PASSPHRASE_ENV] = demo_vault.passphrase.reveal()
        corpus = folder / "pwned-passwords-demo.txt"
        size = write_demo_breach_corpus(corpus)
        typer.echo(
            f"(demo) breach corpus {corpus.name}: {size:,} hashes standing in for the Pwned "
            "Passwords download (give the real one with --hibp)"
        )
        result = perform_scan(
            ScanRequest(
                inventory=inventory,
                vault=vault.path,
                vault_required=True,
                hibp=corpus,
                progress=True,
                db=folder / "posture.db",
            )
        )
        from scanner.cli.style import colour_enabled, paint_findings

        table = paint_findings(make_report("table").render(result), enabled=colour_enabled())
        typer.echo(table, nl=False, color=colour_enabled())
        worst = result.worst_failure()
        typer.echo(
            f"\n(demo) `posture scan` would exit "
            f"{1 if worst and worst.rank >= Severity.HIGH.rank else 0} on this inventory; "
            f"files in {folder if keep else 'a temporary folder, now removed'}"
        )
    finally:
        if saved_env is None:
            os.environ.pop(PASSPHRASE_ENV, None)
        else:
            os.environ[PASSPHRASE_ENV] = saved_env
        if keep is None:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded
    from scanner.cli.options import STRAY_ALLOWED

    app.command("init", context_settings=STRAY_ALLOWED)(guarded(init))
    app.command("demo")(guarded(demo))
