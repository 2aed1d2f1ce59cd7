"""`posture accounts` and `posture init --blank`, through the CLI, on the fjordline company."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.inventory.accounts import load_inventory
from tests.conftest import PASSPHRASE, SENTINEL, SHARED_DATA

runner = CliRunner()
FJORDLINE = SHARED_DATA / "fjordline"


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """The fjordline inventory (written independently of this suite) in a scratch folder."""
    if not FJORDLINE.exists():
        pytest.skip("the fjordline sample data is not on this machine")
    shutil.copy(FJORDLINE / "inventory.toml", tmp_path / "inventory.toml")
    return tmp_path / "inventory.toml"


def accounts(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["accounts", *args], env=env)


def with_vault(inventory: Path) -> None:
    """A vault beside the inventory in which only shopify holds a password."""
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    assert runner.invoke(app, ["vault", "init", "-i", str(inventory)], env=env).exit_code == 0
    stored = runner.invoke(
        app,
        ["vault", "set", "shopify", "--set-on", "today", "-i", str(inventory)],
        input=SENTINEL + "\n",
        env=env,
    )
    assert stored.exit_code == 0, stored.output


def test_the_table_lists_every_account_with_owner_tier_mfa_and_holders(company):
    result = accounts("-i", str(company), "--no-vault")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "account",
        "platform",
        "tier",
        "owner",
        "mfa",
        "admins",
        "holders",
        "vault",
        "age",
        "case",
        "embargo",
    ]
    inventory = load_inventory(company)
    for account in inventory.accounts:
        row = next(line for line in lines if line.startswith(account.id + " "))
        assert f" {account.tier.value} " in row and f" {account.mfa.value} " in row
    instagram = next(line for line in lines if line.startswith("instagram-brand "))
    # Ingrid departed and Pedal Media's contract ended: both still listed, both marked.
    assert "ingrid (left)" in instagram and "agency:pedal (ended)" in instagram
    assert f"{len(inventory.accounts)} accounts in {company}" in result.stdout


def test_filters_by_person_platform_and_tier(company):
    by_person = accounts("-i", str(company), "--person", "per", "--format", "json")
    ids = [row["id"] for row in json.loads(by_person.stdout)["accounts"]]
    # per owns tiktok and mailchimp and knows the shopify login.
    assert ids == ["tiktok", "shopify", "mailchimp"]
    agency = accounts("-i", str(company), "--person", "agency:pedal", "-f", "json")
    assert [r["id"] for r in json.loads(agency.stdout)["accounts"]] == [
        "instagram-brand",
        "facebook-page",
        "tiktok",
    ]
    other = accounts("-i", str(company), "--platform", "other", "--tier", "critical", "-f", "json")
    assert [r["id"] for r in json.loads(other.stdout)["accounts"]] == [
        "workspace-admin",
        "shopify",
        "hello-mailbox",
    ]
    table = accounts("-i", str(company), "--tier", "low")
    assert "1 of 10 accounts" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--person", "sana"],
            'no person or agency "sana" in the inventory (did you mean "sanna"?)',
        ),
        (["--platform", "instagran"], 'unknown platform "instagran" (did you mean "instagram"?)'),
        (["--tier", "high"], '--tier: "high" is not one of critical, standard, low'),
        (["--format", "xml"], '--format: "xml" is not one of table, json, csv'),
    ],
)
def test_bad_filters_are_one_error_line(company, args, message):
    result = accounts("-i", str(company), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("posture: error: ")
    assert message in result.stderr
    assert result.stdout == ""


def test_without_a_passphrase_the_vault_column_says_locked_and_nothing_prompts(company):
    with_vault(company)
    result = accounts("-i", str(company), "-f", "json", env={"POSTURE_VAULT_PASSPHRASE": ""})
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["vault"] == "locked"
    assert {row["vault"] for row in document["accounts"]} == {"locked"}
    table = accounts("-i", str(company))
    assert "vault: locked" in table.stdout


def test_with_the_passphrase_each_entry_is_stored_or_missing_with_its_age(company):
    with_vault(company)
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    document = json.loads(accounts("-i", str(company), "-f", "json", env=env).stdout)
    rows = {row["id"]: row for row in document["accounts"]}
    assert document["vault"] == "open"
    assert rows["shopify"]["vault"] == "stored"
    assert rows["shopify"]["password_age_days"] == 0
    assert rows["hello-mailbox"]["vault"] == "missing"
    assert rows["hello-mailbox"]["password_age_days"] is None
    later = accounts("-i", str(company), "-f", "json", "--as-of", "2099-01-01", env=env)
    shopify = next(r for r in json.loads(later.stdout)["accounts"] if r["id"] == "shopify")
    assert shopify["password_age_days"] > 25_000


def test_an_open_incident_shows_on_its_account(company):
    started = runner.invoke(app, ["breach", "start", "tiktok", "-i", str(company), "--no-vault"])
    assert started.exit_code == 0, started.output
    result = accounts("-i", str(company), "--no-vault")
    tiktok = next(line for line in result.stdout.splitlines() if line.startswith("tiktok "))
    assert tiktok.rstrip().endswith("open incident")
    assert "tiktok: incident #1 open:" in result.stdout
    rows = json.loads(accounts("-i", str(company), "--no-vault", "-f", "json").stdout)["accounts"]
    assert [r["id"] for r in rows if r["incident"]] == ["tiktok"]


def test_csv_has_plain_ids_and_is_safe_for_spreadsheets(company):
    result = accounts("-i", str(company), "--no-vault", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 10
    instagram = rows[0]
    assert instagram["holders"] == "ola ingrid agency:pedal"
    assert instagram["lost_access"] == "ingrid agency:pedal"


def test_no_secret_in_any_format(company):
    with_vault(company)
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    for fmt in ("table", "json", "csv"):
        result = accounts("-i", str(company), "-f", fmt, env=env)
        assert result.exit_code == 0
        assert SENTINEL not in result.output
        assert PASSPHRASE not in result.output


# --- posture init --blank -----------------------------------------------------------------


def test_init_blank_writes_a_commented_skeleton_with_one_account_that_scans(tmp_path):
    folder = tmp_path / "company"
    result = runner.invoke(app, ["init", str(folder), "--blank", "--no-vault"])
    assert result.exit_code == 0, result.output
    target = folder / "inventory.toml"
    assert f"then run: posture scan {target}" in result.stdout
    text = target.read_text()
    assert [line for line in text.splitlines() if line.startswith("[[")] == [
        "[[people]]",
        "[[accounts]]",
    ]
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) > 10
    assert "Acme" not in text
    inventory = load_inventory(target)
    assert [a.id for a in inventory.accounts] == ["x-main"]
    scanned = runner.invoke(app, ["scan", str(target), "--no-history"])
    assert scanned.exit_code in (0, 1), scanned.output
    assert f"posture vault init --inventory {target}" in scanned.stdout


def test_init_hints_name_the_folder_they_were_given(tmp_path):
    folder = tmp_path / "acme"
    result = runner.invoke(app, ["init", str(folder)], env={"POSTURE_VAULT_PASSPHRASE": ""})
    assert result.exit_code == 0, result.output
    assert f"posture scan {folder / 'inventory.toml'}" in result.stdout
    assert f"posture vault init --inventory {folder / 'inventory.toml'}" in result.stdout


def test_init_blank_refuses_to_overwrite(tmp_path):
    assert runner.invoke(app, ["init", str(tmp_path), "--blank", "--no-vault"]).exit_code == 0
    again = runner.invoke(app, ["init", str(tmp_path), "--blank", "--no-vault"])
    assert again.exit_code == 2
    assert "use --force to overwrite it" in again.stderr
