import subprocess
import sys
from pathlib import Path

from scanner.state.db import StateDB

_KILLED_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 1")  # spill pages to the file before COMMIT, like a big scan
conn.execute("BEGIN IMMEDIATE")
conn.executemany("INSERT INTO vault_audit (at, vault_id, action, actor) VALUES ('t', 'v', 'x', 'a')",
                 [()] * 3000)
os._exit(97)
"""


def test_read_only_open_rolls_back_the_hot_journal_of_a_killed_writer(tmp_path: Path) -> None:
    path = tmp_path / "posture.db"
    StateDB(path).close()
    done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(path)], check=False)
    assert done.returncode == 97
    assert Path(f"{path}-journal").stat().st_size > 0  # the crash left a hot journal
    with StateDB(path, readonly=True) as db:
        assert db.query("SELECT count(*) FROM vault_audit")[0][0] == 0
        assert db.query("PRAGMA integrity_check")[0][0] == "ok"


def test_a_database_from_an_older_posture_is_read_then_migrated_by_the_next_scan(
    tmp_path: Path,
) -> None:
    import shutil
    import sqlite3

    from typer.testing import CliRunner

    from scanner.cli import app
    from scanner.state.db import MIGRATIONS, SCHEMA_VERSION
    from tests.conftest import EXAMPLE

    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    db = tmp_path / "posture.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
    runner = CliRunner()
    listed = runner.invoke(app, ["breach", "list", "-i", str(tmp_path / "inventory.toml")])
    assert listed.exit_code == 0, listed.output  # a reader does not need the newest schema
    scanned = runner.invoke(
        app, ["scan", str(tmp_path / "inventory.toml"), "--as-of", "2026-11-23"]
    )
    assert scanned.exit_code == 1, scanned.output  # findings, not an error
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
