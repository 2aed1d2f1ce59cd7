"""Issue 14, finding 13: audit and incident records were silently editable. The attacks: a
backdated tick and deleted `get` rows, then an older vault copied back over the current one."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from scanner.core.secret import Secret
from scanner.vault import Vault
from tests.conftest import PASSPHRASE, SENTINEL
from tests.vault.conftest import posture_in_process, run_posture

INVENTORY = """
[organization]
name = "Test Co"
domains = ["test.example"]

[[people]]
id = "ana"
name = "Ana Admin"
email = "ana@test.example"

[[accounts]]
id = "x-main"
platform = "x"
tier = "critical"
owner = "ana"
registered_to = "company"
mfa = "totp"
admins = ["ana"]
"""


def _posture(folder: Path, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    """In process; test_an_untouched_record_verifies runs `audit verify` as a real process."""
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    return posture_in_process(*args, cwd=folder, input=input, env=env)


def _setup(folder: Path) -> None:
    (folder / "inventory.toml").write_text(INVENTORY)
    Vault.create(folder / "posture.vault", Secret(PASSPHRASE))
    assert _posture(folder, "vault", "set", "x-main", input=SENTINEL + "\n").returncode == 0
    assert _posture(folder, "vault", "get", "x-main").returncode == 0
    assert _posture(folder, "vault", "get", "x-main").returncode == 0
    assert _posture(folder, "breach", "start", "x-main").returncode == 0
    assert _posture(folder, "breach", "done", "x-main", "1").returncode == 0


def test_an_untouched_record_verifies(tmp_path: Path) -> None:
    _setup(tmp_path)
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    done = run_posture("audit", "verify", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chain intact" in done.stdout
    assert "warning" not in _posture(tmp_path, "breach", "show", "x-main").stderr


def test_a_backdated_tick_and_deleted_get_rows_are_evident(tmp_path: Path) -> None:
    _setup(tmp_path)
    with sqlite3.connect(tmp_path / "posture.db") as conn:
        conn.execute("UPDATE incident_steps SET done_at = '2026-01-01T00:00:00Z'")
        conn.execute("DELETE FROM vault_audit WHERE action LIKE 'get%'")
    done = _posture(tmp_path, "audit", "verify")
    assert done.returncode == 1
    assert "incident_steps row 1 (incident_step) was edited" in done.stdout
    assert done.stdout.count("was deleted") == 2
    for command in (
        ("breach", "show", "x-main"),
        ("vault", "history", "x-main"),
        ("scan", "--as-of", "2026-11-23", "--no-history"),
    ):
        shown = _posture(tmp_path, *command)
        warnings = [line for line in shown.stderr.splitlines() if "records were altered" in line]
        assert len(warnings) == 1, (command, shown.stderr)
        assert warnings[0].startswith("posture: warning: ")


def test_a_vault_rolled_back_to_an_older_copy_is_evident(tmp_path: Path) -> None:
    _setup(tmp_path)
    backup = sorted((tmp_path / "posture.vault.bak").glob("rev-*.vault"))[0]
    shutil.copy(backup, tmp_path / "posture.vault")
    done = _posture(tmp_path, "audit", "verify")
    assert done.returncode == 1
    assert "rollback" in done.stdout
