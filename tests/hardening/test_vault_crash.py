"""The vault's crash-at-each-step test covers saves of an existing vault (tests/vault/test_store.py).
These cover the two other writers of the file: creating a vault, and changing its passphrase.
A process killed at any step leaves no vault or a whole one (create), the old or the new key slot
(passwd), never a vault that opens with neither passphrase."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.core.errors import VaultError
from scanner.core.secret import Secret
from scanner.vault import Entry, Vault, store
from scanner.vault import format as fmt
from scanner.vault.entries import utc_now
from scanner.vault.errors import WrongPassphrase
from tests.conftest import PASSPHRASE, SENTINEL
from tests.vault.conftest import REPO

NEW_PASSPHRASE = "the new passphrase: lantern orbit"

_CREATE = """
import sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from scanner.core.secret import Secret
from scanner.vault import Vault
Vault.create(Path(sys.argv[1]), Secret({passphrase!r}))
"""

_PASSWD = """
import sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from scanner.core.secret import Secret
from scanner.vault import Vault
from scanner.vault import format as fmt
vault = Vault.open(Path(sys.argv[1]), Secret({passphrase!r}))
vault.change_passphrase(Secret({new!r}))
"""

# Steps a first save never reaches: there is no earlier file to back up.
_NO_BACKUP = ("backup-temp-written",)
_AFTER_REPLACE = ("replaced", "folder-synced", "backups-pruned")


def crash(script: str, path: Path, step: str) -> int:
    env = {**os.environ, store.CRASH_ENV: step}
    return subprocess.run(
        [sys.executable, "-c", script, str(path)], env=env, timeout=60, check=False
    ).returncode


def leftovers(folder: Path) -> list[Path]:
    return [*folder.glob(".posture.vault.*.tmp"), *folder.glob("posture.vault.bak/.rev-*.tmp")]


@pytest.mark.parametrize("step", [s for s in store.SAVE_STEPS if s not in _NO_BACKUP])
def test_create_killed_at_any_step_leaves_no_vault_or_a_whole_empty_one(
    tmp_path: Path, step: str
) -> None:
    path = tmp_path / "posture.vault"
    assert crash(_CREATE.format(repo=str(REPO), passphrase=PASSPHRASE), path, step) == 97
    if step in _AFTER_REPLACE:
        assert dict(Vault.open(path, Secret(PASSPHRASE)).entries()) == {}
        with pytest.raises(VaultError, match="already exists"):
            Vault.create(path, Secret(PASSPHRASE))
    else:
        assert not path.exists()
        Vault.create(path, Secret(PASSPHRASE))  # init again just works: the lock is free
    vault = Vault.open(path, Secret(PASSPHRASE))
    vault.update(
        lambda e: e.update({"a": Entry("a").with_password(Secret("x"), utc_now(), "set")}),
        action="set",
    )
    assert not leftovers(tmp_path)


@pytest.mark.parametrize("step", store.SAVE_STEPS)
def test_passwd_killed_at_any_step_leaves_the_old_or_the_new_passphrase(
    tmp_path: Path, step: str
) -> None:
    path = tmp_path / "posture.vault"
    vault = Vault.create(path, Secret(PASSPHRASE))
    now = utc_now()
    vault.update(
        lambda e: e.update({"x-main": Entry("x-main").with_password(Secret(SENTINEL), now, "set")}),
        action="set",
    )
    script = _PASSWD.format(repo=str(REPO), passphrase=PASSPHRASE, new=NEW_PASSPHRASE)
    assert crash(script, path, step) == 97
    works, refused = (
        (NEW_PASSPHRASE, PASSPHRASE) if step in _AFTER_REPLACE else (PASSPHRASE, NEW_PASSPHRASE)
    )
    reopened = Vault.open(path, Secret(works))
    entry = reopened.entry("x-main")
    assert entry is not None and entry.password == Secret(SENTINEL)
    with pytest.raises(WrongPassphrase):
        Vault.open(path, Secret(refused))
    assert fmt.parse(path.read_bytes(), path).header.revision == (
        3 if step in _AFTER_REPLACE else 2
    )
    reopened.update(lambda e: e.pop("x-main"), action="rm")  # saving works again
    assert not leftovers(tmp_path)
    # The backup of revision 2 still opens with the passphrase it was saved under.
    backup = store.backup_folder(path) / "rev-00000002.vault"
    assert Vault.open(backup, Secret(PASSPHRASE)).entry("x-main") is not None
