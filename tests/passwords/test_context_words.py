"""Context words fail PWD-001 whatever zxcvbn says (NIST SP 800-63B-4 §3.1.1.2 "and derivatives
thereof"), through `vault set` and `posture scan`; the finding names the kind of word only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core.secret import Secret
from scanner.passwords.context import context_word

INVENTORY = """\
[organization]
name = "Northwind Coffee Roasters"
domains = ["northwind.example"]
brand_terms = ["northwind", "northwindcoffee"]

[[people]]
id = "marta"
name = "Marta Olsen"
email = "marta@northwind.example"
policy_acknowledged = 2026-06-01

[[accounts]]
id = "instagram-shop"
platform = "instagram"
handle = "@northwindroast"
tier = "standard"
owner = "marta"
registered_to = "company"
login_email = "social@northwind.example"
recovery_email = "it@northwind.example"
recovery_phone_holder = "company"
mfa = "totp"
admins = ["marta"]
password_known_by = ["marta"]

[[accounts]]
id = "x-shop"
platform = "x"
handle = "@northwindroast"
tier = "low"
owner = "marta"
registered_to = "company"
login_email = "social@northwind.example"
recovery_phone_holder = "company"
mfa = "totp"
admins = ["marta"]
password_known_by = ["marta"]
"""

runner = CliRunner()


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "inventory.toml").write_text(INVENTORY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", "test passphrase: staple battery")
    assert runner.invoke(app, ["vault", "init"]).exit_code == 0
    return tmp_path


def _set(account: str, value: str) -> tuple[str, str]:
    result = runner.invoke(app, ["vault", "set", account, "--set-on", "today"], input=value + "\n")
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def _pwd001(account: str) -> dict[str, object]:
    result = runner.invoke(app, ["scan", "-f", "json", "--fail-on", "none", "--checks", "PWD-001"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["findings"]
    return next(f for f in found if f["account"] == account)


def test_brand_plus_year_fails_pwd001_on_a_standard_tier_account(shop: Path) -> None:
    out, err = _set("instagram-shop", "NorthwindCoffee2024!")
    assert "NorthwindCoffee2024!" not in out + err
    assert "posture: warning: instagram-shop: would fail PWD-001: weak password: built on a " in err
    assert len([line for line in err.splitlines() if "warning" in line]) == 1
    finding = _pwd001("instagram-shop")
    assert finding["status"] == "FAIL"
    assert "built on a brand term plus only digits, symbols" in str(finding["message"])
    assert finding["evidence"]["context_word"] == "brand term"
    assert "Northwind" not in json.dumps(finding)


@pytest.mark.parametrize(
    ("password", "kind"),
    [
        ("n0rthw1nd_c0ffee_2025", "brand term"),  # leet and separators
        ("NORTHWIND-roast-99", "handle"),  # the longest word wins
        ("MartaOlsen1987!", "holder name"),
        ("Northwind Coffee Roasters 1!", "organisation name"),
        ("Instagram2026!!", "platform name"),
        ("social@2026", "login email"),
    ],
)
def test_derivatives_of_context_words_are_found(shop: Path, password: str, kind: str) -> None:
    _set("instagram-shop", password)
    finding = _pwd001("instagram-shop")
    assert finding["status"] == "FAIL"
    assert f"built on a{'n' if kind[0] in 'aeiou' else ''} {kind}" in str(finding["message"])
    assert password not in json.dumps(finding)


def test_a_long_passphrase_with_a_brand_word_among_strong_material_passes(shop: Path) -> None:
    _, err = _set("instagram-shop", "velvet Quartz ladder Northwind kiln Umbrella 83")
    assert "warning" not in err
    finding = _pwd001("instagram-shop")
    assert finding["status"] == "PASS"


def test_vault_set_warns_once_about_reuse_without_the_value(shop: Path) -> None:
    strong = "tgV7#pQ2!mZr9$Lw4@xB-kq"
    _set("instagram-shop", strong)
    _, err = _set("x-shop", strong)
    assert err.count("posture: warning:") == 1
    assert "would fail PWD-003: same password as instagram-shop" in err
    assert strong not in err


def test_context_word_rule_on_its_own() -> None:
    kinds = {"northwind": "brand term", "northwindcoffee": "brand term", "marta": "holder name"}
    assert context_word(Secret("tgV7#pQ2!mZr9"), kinds) is None
    found = context_word(Secret("NorthwindCoffee2024!"), kinds)
    assert found is not None and found.kind == "brand term" and found.remainder_score is None
    strong = context_word(Secret("northwind Xq7#pL9!zR4w vL"), kinds)
    assert strong is not None and strong.remainder_score == 4
