"""The README's promises, run: the check tables agree with the registry, the cron script works as
written under cron's empty environment, and the install section gives a working `posture`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import checks
from scanner.cli import app
from tests.conftest import PASSPHRASE, REPO, SHARED_DATA
from tests.notify.conftest import Webhook
from tests.notify.conftest import webhook as webhook  # noqa: PLC0414 - the fixture, for the cron test

README = (REPO / "README.md").read_text(encoding="utf-8")
FJORDLINE = SHARED_DATA / "fjordline"
runner = CliRunner()

# Packages of the `dev` extra (tests and tooling) that a runtime install must not bring.
TEST_ONLY = {
    "pytest",
    "pytest-xdist",
    "hypothesis",
    "keyrings.alt",
    "ruff",
    "mypy",
    "jsonschema",
    "junitparser",
    "tomli-w",
    "import-linter",
    "radon",
}


def fenced(title: str) -> str:
    """The README's fenced block opened with ```sh title=<title>."""
    match = re.search(rf"^```sh title={title}\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)
    assert match, f"no ```sh title={title} block in README.md"
    return match.group(1)


# --- one source for severities ------------------------------------------------------------


def readme_check_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in README.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[A-Z]{3}-\d{3}", cells[0]):
            rows.setdefault(cells[0], []).append(cells[2])
    return rows


def test_the_readme_check_tables_list_every_check_once_with_its_registry_severity():
    rows = readme_check_rows()
    registry = {c.id: c.severity.value for c in checks.all_checks()}
    assert set(rows) == set(registry), set(rows) ^ set(registry)
    for check_id, severities in rows.items():
        assert severities == [registry[check_id]], (check_id, severities, registry[check_id])


def test_the_readme_names_exactly_the_checks_that_do_not_scale_with_tier():
    sentence = re.search(r"Severities scale with the account's tier:.*?\)", README, re.DOTALL)
    assert sentence
    named = set(re.findall(r"[A-Z]{3}-\d{3}", sentence.group(0)))
    assert named == {c.id for c in checks.all_checks() if not c.scales_with_tier}


# --- packaging ----------------------------------------------------------------------------


def test_the_distribution_is_posture_scanner_and_installs_the_posture_command():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == "posture-scanner"
    assert project["scripts"] == {"posture": "scanner.cli:main"}
    runtime = {re.split(r"[<>=~!\[; ]", dep)[0].lower() for dep in project["dependencies"]}
    assert not runtime & TEST_ONLY
    versions = {
        c for c in project["classifiers"] if c.startswith("Programming Language :: Python :: 3.")
    }
    assert versions == {f"Programming Language :: Python :: 3.{v}" for v in (11, 12, 13)}


@pytest.mark.slow
def test_the_readme_install_section_gives_posture_on_path_without_test_packages(
    tmp_path, local_index
):
    """`make install` as the README says (a venv, since pipx may be absent), in a throwaway place:
    a `pip install .` with runtime dependencies only, then `posture` from PATH in a new shell.
    pip installs from the session's wheelhouse (tests/wheelhouse.py), not the network."""
    venv, bin_dir = tmp_path / "venv", tmp_path / "bin"
    passed = {
        k: v for k, v in os.environ.items() if k.startswith("PIP_") or k.lower().endswith("_proxy")
    }
    env = (
        passed
        | local_index
        | {
            "HOME": os.environ.get("HOME", str(tmp_path)),
            "PATH": f"{bin_dir}:{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "PYTHON": sys.executable,
            "INSTALL_WITH": "venv",
            "INSTALL_VENV": str(venv),
            "INSTALL_BIN": str(bin_dir),
        }
    )
    script = "set -e\n" + fenced("install")
    result = subprocess.run(
        ["sh", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "posture 0.1.0" in result.stdout
    assert "PWD-005" in result.stdout  # `posture checks` ran
    assert (bin_dir / "posture").resolve() == (venv / "bin" / "posture").resolve()
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "freeze"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    installed = {line.split("==")[0].lower() for line in listed.splitlines()}
    assert "posture-scanner" in installed
    assert not installed & TEST_ONLY, installed & TEST_ONLY
    # A fresh shell with only that folder added finds it.
    fresh = subprocess.run(
        ["env", "-i", f"PATH={bin_dir}:/usr/bin:/bin", "sh", "-c", "posture --version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert fresh.stdout == "posture 0.1.0\n", fresh.stderr
    # The installed copy carries its data files: a blank start and the listing work from it.
    company = tmp_path / "company"
    started = subprocess.run(
        [str(bin_dir / "posture"), "init", str(company), "--blank", "--no-vault"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    listed_accounts = subprocess.run(
        [str(bin_dir / "posture"), "accounts", "-i", str(company / "inventory.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed_accounts.stdout.splitlines()[2].startswith("x-main "), listed_accounts.stderr


# --- the cron recipe ----------------------------------------------------------------------


@pytest.fixture
def cron_folder(tmp_path: Path) -> Path:
    """A scan folder as the README describes: inventory, vault, passphrase file, nightly.sh."""
    if not FJORDLINE.exists():
        pytest.skip("the fjordline sample data is not on this machine")
    folder = tmp_path / "srv-posture"
    folder.mkdir()
    inventory = folder / "inventory.toml"
    shutil.copy(FJORDLINE / "inventory.toml", inventory)
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    assert runner.invoke(app, ["vault", "init", "-i", str(inventory)], env=env).exit_code == 0
    imported = runner.invoke(
        app,
        [
            "vault",
            "import",
            str(FJORDLINE / "bitwarden-export.csv"),
            "--from",
            "bitwarden",
            "-i",
            str(inventory),
        ],
        env=env,
    )
    assert imported.exit_code == 0, imported.output
    secret = folder / ".vault-passphrase"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    script = folder / "nightly.sh"
    script.write_text(fenced("cron"))
    script.chmod(0o700)
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "posture").symlink_to(Path(sys.executable).parent / "posture")
    return folder


def run_cron(folder: Path) -> subprocess.CompletedProcess[str]:
    """The job as cron runs it: an empty environment but HOME, from another directory."""
    return subprocess.run(
        ["env", "-i", f"HOME={folder.parent / 'home'}", "/bin/sh", str(folder / "nightly.sh")],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_readme_cron_script_runs_as_written_under_an_empty_environment(
    cron_folder: Path, webhook: Webhook
):
    notify_urls = cron_folder / ".notify-urls"
    notify_urls.write_text(webhook.url("cron") + "\n")
    notify_urls.chmod(0o600)
    first = run_cron(cron_folder)
    assert first.returncode == 1, first.stdout + first.stderr  # fjordline has high findings
    day = re.search(r"posture-(\d{4}-\d{2}-\d{2})\.html", first.stdout)
    assert day, first.stdout
    report = cron_folder / "reports" / f"posture-{day.group(1)}.html"
    assert first.stdout == f"posture: findings at or above high; see {report}\n"
    assert report.read_text().startswith("<!DOCTYPE html>")
    latest = (cron_folder / "reports" / "latest.json").read_text()
    assert '"PWD-001"' in latest  # the vault was unlocked from the passphrase file
    assert PASSPHRASE not in latest and PASSPHRASE not in first.stderr
    (message,) = webhook.inbox.take()  # --notify: the channel from .notify-urls heard once
    assert message["path"] == "/cron"
    assert "Fjordline Bikes" in message["title"] + message["message"]
    assert PASSPHRASE not in str(message)
    second = run_cron(cron_folder)
    assert second.returncode == 1
    assert webhook.inbox.take() == []  # nothing new since: nothing sent
    history = runner.invoke(app, ["history", str(cron_folder / "inventory.toml")])
    assert "over 2 scans" in history.stdout


def test_the_cron_script_reports_an_input_error_in_one_mailed_line(cron_folder):
    inventory = cron_folder / "inventory.toml"
    inventory.write_text(inventory.read_text().replace('mfa = "sms"', 'mfa = "sms2"', 1))
    result = run_cron(cron_folder)
    assert result.returncode == 2
    assert result.stdout == "posture: scan failed with exit 2 (2 = input error, 3 = incomplete)\n"
    assert "inventory.toml:" in result.stderr and "'sms2' is not one of" in result.stderr
