import os
import stat
from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.vault import Entry, Vault, store
from scanner.vault.entries import utc_now
from scanner.vault.errors import VaultLocked
from tests.kdf import TEST_PYTHONPATH

from .conftest import PASSPHRASE, REPO, run_posture


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _add(vault: Vault, name: str, value: str) -> None:
    now = utc_now()
    vault.update(
        lambda entries: entries.update(
            {name: Entry(name).with_password(Secret(value), now, "set")}
        ),
        action="set",
    )


def test_vault_backups_and_lock_are_mode_0600_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        path = tmp_path / "posture.vault"
        vault = Vault.create(path, Secret(PASSPHRASE))
        _add(vault, "a", "x")
    finally:
        os.umask(old)
    assert _mode(path) == 0o600
    assert _mode(store.lock_path(path)) == 0o600
    assert _mode(store.backup_folder(path)) == 0o700
    assert [_mode(b) for b in store.backups(path)] == [0o600]


def test_last_ten_versions_are_kept_as_backups(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    vault = Vault.create(path, Secret(PASSPHRASE))
    for number in range(13):
        _add(vault, f"e{number}", "x")
    kept = store.backups(path)
    assert len(kept) == 10
    assert kept[0].name == "rev-00000013.vault"
    assert kept[-1].name == "rev-00000004.vault"
    older = Vault.open(kept[0], Secret(PASSPHRASE))
    assert older.revision == 13
    assert "e11" in older.entries()
    assert "e12" not in older.entries()


def test_a_held_lock_times_out_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import filelock

    path = tmp_path / "posture.vault"
    vault = Vault.create(path, Secret(PASSPHRASE))
    before = path.read_bytes()
    monkeypatch.setenv(store.LOCK_TIMEOUT_ENV, "0.2")
    # A second open file description on the lock file conflicts under flock like another process.
    other = filelock.FileLock(str(store.lock_path(path)), thread_local=False)
    with other, pytest.raises(VaultLocked, match="another posture process holds the vault lock"):
        _add(vault, "a", "x")
    assert path.read_bytes() == before


def test_leftover_temp_files_are_removed_by_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    vault = Vault.create(path, Secret(PASSPHRASE))
    stale = tmp_path / ".posture.vault.abc123.tmp"
    stale.write_bytes(b"half")
    _add(vault, "a", "x")
    assert not stale.exists()


_WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from scanner.core.secret import Secret
from scanner.vault import Entry, Vault
from scanner.vault.entries import utc_now
vault = Vault.open(Path(sys.argv[1]), Secret({passphrase!r}))
name = sys.argv[2]
now = utc_now()
vault.update(lambda e: e.update({{name: Entry(name).with_password(Secret(name + "-pw"), now, "set")}}), action="set")
"""


@pytest.mark.parametrize("step", store.SAVE_STEPS)
def test_a_writer_killed_at_any_step_leaves_the_old_or_the_new_vault(
    tmp_path: Path, step: str
) -> None:
    import subprocess
    import sys

    path = tmp_path / "posture.vault"
    vault = Vault.create(path, Secret(PASSPHRASE))
    _add(vault, "old", "old-pw")
    script = _WRITER.format(repo=str(REPO), passphrase=PASSPHRASE)
    env = {**os.environ, store.CRASH_ENV: step}
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), "new"], env=env, timeout=60, check=False
    )
    assert done.returncode == 97, "the crash hook did not fire"
    reopened = Vault.open(path, Secret(PASSPHRASE))
    names = set(reopened.entries())
    assert names in ({"old"}, {"old", "new"})
    if step in ("replaced", "folder-synced", "backups-pruned"):
        assert names == {"old", "new"}
    else:
        assert names == {"old"}
    assert _mode(path) == 0o600
    _add(reopened, "after", "x")  # the lock is free again and saving works
    assert set(Vault.open(path, Secret(PASSPHRASE)).entries()) == names | {"after"}
    assert not list(tmp_path.glob(".posture.vault.*.tmp"))
    assert not list(store.backup_folder(path).glob(".rev-*.tmp"))


def test_eight_processes_writing_different_entries_lose_none(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "posture.vault"
    Vault.create(path, Secret(PASSPHRASE))
    script = _WRITER.format(repo=str(REPO), passphrase=PASSPHRASE)
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(path), f"writer{n}"]) for n in range(8)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0] * 8
    reopened = Vault.open(path, Secret(PASSPHRASE))
    assert set(reopened.entries()) == {f"writer{n}" for n in range(8)}
    assert reopened.revision == 9
    for n in range(8):
        entry = reopened.entry(f"writer{n}")
        assert entry is not None
        assert entry.password == Secret(f"writer{n}-pw")


def test_eight_cli_processes_setting_different_accounts_lose_none(workdir: Path) -> None:
    import subprocess
    import sys

    from .conftest import PASSPHRASE as phrase

    env = {"POSTURE_VAULT_PASSPHRASE": phrase}
    assert run_posture("vault", "init", cwd=workdir, env=env).returncode == 0
    accounts = [
        "x-main",
        "facebook-page",
        "instagram-main",
        "linkedin-page",
        "youtube-channel",
        "tiktok-brand",
        "x-support",
        "newsletter",
    ]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    full_env.update(env, PYTHONPATH=TEST_PYTHONPATH)
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "scanner", "vault", "set", account, "--generate"],
            cwd=workdir,
            env=full_env,
            stdout=subprocess.DEVNULL,
        )
        for account in accounts
    ]
    assert [w.wait(timeout=120) for w in writers] == [0] * 8
    assert set(Vault.open(workdir / "posture.vault", Secret(phrase)).entries()) == set(accounts)
