"""Issue 14, finding 1: findings leaked stored passwords through estimates. Attacks as tests."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

from scanner.state.db import MIGRATIONS, SCHEMA_VERSION, StateDB

_OLD_PWD001 = {
    "score": 1,
    "min_strength": 3,
    "guesses": 14.0,
    "guesses_log10": 1.146,
    "length": 9,
    "min_length": 15,
    "warning": "This is a top-10 common password.",
    "suggestions": ["Add another word or two."],
    "scored_as": "whole",
}


def _version_1_db(path: Path) -> None:
    """A posture.db as the first release wrote it, with the leaking evidence."""
    with sqlite3.connect(path) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO scans VALUES (1, 't', 't', '2026-11-01', 'inv', 'd', 50, '{}', 0)"
        )
        rows = [
            (
                "PWD-001",
                "FAIL",
                "weak password: zxcvbn score 1 (policy: at least 3), 9 characters"
                " (policy: at least 15 without a second factor): This is a top-10 common password.",
                _OLD_PWD001,
            ),
            (
                "PWD-002",
                "FAIL",
                "password seen 251,682 times in breaches (pwned.txt)",
                {"breach_count": 251682, "source": "pwned.txt"},
            ),
            (
                "PWD-002",
                "PASS",
                "not in the breach corpus (pwned.txt)",
                {"breach_count": 0, "source": "pwned.txt"},
            ),
            ("PWD-002", "SKIPPED", "no breach corpus for this scan", {}),
        ]
        for n, (check, status, message, evidence) in enumerate(rows):
            conn.execute(
                "INSERT INTO scan_findings VALUES (1, ?, ?, ?, ?, 'high', ?, ?, 0)",
                (f"fp{n}", check, f"acct{n}", status, message, json.dumps(evidence)),
            )
        conn.execute(
            "INSERT INTO score_cache VALUES ('k', 1, 1.146, ?, 't')",
            (
                json.dumps(
                    {
                        "warning": "This is a top-10 common password.",
                        "suggestions": ["x"],
                        "method": "whole",
                    }
                ),
            ),
        )


def test_the_migration_scrubs_guesses_lengths_and_exact_counts(tmp_path: Path) -> None:
    path = tmp_path / "posture.db"
    _version_1_db(path)
    with StateDB(path) as db:
        assert db.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        stored = db.query("SELECT findings FROM scans WHERE id = 1")[0]["findings"]
        cache = db.query("SELECT * FROM score_cache")
    # The history keeps no evidence at all now (issue 13), only what did not pass, with its
    # message; the scrub ran first, so no message quotes an estimate or a count.
    text = stored if isinstance(stored, str) else zlib.decompress(stored).decode("utf-8")
    messages = {issue[1]: issue[4] for issue in json.loads(text)["issues"]}
    assert "9 characters" not in messages["acct0"] and "top-10" not in messages["acct0"]
    assert "251" not in messages["acct1"]
    assert cache[0]["guesses_log10"] == 0
    assert json.loads(cache[0]["feedback"]) == {"method": "whole"}
    # Nothing of the old values survives anywhere in the file (secure_delete, rewritten pages).
    raw = path.read_bytes()
    assert (
        b"251682" not in raw
        and b"251,682" not in raw
        and b"top-10" not in raw
        and b"1.146" not in raw
    )
