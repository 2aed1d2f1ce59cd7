"""The team vault under crashes and concurrent writers: a `vault sync` killed at any step of its
save leaves a vault that opens, signed, with the old or the new reader sets (never a mix, never a
rollback refusal); two custodians saving at once both keep their change."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from scanner.vault import store
from tests.kdf import TEST_PYTHONPATH
from tests.vault.team.conftest import (  # noqa: F401 - fixtures
    ACCT_PW,
    Team,
    depart,
    ok,
    team,
    team_template,
)

_AFTER_REPLACE = ("replaced", "folder-synced", "backups-pruned")
# The save is store.replace, killed at every one of its steps in test_vault_crash.py and
# tests/vault/test_store.py; here the last step before the rename and the rename itself.
_STEPS = ("temp-synced", "replaced")


def _posture(*args: str, crash_at: str | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": TEST_PYTHONPATH}
    if crash_at:
        env[store.CRASH_ENV] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "scanner", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("step", _STEPS)
def test_sync_killed_at_any_step_leaves_the_old_or_the_new_reader_sets(
    team: Team,  # noqa: F811 - the fixture
    step: str,
) -> None:
    depart(team, "ben", dt.date.today() - dt.timedelta(days=1))
    before = team.readers("acct")
    done = _posture("vault", "sync", "--identity", "ana", crash_at=step)
    assert done.wait(timeout=60) == 97, done.stderr.read() if done.stderr else ""
    readers = team.readers("acct")
    if step in _AFTER_REPLACE:
        assert readers == ["ana"]
    else:
        assert readers == before == ["ana", "ben"]
    # Whichever it is, it opens (signature, revision) and every value is whole.
    assert ok("vault", "get", "acct", "--identity", "ana") == ACCT_PW + "\n"
    # The next sync finishes the job and cleans up what the killed one left.
    ok("vault", "sync", "--identity", "ana")
    assert team.readers("acct") == ["ana"]
    assert not list(team.folder.glob(".posture.vault.*.tmp"))
    assert team.body()["entries"]["acct"]["rotate"]["removed"] == ["ben"]


def test_two_custodians_saving_at_once_both_keep_their_change(
    team: Team,  # noqa: F811 - the fixture
) -> None:
    team.data["vault"]["custodians"] = ["ana", "ben"]
    team.write()
    ok("vault", "sync", "--identity", "ana")  # Ben, a new custodian, reads every entry now
    team.account("acct3")["password_known_by"] = []  # the agency is done: sync has work
    team.write()
    writers = [
        _posture("vault", "sync", "--identity", "ana"),
        _posture("vault", "rotate", "acct", "--identity", "ben"),
    ]
    for writer in writers:
        assert writer.wait(timeout=60) == 0, writer.stderr.read() if writer.stderr else ""
    assert "pending since" in ok("vault", "list", "--identity", "ana")
    assert sorted(team.body()["entries"]) == ["acct", "acct2", "acct3"]
    # Both saves happened, one after the other: 2 revisions past the first sync's 6.
    assert team.body()["revision"] == 8
