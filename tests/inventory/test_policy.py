"""Policy defaults, overrides in the inventory, per tier, and from a policy file."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core.errors import InputError
from scanner.core.model import Mfa, Tier
from scanner.inventory.accounts import load_inventory
from scanner.inventory.policy import load_policy
from tests.conftest import clean_inventory, write_toml

runner = CliRunner()


def test_defaults_follow_nist_and_cis(tmp_path):
    inventory = load_inventory(write_toml(tmp_path / "i.toml", clean_inventory()))
    policy = load_policy(inventory.policy_table)
    standard = policy.for_tier(Tier.STANDARD)
    assert standard.min_length == 15
    assert standard.min_length_with_mfa == 8
    assert standard.min_length_for(Mfa.NONE) == 15
    assert standard.min_length_for(Mfa.TOTP) == 8
    assert standard.min_strength == 3
    assert standard.mfa_minimum is Mfa.TOTP
    assert standard.max_password_holders == 1
    assert (standard.min_admins, standard.max_admins) == (2, 10)
    assert standard.dormant_days == 45
    assert standard.max_password_age_days == 0
    critical = policy.for_tier(Tier.CRITICAL)
    assert critical.min_strength == 4
    assert critical.mfa_minimum is Mfa.FIDO2


def test_inventory_overrides_then_tier_overrides(tmp_path):
    data = clean_inventory()
    data["policy"] = {"dormant_days": 90, "tiers": {"low": {"dormant_days": 365}}}
    policy = load_policy(load_inventory(write_toml(tmp_path / "i.toml", data)).policy_table)
    assert policy.for_tier(Tier.STANDARD).dormant_days == 90
    assert policy.for_tier(Tier.CRITICAL).dormant_days == 90
    assert policy.for_tier(Tier.LOW).dormant_days == 365
    # the built-in critical-tier defaults survive a top-level override of other keys
    assert policy.for_tier(Tier.CRITICAL).mfa_minimum is Mfa.FIDO2


def test_policy_file_wins_over_the_inventory(tmp_path):
    data = clean_inventory()
    data["policy"] = {"max_admins": 5}
    inventory = load_inventory(write_toml(tmp_path / "i.toml", data))
    policy_file = write_toml(tmp_path / "p.toml", {"policy": {"max_admins": 3}})
    assert load_policy(inventory.policy_table, policy_file).for_tier(Tier.LOW).max_admins == 3


def test_unknown_policy_key_suggests(tmp_path):
    data = clean_inventory()
    data["policy"] = {"dormant_day": 10}
    path = write_toml(tmp_path / "i.toml", data)
    result = runner.invoke(app, ["scan", str(path)])
    assert result.exit_code == 2
    assert "policy.dormant_day: unknown key" in result.stderr
    assert 'did you mean "dormant_days"' in result.stderr


def test_unknown_tier_is_an_error(tmp_path):
    data = clean_inventory()
    data["policy"] = {"tiers": {"critcal": {"min_admins": 3}}}
    result = runner.invoke(app, ["scan", str(write_toml(tmp_path / "i.toml", data))])
    assert result.exit_code == 2
    assert 'policy.tiers.critcal: unknown key (did you mean "critical"?)' in result.stderr


def test_bad_policy_values_are_errors(tmp_path):
    for bad, expected in [
        ({"min_strength": 5}, "policy.min_strength: must be from 0 to 4"),
        ({"mfa_minimum": "sms3"}, "policy.mfa_minimum: 'sms3' is not one of"),
        ({"mfa_required": "yes"}, "policy.mfa_required: must be true or false"),
        ({"min_admins": 4, "max_admins": 3}, "min_admins (4) is above max_admins (3)"),
    ]:
        data = clean_inventory()
        data["policy"] = bad
        result = runner.invoke(app, ["scan", str(write_toml(tmp_path / "i.toml", data))])
        assert result.exit_code == 2, bad
        assert expected in result.stderr, result.stderr


def test_policy_file_errors_name_the_policy_file(tmp_path):
    inventory = load_inventory(write_toml(tmp_path / "i.toml", clean_inventory()))
    bad = write_toml(tmp_path / "p.toml", {"rules": {}})
    with pytest.raises(InputError) as caught:
        load_policy(inventory.policy_table, bad)
    assert str(caught.value).startswith(f"{bad}:")
    assert "rules: unknown key" in str(caught.value)


def test_policy_option_through_the_cli(tmp_path):
    data = clean_inventory()
    inventory = write_toml(tmp_path / "i.toml", data)
    strict = write_toml(tmp_path / "p.toml", {"policy": {"min_admins": 3}})
    assert runner.invoke(app, ["scan", str(inventory)]).exit_code == 0
    result = runner.invoke(
        app, ["scan", str(inventory), "--policy", str(strict), "--fail-on", "medium"]
    )
    assert result.exit_code == 1
    assert "OWN-003" in result.stdout
