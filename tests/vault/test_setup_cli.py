"""`posture init` and `posture demo` with the vault."""

from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.vault import Vault

from .conftest import PASSPHRASE, invoke


def test_init_creates_an_empty_vault_when_a_passphrase_is_given(
    tmp_path: Path, passphrase_env: str
) -> None:
    result = invoke("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "created an empty vault" in result.stdout
    assert dict(Vault.open(tmp_path / "posture.vault", Secret(PASSPHRASE)).entries()) == {}


def test_init_without_a_passphrase_source_still_writes_the_inventory(tmp_path: Path) -> None:
    result = invoke("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "inventory.toml").exists()
    assert not (tmp_path / "posture.vault").exists()
    assert "posture vault init" in result.stdout


def test_init_keeps_an_existing_vault(tmp_path: Path, passphrase_env: str) -> None:
    Vault.create(tmp_path / "posture.vault", Secret(PASSPHRASE))
    before = (tmp_path / "posture.vault").read_bytes()
    result = invoke("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "posture.vault").read_bytes() == before


def test_demo_builds_a_vault_with_weak_reused_and_strong_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke("demo", "--keep", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "DEMO ONLY" in result.stdout
    assert "due for rotation: x-support" in result.stdout
    assert "Acme#Social1" not in result.stdout
    vault = Vault.open(tmp_path / "posture.vault", Secret("demo only - acme outdoor trail mix"))
    passwords = {name: e.password.reveal() for name, e in vault.entries().items() if e.password}
    assert len(passwords) == 14
    reused = [name for name, value in passwords.items() if value == "Acme#Social1"]
    assert sorted(reused) == ["design-tool", "tiktok-brand", "x-support"]
    assert passwords["instagram-careers"] == "password123"
    assert len(passwords["x-main"]) == 24  # X generate_length (catalogue v2)
    x_support = vault.entry("x-support")
    assert x_support is not None
    assert x_support.totp is not None
    assert x_support.totp.bits == 80
    assert x_support.totp.code().reveal().isdigit()
    import os

    assert "POSTURE_VAULT_PASSPHRASE" not in os.environ


@pytest.mark.parametrize(
    ("passphrase", "reason"),
    [
        ("a", "at least 15 characters (this one has 1)"),
        ("Tr0ub4dor&3xyz", "at least 15 characters (this one has 14)"),
        ("qwertyuiopasdfgh", "too easy to guess"),
        ("AcmeOutdoor123456", "too easy to guess"),  # the organisation's own brand term
    ],
)
def test_vault_init_refuses_a_weak_passphrase_and_writes_nothing(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str, reason: str
) -> None:
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", passphrase)
    result = invoke("vault", "init")
    assert result.exit_code == 2
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(passphrase) == 1 or passphrase not in result.output
    assert not (workdir / "posture.vault").exists()


def test_vault_passwd_refuses_a_weak_new_passphrase_and_keeps_the_old(
    workdir: Path, passphrase_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("vault", "init").exit_code == 0
    before = (workdir / "posture.vault").read_bytes()
    monkeypatch.setenv("POSTURE_NEW_VAULT_PASSPHRASE", "short-one")
    result = invoke("vault", "passwd")
    assert result.exit_code == 2
    assert "at least 15 characters" in result.stderr
    assert (workdir / "posture.vault").read_bytes() == before
