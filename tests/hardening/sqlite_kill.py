"""Run `posture ARGS` and kill it abruptly in the middle of a state-database transaction.

Test harness only (`python -m tests.hardening.sqlite_kill ARGS`), configured by environment:

- HARNESS_KILL_TRANSACTION=N   the N-th `BEGIN IMMEDIATE` of the process (from 1)
- HARNESS_KILL_STATEMENT=K     exit when the K-th statement of it starts (0 is BEGIN itself;
                               COMMIT is the last); the process ends with os._exit(97), which
                               like SIGKILL runs no cleanup, no rollback and no atexit
- HARNESS_TRACE=PATH           instead of killing, log each statement as "N K SQL" lines
- HARNESS_CACHE_PAGES=P        a tiny page cache, so a large transaction spills pages into the
                               database file before COMMIT (as a scan of many accounts does) and
                               a crash leaves a hot journal behind

The statements are seen through sqlite3's trace callback, so nothing in posture is patched.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

_connect = sqlite3.connect
_state = {"transactions": 0, "statement": -1}


def _traced_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    conn = _connect(*args, **kwargs)
    if os.environ.get("HARNESS_CACHE_PAGES"):
        conn.execute(f"PRAGMA cache_size = {int(os.environ['HARNESS_CACHE_PAGES'])}")
    kill_transaction = int(os.environ.get("HARNESS_KILL_TRANSACTION", "0"))
    kill_statement = int(os.environ.get("HARNESS_KILL_STATEMENT", "-1"))
    trace = os.environ.get("HARNESS_TRACE")

    def on_statement(sql: str) -> None:
        if sql.strip().upper().startswith("BEGIN"):
            _state["transactions"] += 1
            _state["statement"] = 0
        elif _state["statement"] >= 0:
            _state["statement"] += 1
        if trace:
            with open(trace, "a", encoding="utf-8") as log:
                log.write(
                    f"{_state['transactions']} {_state['statement']} {sql.split(maxsplit=1)[0]}\n"
                )
        elif (_state["transactions"], _state["statement"]) == (kill_transaction, kill_statement):
            os._exit(97)
        if sql.strip().upper() in ("COMMIT", "ROLLBACK"):
            _state["statement"] = -1

    conn.set_trace_callback(on_statement)
    return conn


def main() -> None:
    sqlite3.connect = _traced_connect  # type: ignore[assignment]
    from scanner.cli import app

    sys.exit(app(args=sys.argv[1:], prog_name="posture"))


if __name__ == "__main__":
    main()
