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
