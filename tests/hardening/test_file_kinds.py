"""Hostile files written as the attacks a red team ran: `inventory.toml -> /dev/zero`, a FIFO as
the vault, the escaped-quote TOML key, a `#` in the inventory's folder, files other local users
could read, core dumps. Each ends in a bounded one-line refusal (exit 2) and nothing lost."""

from __future__ import annotations

import ctypes
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.core import tomlsource
from scanner.core.files import atomic_write
from tests.conftest import PASSPHRASE
from tests.vault.conftest import EXAMPLE, REPO, invoke

AS_OF = "2026-11-23"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    return tmp_path


def refused(args: tuple[str, ...], expect: str, *, seconds: float = 5.0) -> str:
    started = time.monotonic()
    result = invoke(*args)
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, (args, result.exit_code, result.output[:400])
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[:400]
    assert lines[0].startswith("posture: error: ")
    assert expect in lines[0], lines[0]
    assert elapsed < seconds, f"{elapsed:.1f} s"
    return lines[0]


@pytest.fixture
def fifo(work: Path) -> Iterator[Path]:
    """A named pipe; a watchdog opens its write end after 8 s so a reader that waits is freed
    (and the test then fails on time) instead of hanging the suite."""
    path = work / "pipe"
    os.mkfifo(path)
    done = threading.Event()

    def unblock() -> None:
        if not done.wait(8):
            fd = os.open(path, os.O_WRONLY)
            os.close(fd)

    thread = threading.Thread(target=unblock, daemon=True)
    thread.start()
    yield path
    done.set()


def _kinds_of_input(target: Path) -> dict[str, tuple[str, ...]]:
    return {
        "inventory": ("scan", str(target), "--no-vault", "--as-of", AS_OF),
        "policy": ("scan", "--policy", str(target), "--no-vault", "--as-of", AS_OF),
        "suppressions": ("scan", "--suppressions", str(target), "--no-vault", "--as-of", AS_OF),
        "vault": ("scan", "--vault", str(target), "--as-of", AS_OF),
        "breach corpus": ("scan", "--hibp", str(target), "--as-of", AS_OF, "--no-vault"),
        "passphrase file": ("vault", "list", "--passphrase-file", str(target)),
        "import": ("vault", "import", str(target), "--from", "bitwarden"),
    }


@pytest.mark.parametrize("kind", list(_kinds_of_input(Path())))
def test_a_symlink_to_dev_zero_is_refused_for_every_input(work: Path, kind: str) -> None:
    if kind in ("passphrase file", "import"):
        assert invoke("vault", "init").exit_code == 0
    link = work / "zero"
    link.symlink_to("/dev/zero")
    refused(_kinds_of_input(link)[kind], "is a device, not a regular file")


@pytest.mark.parametrize("kind", list(_kinds_of_input(Path())))
def test_a_fifo_is_refused_at_once_for_every_input(work: Path, fifo: Path, kind: str) -> None:
    if kind in ("passphrase file", "import"):
        assert invoke("vault", "init").exit_code == 0
    refused(_kinds_of_input(fifo)[kind], "is a named pipe (FIFO)")


def test_the_committed_inventory_symlinked_to_dev_zero_is_refused(work: Path) -> None:
    """The pull-request attack: the default inventory itself is the symlink."""
    (work / "inventory.toml").unlink()
    (work / "inventory.toml").symlink_to("/dev/zero")
    refused(("scan", "--no-vault", "--as-of", AS_OF), "inventory is a device")
    assert not (work / "posture.db").exists()


def test_a_vault_symlinked_to_dev_zero_is_refused_before_any_prompt(work: Path) -> None:
    (work / "posture.vault").symlink_to("/dev/zero")
    refused(("vault", "list"), "posture.vault: vault is a device")


def test_a_file_that_grows_past_the_cap_while_read_is_refused(tmp_path: Path) -> None:
    """The reader stops at cap + 1 bytes whatever fstat said."""
    from scanner.core.errors import InputError
    from scanner.core.files import read_regular

    small = tmp_path / "small.toml"
    small.write_bytes(b"x" * 100)
    assert read_regular(small, "file", cap=100) == b"x" * 100
    with pytest.raises(InputError, match="larger than 99 bytes"):
        read_regular(small, "file", cap=99)


def _escaped_quote_attack() -> bytes:
    """The red team's key: 60,000 parts `"a\\"b"` joined by dots, 420 KB."""
    return (".".join(['"a\\"b"'] * 60_000) + " = 1\n").encode()


@pytest.mark.parametrize("option", ["inventory", "--policy", "--suppressions"])
def test_the_escaped_quote_dotted_key_is_refused_fast(work: Path, option: str) -> None:
    hostile = work / "hostile.toml"
    hostile.write_bytes(_escaped_quote_attack())
    assert len(hostile.read_bytes()) > 400_000
    args = (str(hostile),) if option == "inventory" else (option, str(hostile))
    started = time.process_time()
    line = refused(("scan", *args, "--no-vault", "--as-of", AS_OF), "dotted parts")
    assert time.process_time() - started < 1.0, "more than a second of CPU for a 420 KB file"
    assert "hostile.toml:1" in line


@pytest.mark.parametrize(
    "text",
    [
        ".".join(['"a\\"b"'] * 65) + " = 1\n",  # escaped quotes
        ".".join(["'a.b'"] * 65) + " = 1\n",  # literal strings holding dots
        "[" + " . ".join(['"x#y"'] * 65) + "]\n",  # a header, a '#' inside the parts
        "t = { " + ".".join(["k"] * 65) + " = 1 }\n",  # inside an inline table
    ],
)
def test_every_spelling_of_a_deep_key_is_found(text: str) -> None:
    assert tomlsource.deep_key_at(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        'x = "' + ".".join(["a"] * 100) + '"\n',  # dots in a value string
        "# " + ".".join(["k"] * 100) + "\n",  # in a comment
        'x = """\n' + ".".join(["k"] * 100) + '\n"""\n',  # in a multi-line string
        ".".join(["k"] * 64) + " = 1\n",  # exactly the cap
        "[policy.tiers.critical]\nmin_length = 16\n",
    ],
)
def test_dots_that_are_not_a_deep_key_pass(text: str) -> None:
    assert tomlsource.deep_key_at(text) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    "unit",
    [
        ".".join(["k"] * 64) + " ",  # runs just under the cap
        '"' + '\\"' * 50 + '" ',  # escaped quotes
        '"\\',  # unclosed strings
        "'''x",  # unclosed multi-line strings
        "1.5 ",
        "a ",
    ],
)
def test_no_input_takes_more_than_a_second_per_megabyte(unit: str) -> None:
    text = unit * (4_000_000 // len(unit))
    started = time.process_time()
    tomlsource.deep_key_at(text)
    assert time.process_time() - started < 4.0


def test_a_hash_in_the_inventory_folder_keeps_the_database_read_only(tmp_path: Path) -> None:
    """`history` opens posture.db read-only; with `#` or `?` in the path the URI once lost
    `mode=ro` and SQLite created a stray database file named after the cut path."""
    folder = tmp_path / "team#1?mode=rwc"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "inventory.toml")
    inventory = str(folder / "inventory.toml")
    assert invoke("scan", inventory, "--no-vault", "--as-of", AS_OF).exit_code == 1
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = invoke("history", "-i", inventory)
    assert result.exit_code == 0, result.output
    assert "scan history" in result.stdout
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, "a stray file appeared"
    # and a folder with no database yet: refused, nothing created
    empty = tmp_path / "empty#x"
    empty.mkdir()
    shutil.copy(EXAMPLE, empty / "inventory.toml")
    result = invoke("history", "-i", str(empty / "inventory.toml"))
    assert result.exit_code in (0, 2), result.output
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("empty")] == ["empty#x"]
    assert sorted(p.name for p in empty.iterdir()) == ["inventory.toml"]


def test_a_database_opened_read_only_cannot_be_written(tmp_path: Path) -> None:
    from scanner.state.db import StateDB

    path = tmp_path / "a#b" / "posture.db"
    path.parent.mkdir()
    StateDB(path).close()
    with StateDB(path, readonly=True) as db, pytest.raises(sqlite3.OperationalError):
        db.conn.execute("CREATE TABLE x (y)")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_files_posture_creates_are_private_under_a_lax_umask(work: Path, umask_022: None) -> None:
    (work / "inventory.toml").unlink()
    assert invoke("init", str(work)).exit_code == 0
    assert _mode(work / "inventory.toml") == 0o600
    for name in ("report.json", "report.md", "report.html"):
        atomic_write(work / name, b"x")  # through the same path the reports take
    result = invoke(
        "scan", "--no-vault", "--as-of", AS_OF, "-f", "json", "-o", "r.json", "-f", "csv", "-o",
        "r.csv",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert _mode(work / "r.json") == 0o600
    assert _mode(work / "r.csv") == 0o600
    assert _mode(work / "posture.db") == 0o600
    assert invoke("breach", "start", "x-main", "--by", "t").exit_code == 0
    assert invoke("breach", "export", "x-main", "-o", "case.md").exit_code == 0
    assert _mode(work / "case.md") == 0o600


def test_a_stricter_umask_is_honoured(work: Path) -> None:
    previous = os.umask(0o077)
    try:
        atomic_write(work / "shared.txt", b"x", 0o644)
    finally:
        os.umask(previous)
    assert _mode(work / "shared.txt") == 0o600


def test_core_dumps_are_off_once_the_cli_starts() -> None:
    """`posture` sets RLIMIT_CORE to 0 and, on Linux, PR_SET_DUMPABLE to 0 before any command."""
    probe = (
        "import atexit, ctypes, resource, sys\n"
        "def report():\n"
        "    dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) if sys.platform == 'linux' else 0\n"
        "    print('limits', resource.getrlimit(resource.RLIMIT_CORE), dumpable, file=sys.stderr)\n"
        "atexit.register(report)\n"
        "sys.argv = ['posture', '--version']\n"
        "from scanner.cli import main\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "limits (0, 0) 0" in done.stderr
    assert ctypes  # the probe uses ctypes in the child only
