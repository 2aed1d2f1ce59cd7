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
