"""A posture process killed in the middle of a state-database transaction (recording a scan,
ticking a breach step, writing vault audit rows): afterwards the database passes
`PRAGMA integrity_check`, holds none of the interrupted transaction, and posture works on it,
read-only commands first (they must cope with the hot journal a crash can leave)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.vault import Vault
from tests.conftest import PASSPHRASE
from tests.kdf import TEST_PYTHONPATH
from tests.vault.conftest import EXAMPLE, REPO, invoke

AS_OF = "2026-11-23"
ENV = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE, "POSTURE_ACTOR": "tester"}


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The current folder: the example inventory, one recorded scan, an open incident on x-main
    and an empty vault (built in process, so the history's inventory key is this folder)."""
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    ok("scan", "--as-of", AS_OF)
    ok("breach", "start", "x-main", "--by", "t")
    ok("vault", "init")
    return tmp_path


def killed(
    folder: Path, args: list[str], transaction: int, statement: int, cache_pages: int = 0
) -> None:
    """Run `posture ARGS`, killed when `statement` of its `transaction`-th transaction starts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    env.update(ENV, PYTHONPATH=TEST_PYTHONPATH, HARNESS_KILL_TRANSACTION=str(transaction))
    env["HARNESS_KILL_STATEMENT"] = str(statement)
    if cache_pages:
        env["HARNESS_CACHE_PAGES"] = str(cache_pages)
    done = subprocess.run(
        [sys.executable, "-m", "tests.hardening.sqlite_kill", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 97, f"the kill did not happen: {done.returncode} {done.stderr}"


def rows(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(folder / "posture.db") as conn:
        return conn.execute(sql).fetchall()


def assert_intact(folder: Path) -> None:
    assert rows(folder, "PRAGMA integrity_check") == [("ok",)]
    assert rows(folder, "PRAGMA foreign_key_check") == []


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code in (0, 1), (args, result.output)
    return result.stdout


FINDINGS_PER_SCAN = (
    "SELECT id, json_extract(summary, '$.accounts') * json_extract(summary, '$.checks'), "
    "findings IS NOT NULL FROM scans ORDER BY id"
)

# Statement numbers inside the scan's history transaction: 0 BEGIN, 1 SELECT previous,
# 2 INSERT scans (with its findings), 3 SELECT the previous scan's, 4 SELECT the trend, 5 COMMIT.
SCAN_KILLS = [(0, 0), (2, 0), (3, 0), (4, 0), (5, 0), (2, 1), (4, 1)]


@pytest.mark.parametrize(("statement", "cache_pages"), SCAN_KILLS)
def test_scan_killed_while_recording_history_leaves_none_of_it(
    work: Path, statement: int, cache_pages: int
) -> None:
    before = rows(work, FINDINGS_PER_SCAN)
    killed(work, ["scan", "--as-of", AS_OF], 1, statement, cache_pages)
    # Read-only commands first: they meet whatever the crash left, hot journal included.
    history = ok("history")
    assert "score trend" in history and " 1 scan" in history
    assert "x-main" in ok("breach", "show", "x-main")
    assert_intact(work)
    assert rows(work, FINDINGS_PER_SCAN) == before
    assert rows(work, "SELECT count(*) FROM scans") == [(1,)]
    ok("scan", "--as-of", AS_OF)
    after = rows(work, FINDINGS_PER_SCAN)
    assert len(after) == 2 and after[1][1:] == before[0][1:] == (before[0][1], 1)


@pytest.mark.parametrize("statement", range(5))
def test_breach_tick_killed_mid_transaction_leaves_none_of_it(work: Path, statement: int) -> None:
    killed(work, ["breach", "done", "x-main", "1", "--by", "t"], 1, statement)
    assert "0 of" in ok("breach", "show", "x-main")
    assert_intact(work)
    assert rows(work, "SELECT count(*) FROM incident_steps") == [(0,)]
    assert "1 of" in ok("breach", "done", "x-main", "1", "--by", "t")


# Transaction 1 stores the new password's strength score (recorded with its PWD-001 verdict
# before the vault is saved, issue 14); 2 is the audit row, 3 the incident tick.
@pytest.mark.parametrize(
    ("transaction", "statement"), [(2, 0), (2, 1), (2, 2), (3, 0), (3, 3), (3, 4)]
)
def test_vault_confirm_killed_in_its_audit_or_tick_transaction(
    work: Path, transaction: int, statement: int
) -> None:
    ok("vault", "rotate", "x-main")  # pending: nothing ticked yet
    assert rows(work, "SELECT count(*) FROM incident_steps") == [(0,)]
    killed(work, ["vault", "confirm", "x-main"], transaction, statement)
    shown = ok("breach", "show", "x-main")
    assert_intact(work)
    # The vault was saved before the database was written: the new password is live.
    entry = Vault.open(work / "posture.vault", Secret(PASSPHRASE)).entry("x-main")
    assert entry is not None and entry.rotations == 1 and entry.pending is None
    audit = rows(work, "SELECT count(*) FROM vault_audit WHERE action = 'confirm rotation'")
    assert audit == [(0,)] if transaction == 2 else [(1,)]
    assert rows(work, "SELECT count(*) FROM incident_steps") == [(0,)]
    assert "rotate-password" in shown
    ok("vault", "rotate", "x-main")
    out = ok("vault", "confirm", "x-main")
    assert "ticked rotate-password" in out
    assert rows(work, "SELECT count(*) FROM incident_steps") == [(1,)]


_LOOP = """
import sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from scanner.services.scan import ScanRequest, perform_scan
import datetime as dt
request = ScanRequest(inventory=Path("inventory.toml"), today=dt.date(2026, 11, 23),
                      db=Path("posture.db"), record_history=True)
print("ready", flush=True)
while True:
    perform_scan(request)
"""


@pytest.mark.slow
def test_scans_sigkilled_at_random_moments_never_leave_half_a_scan(work: Path) -> None:
    per_scan = rows(work, FINDINGS_PER_SCAN)[0][1]
    chance = random.Random(7)
    for _ in range(6):
        loop = subprocess.Popen(
            [sys.executable, "-c", _LOOP.format(repo=str(REPO))],
            cwd=work,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert loop.stdout is not None and loop.stdout.readline() == "ready\n"
        time.sleep(chance.uniform(0.05, 0.6))
        loop.send_signal(signal.SIGKILL)
        loop.wait(timeout=30)
        assert "score trend" in ok("history")
        assert_intact(work)
        counts = rows(work, FINDINGS_PER_SCAN)
        assert all(count == per_scan and stored for _, count, stored in counts), counts
        assert len(counts) == rows(work, "SELECT count(*) FROM scans")[0][0]
    ok("scan", "--as-of", AS_OF)
