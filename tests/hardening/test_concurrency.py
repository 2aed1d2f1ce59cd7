"""Many posture processes on one vault at once: no write lost, nothing torn, clear lock errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.vault import Vault, store
from scanner.vault import format as fmt
from tests.conftest import PASSPHRASE
from tests.kdf import TEST_PYTHONPATH
from tests.vault.conftest import EXAMPLE, REPO, invoke, run_posture

WRITERS = 8
WRITES = 50
SHARED_EVERY = 5  # every 5th write of each process rotates the one shared entry

_WRITER = """
import sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from scanner.core.secret import Secret
from scanner.vault import Entry, Vault
from scanner.vault.entries import utc_now
vault = Vault.open(Path(sys.argv[1]), Secret({passphrase!r}))
me = sys.argv[2]
for number in range({writes}):
    now = utc_now()
    if number % {shared_every} == 0:
        def change(entries):
            old = entries.get("shared") or Entry("shared")
            entries["shared"] = old.rotated(Secret(f"{{me}}-{{number}}"), now, me)
    else:
        name = f"{{me}}-{{number}}"
        def change(entries, name=name):
            entries[name] = Entry(name).with_password(Secret(name + "-pw"), now, "set")
    vault.update(change, action="set")
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    env["PYTHONPATH"] = TEST_PYTHONPATH
    return env


@pytest.mark.slow
def test_eight_processes_of_fifty_writes_each_lose_none(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    Vault.create(path, Secret(PASSPHRASE))
    script = _WRITER.format(
        repo=str(REPO), passphrase=PASSPHRASE, writes=WRITES, shared_every=SHARED_EVERY
    )
    started = time.monotonic()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), f"w{n}"],
            env=_env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    results = [(w.wait(timeout=300), w.stderr.read() if w.stderr else "") for w in writers]
    print(f"{WRITERS * WRITES} writes in {time.monotonic() - started:.1f} s")
    assert results == [(0, "")] * WRITERS
    vault = Vault.open(path, Secret(PASSPHRASE))
    assert vault.revision == 1 + WRITERS * WRITES
    own = {f"w{n}-{i}" for n in range(WRITERS) for i in range(WRITES) if i % SHARED_EVERY != 0}
    assert set(vault.entries()) == own | {"shared"}
    for name in own:
        entry = vault.entry(name)
        assert entry is not None and entry.password == Secret(f"{name}-pw")
    shared = vault.entry("shared")
    assert shared is not None
    assert shared.rotations == WRITERS * WRITES // SHARED_EVERY  # no rotation was lost
    fmt.parse(path.read_bytes(), path)
    assert not list(tmp_path.glob(".posture.vault.*.tmp"))
    assert len(store.backups(path)) == store.BACKUPS_KEPT


_ROTATOR = """
import sys
sys.path.insert(0, {repo!r})
from typer.testing import CliRunner
from scanner.cli import app
for _ in range({rounds}):
    result = CliRunner().invoke(app, ["vault", "rotate", "x-main"])
    if result.exit_code != 0:
        sys.exit("rotate failed: " + result.output)
    result = CliRunner().invoke(app, ["vault", "confirm", "x-main"])
    if result.exit_code != 0:
        sys.exit("confirm failed: " + result.output)
"""

_READER = """
import sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from typer.testing import CliRunner
from scanner.cli import app
stop = Path("rotator.done")
seen = []
while True:
    last = stop.exists()
    for args in (["vault", "get", "x-main"], ["vault", "list"], ["scan", "--as-of", "2026-11-23"]):
        result = CliRunner().invoke(app, args)
        if result.exit_code not in (0, 1) or (args[0] == "vault" and result.exit_code != 0):
            sys.exit(f"{{args}} failed with {{result.exit_code}}: {{result.output}}")
        if args[1] == "get":
            seen.append(result.stdout.strip())
    if last:
        break
Path(sys.argv[1]).write_text("\\n".join(seen))
"""


def test_readers_never_see_a_torn_or_failing_vault_while_rotate_runs(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    assert run_posture("vault", "init", cwd=tmp_path, env=env).returncode == 0
    assert (
        run_posture("vault", "set", "x-main", "--generate", cwd=tmp_path, env=env).returncode == 0
    )
    full_env = {**_env(), **env}
    rounds = 10
    rotator = subprocess.Popen(
        [sys.executable, "-c", _ROTATOR.format(repo=str(REPO), rounds=rounds)],
        cwd=tmp_path,
        env=full_env,
        stderr=subprocess.PIPE,
        text=True,
    )
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", _READER.format(repo=str(REPO)), f"seen{n}.txt"],
            cwd=tmp_path,
            env=full_env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    assert rotator.wait(timeout=300) == 0, rotator.stderr.read() if rotator.stderr else ""
    (tmp_path / "rotator.done").touch()
    for reader in readers:
        assert reader.wait(timeout=300) == 0, reader.stderr.read() if reader.stderr else ""
    vault = Vault.open(tmp_path / "posture.vault", Secret(PASSPHRASE))
    entry = vault.entry("x-main")
    assert entry is not None and entry.rotations == rounds
    every_value = {entry.password.reveal()} | {old.value.reveal() for old in entry.history}
    seen = [line for n in range(2) for line in (tmp_path / f"seen{n}.txt").read_text().split("\n")]
    assert seen and set(seen) <= every_value  # each read saw one whole, authentic version
    assert rows_ok(tmp_path / "posture.db")


def rows_ok(db: Path) -> bool:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


_HOLDER = """
import sys, time, filelock
lock = filelock.FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_a_writer_waiting_past_the_lock_timeout_gets_one_clear_line(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    assert run_posture("vault", "init", cwd=tmp_path, env=env).returncode == 0
    path = tmp_path / "posture.vault"
    before = path.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(store.lock_path(path))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        started = time.monotonic()
        waiting = run_posture(
            "vault",
            "set",
            "x-main",
            "--generate",
            cwd=tmp_path,
            env={**env, store.LOCK_TIMEOUT_ENV: "0.5"},
        )
        assert time.monotonic() - started < 20
    finally:
        holder.kill()
        holder.wait()
    assert waiting.returncode == 2
    assert waiting.stdout == ""
    assert waiting.stderr.count("\n") == 1
    assert waiting.stderr.startswith("posture: error: ")
    assert "another posture process holds the vault lock" in waiting.stderr
    assert "0.5 s" in waiting.stderr
    assert path.read_bytes() == before
    again = run_posture("vault", "set", "x-main", "--generate", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr  # the holder is gone: the lock is free


@pytest.mark.parametrize("value", ["soon", "nan", "inf", "-1"])
def test_a_bad_lock_timeout_setting_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert invoke("vault", "init").exit_code == 0
    monkeypatch.setenv(store.LOCK_TIMEOUT_ENV, value)
    result = invoke("vault", "set", "x-main", "--generate")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert store.LOCK_TIMEOUT_ENV in result.stderr
