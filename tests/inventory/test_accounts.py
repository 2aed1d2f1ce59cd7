"""The inventory loader: valid files load; every mistake is one line naming file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core.errors import InputError
from scanner.core.model import Holder, Mfa, Tier
from scanner.inventory.accounts import load_inventory
from tests.conftest import EXAMPLE, clean_inventory, write_toml

runner = CliRunner()


def scan_error(path: Path) -> str:
    """Run `posture scan` on `path`; assert exit 2, one stderr line, no traceback; return it."""
    result = runner.invoke(app, ["scan", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("posture: error: ")
    return lines[0]


def test_example_inventory_loads_with_account_lines():
    inventory = load_inventory(EXAMPLE)
    text = EXAMPLE.read_text().splitlines()
    assert len(inventory.accounts) == 14  # + shopify-store, hootsuite-team (catalogue v2)
    for account in inventory.accounts:
        assert account.line is not None
        assert text[account.line - 1].strip().startswith("[[accounts]]")
        assert f'id = "{account.id}"' in text[account.line]


def test_loaded_values_are_typed():
    inventory = load_inventory(EXAMPLE)
    x_main = inventory.account("x-main")
    assert x_main.tier is Tier.CRITICAL
    assert x_main.mfa is Mfa.FIDO2
    assert x_main.registered_to is Holder.COMPANY
    assert x_main.last_activity == dt.date(2026, 11, 20)
    assert inventory.people["jordan"].departed_on == dt.date(2026, 3, 31)
    assert len(inventory.digest) == 64


def test_toml_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text('[organization]\nname = "A"\ndomains = ["a.example"\n')
    line = scan_error(path)
    assert f"{path}:3:" in line
    assert "TOML syntax error" in line


def test_unknown_key_suggests_the_right_one(tmp_path, inventory_file):
    path = inventory_file(mfaa="totp")
    line = scan_error(path)
    assert "accounts[0] (acct).mfaa" in line
    assert 'did you mean "mfa"' in line
    lineno = int(line.split(":")[3])
    assert path.read_text().splitlines()[lineno - 1].startswith("mfaa")


def test_unknown_top_level_table_is_an_error(tmp_path):
    data = clean_inventory()
    data["acounts"] = data.pop("accounts")
    line = scan_error(write_toml(tmp_path / "inv.toml", data))
    assert 'did you mean "accounts"' in line


def test_wrong_type_is_named(inventory_file):
    line = scan_error(inventory_file(admins="ana"))
    assert "accounts[0] (acct).admins: must be a list of ids or { id, role } tables" in line


def test_bad_enum_value_lists_the_choices(inventory_file):
    line = scan_error(inventory_file(mfa="sms2"))
    assert (
        "accounts[0] (acct).mfa: 'sms2' is not one of: fido2, passkey, totp, push, sms, email, none"
        in line
    )


def test_missing_required_field(tmp_path):
    data = clean_inventory()
    del data["accounts"][0]["registered_to"]
    path = write_toml(tmp_path / "inv.toml", data)
    line = scan_error(path)
    assert "accounts[0] (acct).registered_to: required field is missing" in line
    assert f"{path}:" in line


def test_duplicate_account_id(tmp_path):
    data = clean_inventory()
    data["accounts"].append(dict(data["accounts"][0]))
    line = scan_error(write_toml(tmp_path / "inv.toml", data))
    assert 'accounts[1].id: duplicate id "acct"' in line


def test_duplicate_person_id(tmp_path):
    data = clean_inventory()
    data["people"].append(dict(data["people"][0]))
    line = scan_error(write_toml(tmp_path / "inv.toml", data))
    assert 'people[2].id: duplicate id "ana"' in line


def test_unknown_person_reference_suggests(inventory_file):
    line = scan_error(inventory_file(admins=["ana", "bne"]))
    assert 'unknown person "bne"' in line
    assert 'did you mean "ben"' in line


def test_unknown_agency_reference(inventory_file):
    line = scan_error(inventory_file(password_known_by=["agency:agg"]))
    assert 'accounts[0] (acct).password_known_by: unknown agency "agg"' in line


def test_unknown_owner(inventory_file):
    line = scan_error(inventory_file(owner="zed"))
    assert 'accounts[0] (acct).owner: unknown person "zed"' in line


def test_departed_person_needs_departed_on(tmp_path):
    data = clean_inventory()
    data["people"][1]["status"] = "departed"
    line = scan_error(write_toml(tmp_path / "inv.toml", data))
    assert "people[1] (ben).departed_on" in line
    assert "departed" in line


def test_non_date_value_for_a_date_field(inventory_file):
    line = scan_error(inventory_file(last_activity="2026-11-01"))
    assert "accounts[0] (acct).last_activity: must be a TOML date" in line


def test_unknown_platform_suggests(inventory_file):
    line = scan_error(inventory_file(platform="linkdin"))
    assert 'unknown platform "linkdin"' in line
    assert 'did you mean "linkedin"' in line


def test_empty_file(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text("  \n")
    assert "inventory is empty" in scan_error(path)


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_bytes(b'[organization]\nname = "Caf\xe9"\n')
    line = scan_error(path)
    assert f"{path}:2: " in line
    assert "not valid UTF-8" in line


def test_directory_instead_of_file(tmp_path):
    assert "is a directory" in scan_error(tmp_path)


def test_missing_file(tmp_path):
    assert "inventory not found" in scan_error(tmp_path / "nope.toml")


def test_missing_organization(tmp_path):
    data = clean_inventory()
    del data["organization"]
    assert "[organization] is missing" in scan_error(write_toml(tmp_path / "i.toml", data))


def test_accounts_as_single_table_is_an_error(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text('[organization]\nname = "A"\ndomains = ["a.example"]\n[accounts]\nid = "x"\n')
    assert "must be an array of tables" in scan_error(path)


def test_loader_error_is_a_posture_error_not_another_exception(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text("[[accounts]]\n[[accounts]]\nid=1\n")
    with pytest.raises(InputError):
        load_inventory(path)


def test_inventory_option_and_env_var(tmp_path, inventory_file, monkeypatch):
    path = inventory_file()
    assert runner.invoke(app, ["scan", "--inventory", str(path)]).exit_code == 0
    monkeypatch.setenv("POSTURE_INVENTORY", str(path))
    assert runner.invoke(app, ["scan"]).exit_code == 0


def test_toml_syntax_error_mid_file_names_line_and_column(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text('[organization]\nname = "A"\nname2 = = 3\ndomains = ["a.example"]\n')
    line = scan_error(path)
    assert f"{path}:3:9: TOML syntax error" in line
