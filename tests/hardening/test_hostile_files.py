"""Hostile files that are not passwords: suppression and policy files that are deeply nested,
huge or binary; state databases that are not SQLite, truncated, or from a newer posture. Each is
one line on stderr and exit 2 through the CLI: no traceback, no internal error, nothing written."""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.core import tomlsource
from tests.conftest import PASSPHRASE
from tests.vault.conftest import EXAMPLE, REPO, invoke, run_posture

AS_OF = "2026-11-23"
DEPTH = 50_000


def _nested_arrays() -> bytes:
    return b"x = " + b"[" * DEPTH + b"]" * DEPTH + b"\n"


def _nested_inline_tables() -> bytes:
    return b"x = " + b"{a = " * DEPTH + b"1" + b"}" * DEPTH + b"\n"


def _dotted_keys() -> bytes:
    return b".".join([b"k"] * DEPTH) + b" = 1\n"


def _nested_headers() -> bytes:
    return b"[" + b".".join([b"t"] * DEPTH) + b"]\n"


def _binary() -> bytes:
    return bytes(range(256)) * 64


def _elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + os.urandom(2048)


def _nul_text() -> bytes:
    return b'[[suppression]]\ncheck = "MFA-002\x00"\n'


def _utf16() -> bytes:
    return '[[suppression]]\ncheck = "MFA-002"\n'.encode("utf-16")


def _long_value() -> bytes:
    return b'[[suppression]]\ncheck = "' + b"A" * 2_000_000 + b'"\n'


def _long_key() -> bytes:
    return b"[policy]\n" + b"k" * 2_000_000 + b" = 1\n"


def _many_entries() -> bytes:
    entry = (
        b'[[suppression]]\ncheck = "MFA-002"\naccounts = ["x-main"]\nreason = "r"\n'
        b'owner = "o"\nexpires = 2027-01-31\n'
    )
    return entry * 20_000 + b"[[suppression]]\n"


HOSTILE = {
    "nested arrays": _nested_arrays,
    "nested inline tables": _nested_inline_tables,
    "dotted keys": _dotted_keys,
    "nested table headers": _nested_headers,
    "binary": _binary,
    "elf": _elf,
    "nul": _nul_text,
    "utf-16": _utf16,
    "two megabyte value": _long_value,
    "two megabyte key": _long_key,
    "twenty thousand entries": _many_entries,
}


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line_exit_2(args: tuple[str, ...], *, limit: int = 2000) -> str:
    result = invoke(*args)
    assert result.exit_code == 2, (args, result.exit_code, result.output[:500])
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[:500]
    assert lines[0].startswith("posture: error: ")
    assert "internal error" not in lines[0]
    assert len(lines[0]) <= limit, f"a {len(lines[0])}-character error line"
    return lines[0]


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("option", ["--suppressions", "--policy"])
def test_hostile_suppression_and_policy_files_are_one_line_and_exit_2(
    work: Path, kind: str, option: str
) -> None:
    hostile = work / "hostile.toml"
    hostile.write_bytes(HOSTILE[kind]())
    line = one_line_exit_2(("scan", option, str(hostile), "--as-of", AS_OF))
    assert "hostile.toml" in line
    assert not (work / "posture.db").exists(), "nothing recorded for a refused scan"


@pytest.mark.parametrize("option", ["--suppressions", "--policy"])
def test_a_file_past_the_size_cap_is_refused_without_reading_it(work: Path, option: str) -> None:
    """Run with 200 MB of address space: reading the 256 MiB file would be a MemoryError."""
    hostile = work / "huge.toml"
    with hostile.open("wb") as handle:  # sparse: no disk space used
        handle.truncate(tomlsource.MAX_FILE_BYTES + 1)

    def small_memory() -> None:
        limit = 200 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", option, str(hostile), "--as-of", AS_OF],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=small_memory,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "larger than 256 MiB" in done.stderr


def _real_db(work: Path) -> Path:
    assert invoke("scan", "--as-of", AS_OF).exit_code == 1
    assert invoke("breach", "start", "x-main", "--by", "t").exit_code == 0
    return work / "posture.db"


def _not_sqlite(work: Path) -> None:
    (work / "posture.db").write_bytes(b"this is a shopping list, not a database\n" * 100)


def _random_bytes(work: Path) -> None:
    (work / "posture.db").write_bytes(os.urandom(8192))


def _truncated_in_the_header(work: Path) -> None:
    db = _real_db(work)
    db.write_bytes(db.read_bytes()[:50])


def _truncated_in_half(work: Path) -> None:
    db = _real_db(work)
    raw = db.read_bytes()
    db.write_bytes(raw[: len(raw) // 2])


def _newer_schema(work: Path) -> None:
    db = _real_db(work)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")


def _a_folder(work: Path) -> None:
    (work / "posture.db").mkdir()


DATABASES = {
    "not sqlite": _not_sqlite,
    "random bytes": _random_bytes,
    "truncated in the header": _truncated_in_the_header,
    "truncated in half": _truncated_in_half,
    "newer schema": _newer_schema,
    "a folder": _a_folder,
}
COMMANDS = {
    "scan": ("scan", "--as-of", AS_OF),
    "scan --no-history": ("scan", "--as-of", AS_OF, "--no-history"),
    "history": ("history",),
    "breach show": ("breach", "show", "x-main"),
    "breach list": ("breach", "list"),
    "breach start": ("breach", "start", "x-main", "--by", "t"),
    "breach done": ("breach", "done", "x-main", "1", "--by", "t"),
    "vault init": ("vault", "init"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("damage", DATABASES)
def test_a_bad_state_database_is_one_line_and_exit_2_for_every_command(
    work: Path, monkeypatch: pytest.MonkeyPatch, damage: str, command: str
) -> None:
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    DATABASES[damage](work)
    db = work / "posture.db"
    before = db.read_bytes() if db.is_file() else None
    line = one_line_exit_2(COMMANDS[command])
    assert "posture.db" in line
    if damage == "newer schema":
        assert "newer than this posture" in line
    if before is not None:
        assert db.read_bytes() == before, "the damaged database was written"


def test_a_bad_state_database_through_a_real_process(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    (tmp_path / "posture.db").write_bytes(b"\x00" * 4096)
    done = run_posture("history", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("posture: error: ")
