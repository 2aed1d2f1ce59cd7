"""The strength-score cache in `posture.db` (`score_cache`), keyed so it reveals nothing.

A row's key is HMAC-SHA256(key, scorer version, password, context words). The key derives from
the vault's data key, so nobody without the vault can test a guess against the table. What the
key covers is exactly what the zxcvbn result depends on: a new zxcvbn or scoring rule, another
password, or another context-word list (brand terms, people, the policy's blocklist) misses the
cache. Thresholds the checks apply afterwards (min_strength, min_length) are not scoring inputs,
so changing them re-evaluates verdicts without rescoring.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping

from scanner.engine.facts import ScoreMethod, Strength
from scanner.state.db import StateDB

_QUERY_CHUNK = 500


class ScoreCache:
    """Cached zxcvbn verdicts in the state database; a read-only database is read, never written."""

    def __init__(self, db: StateDB) -> None:
        self.db = db

    def lookup(self, keys: Iterable[str]) -> dict[str, Strength]:
        """The cached verdicts among `keys`."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Strength] = {}
        for start in range(0, len(wanted), _QUERY_CHUNK):
            chunk = wanted[start : start + _QUERY_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.db.query(
                "SELECT key, score, guesses_log10, feedback FROM score_cache "  # noqa: S608 - only "?" marks are interpolated
                f"WHERE key IN ({marks})",
                tuple(chunk),
            )
            for row in rows:
                strength = _from_row(row["score"], row["guesses_log10"], row["feedback"])
                if strength is not None:
                    found[row["key"]] = strength
        return found

    def store(self, verdicts: Mapping[str, Strength]) -> None:
        """Remember `verdicts` (key -> verdict) in one transaction; nothing on a read-only db."""
        if not verdicts or self.db.readonly:
            return
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        rows = [
            # The score band and method only: no guess count or feedback is stored (issue 14).
            (key, s.score, 0.0, json.dumps({"method": s.method.value}), now)
            for key, s in verdicts.items()
        ]
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO score_cache "
                "(key, score, guesses_log10, feedback, created_at) VALUES (?, ?, ?, ?, ?)",
                rows,
            )


@functools.lru_cache(maxsize=1024)
def _from_row(score: object, guesses_log10: object, feedback: object) -> Strength | None:
    """A verdict from a row, or None for a row this version cannot read (then it is rescored).
    Rows hold a score band and a method, so a few verdicts (immutable) serve 8,000 rows."""
    try:
        data = json.loads(str(feedback))
        return Strength(
            score=int(str(score)),
            guesses_log10=float(str(guesses_log10)),
            warning=str(data.get("warning", "")),
            suggestions=tuple(str(s) for s in data.get("suggestions", ())),
            method=ScoreMethod(data["method"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
