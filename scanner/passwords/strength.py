"""Password strength: zxcvbn with context words, a time bound per password, scored on all cores.

zxcvbn 4.5.0 raises on the empty password and above 72 characters, and some crafted strings
under 72 characters take seconds (dropbox/zxcvbn#316). The rule that keeps every verdict sound
and bounded (about 2 s of CPU per password, whatever its content):

- invisible format characters (bidi marks, zero-width joiners) are removed first;
- the empty password is score 0 (one guess);
- up to 72 characters: zxcvbn on the whole password, interrupted after `WHOLE_BUDGET` CPU seconds;
- over 72 characters: zxcvbn on the first 72 and on the last 72 characters (the last only when
  the first do not already earn the top score, 4);
- a part that runs out of time is scored as 16-character chunks, each bounded too;
- the estimate of a password scored in parts is the largest estimate among its parts: an attacker
  who guesses the whole has guessed each part, so that is a lower bound on the whole, never an
  overstatement. A part not scored within the total bound counts as one guess; when no part can
  be scored the password is rated 0 ("unrated", treated as the weakest).

The length rule (NIST SP 800-63B-4 §3.1.1.2) counts every character of the password; it is
applied by the check, not here.
"""

from __future__ import annotations

import functools
import gc
import hmac
import json
import math
import os
import re
import signal
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import FrameType

from scanner.core.errors import ScanIncomplete
from scanner.core.secret import Secret
from scanner.engine.facts import ScoreMethod, Strength
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import Platform
from scanner.inventory.policy import Rules

ZXCVBN_MAX_LENGTH = 72
CHUNK_LENGTH = 16
TOTAL_BUDGET = 1.8  # CPU seconds of scoring per password, all attempts together
WHOLE_BUDGET = 1.0  # for one zxcvbn run on a part of at most 72 characters
CHUNK_BUDGET = 0.25
# Changing the rule above changes scores: bump this so cached scores are not reused.
# bounded-cpu-2: the bounds count CPU time, no longer wall time, which on a busy machine cut
# ordinary passwords short (5% of 8,000 at load 7) and scored them in parts; re-score those.
SCORER_VERSION = "zxcvbn-4.5.0/bounded-cpu-2"
# Batches in flight must finish within this, or the pool is considered stuck.
STALL_SECONDS = 120.0
# Below this many passwords, scoring in this process is quicker than starting workers.
IN_PROCESS_LIMIT = 24
_MIN_WORD = 3


@dataclass(frozen=True)
class ScoringJob:
    """One distinct password and the context words it is scored against."""

    password: Secret
    user_inputs: tuple[str, ...]


def _words(text: str | None) -> list[str]:
    """`text` itself (lower-cased) plus its alphanumeric tokens and their concatenation."""
    return list(_cached_words(text)) if text else []


@functools.lru_cache(maxsize=4096)
def _cached_words(text: str) -> tuple[str, ...]:
    lowered = text.strip().lower()
    tokens = [t for t in re.split(r"[^0-9a-z]+", lowered) if t]
    words = [lowered.lstrip("@"), *tokens, "".join(tokens)]
    return tuple(w for w in words if len(w) >= _MIN_WORD)


def tokens(text: str | None) -> tuple[str, ...]:
    """The context words `text` gives (lower case, 3+ characters): itself, its alphanumeric
    tokens and their concatenation ("Northwind Coffee" -> northwind, coffee, northwindcoffee)."""
    return _cached_words(text) if text else ()


def context_words(
    account: Account, inventory: Inventory, rules: Rules, platform: Platform
) -> tuple[str, ...]:
    """zxcvbn user inputs for `account`: brand terms, organisation name, handle, platform, login
    email, the names and emails of the people (and agencies) who know the password, and the
    policy's blocklist. Sorted and de-duplicated, so the list is a stable cache-key input."""
    org = inventory.organization
    shared = (*org.brand_terms, org.name, platform.id, platform.display_name, *rules.blocklist)
    words = list(_shared_words(shared))
    for term in (account.handle, account.url, account.login_email):
        words += _words(term)
    for ref in account.password_known_by:
        agency = inventory.agency_for(ref)
        if agency is not None:
            words += _words(agency.name)
            continue
        person = inventory.people.get(ref)
        if person is not None:
            words += _words(person.name) + _words(person.email)
            if person.email and "@" in person.email:
                words += _words(person.email.split("@", 1)[0])
    return tuple(sorted(set(words)))


@functools.lru_cache(maxsize=256)
def _shared_words(texts: tuple[str | None, ...]) -> tuple[str, ...]:
    """The words of the texts many accounts share (organisation, platform, blocklist)."""
    return tuple(word for text in texts for word in _words(text))


class _OutOfTime(Exception):
    """Raised by the interval timer inside a zxcvbn run that overstays its budget."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _OutOfTime


def _zxcvbn_within(text: str, user_inputs: Sequence[str], seconds: float) -> Strength | None:
    """zxcvbn on `text` (1..72 characters), or None when it cannot finish within `seconds`."""
    from zxcvbn import zxcvbn

    if seconds <= 0.001:
        return None
    # A one-shot interval timer on the process's CPU time (user + system: ITIMER_PROF, SIGPROF)
    # interrupts the pure-Python zxcvbn run. CPU, not wall time: on a busy machine a wall-clock
    # bound cut ordinary passwords short, so a verdict depended on the load. Only the main
    # thread receives signals, so elsewhere the pool's stall guard is the bound.
    timed = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGPROF, _on_alarm) if timed else None
    try:
        try:
            if timed:
                signal.setitimer(signal.ITIMER_PROF, seconds)
            result = zxcvbn(text, user_inputs=list(user_inputs))
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_PROF, 0)
    except _OutOfTime:
        return None
    finally:
        if timed:
            signal.signal(signal.SIGPROF, previous)
    feedback = result.get("feedback") or {}
    return Strength(
        score=int(result["score"]),
        guesses_log10=_finite_log10(result["guesses_log10"]),
        warning=str(feedback.get("warning") or ""),
        suggestions=tuple(str(s) for s in feedback.get("suggestions") or ()),
        method=ScoreMethod.WHOLE,
    )


def _finite_log10(value: object) -> float:
    number = float(str(value))
    if not math.isfinite(number):
        return 300.0
    return round(min(max(number, 0.0), 300.0), 4)


def score_from_log10(guesses_log10: float) -> int:
    """zxcvbn's 0-4 score for 10**guesses_log10 guesses (its own thresholds, +5 guesses)."""
    guesses = 10**guesses_log10
    for score, limit in enumerate((1e3 + 5, 1e6 + 5, 1e8 + 5, 1e10 + 5)):
        if guesses < limit:
            return score
    return 4


def _visible(text: str) -> str:
    """`text` without invisible format characters (Unicode Cf: bidi marks, zero-width joiners),
    which would hide a dictionary word from zxcvbn; removing them can only lower the estimate."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _parts(password: str) -> list[str]:
    if len(password) <= ZXCVBN_MAX_LENGTH:
        return [password]
    head, tail = password[:ZXCVBN_MAX_LENGTH], password[-ZXCVBN_MAX_LENGTH:]
    return [head] if head == tail else [head, tail]


def score_password(password: Secret, user_inputs: Sequence[str] = ()) -> Strength:
    """A sound zxcvbn verdict on any string within about `TOTAL_BUDGET` seconds (module rule)."""
    text = _visible(password.reveal())
    if not text:
        return Strength(
            0,
            0.0,
            "The password is empty or holds only invisible characters.",
            (),
            ScoreMethod.WHOLE,
        )
    deadline = time.process_time() + TOTAL_BUDGET  # CPU seconds, as the per-run timer
    parts = _parts(text)
    per_part = WHOLE_BUDGET if len(parts) == 1 else WHOLE_BUDGET / 2
    results: list[Strength] = []
    slow: list[str] = []
    for part in parts:
        if any(r.score == 4 for r in results):
            break  # the head already earns the top score; the tail cannot change the verdict
        remaining = deadline - time.process_time()
        strength = _zxcvbn_within(part, user_inputs, min(per_part, remaining))
        if strength is None:
            slow.append(part)
        else:
            results.append(strength)
    if len(text) <= ZXCVBN_MAX_LENGTH and results:
        return results[0]
    for part in slow:
        for start in range(0, len(part), CHUNK_LENGTH):
            remaining = deadline - time.process_time()
            chunk = part[start : start + CHUNK_LENGTH]
            strength = _zxcvbn_within(chunk, user_inputs, min(CHUNK_BUDGET, remaining))
            if strength is not None:
                results.append(strength)
    if not results:
        return Strength(
            0,
            0.0,
            "This password could not be rated within the time bound; treat it as weak.",
            (),
            ScoreMethod.UNRATED,
        )
    best = max(results, key=lambda s: s.guesses_log10)
    return Strength(
        score=score_from_log10(best.guesses_log10),
        guesses_log10=best.guesses_log10,
        warning=best.warning,
        suggestions=best.suggestions,
        method=ScoreMethod.PARTS,
    )


def _score_batch(jobs: Sequence[ScoringJob]) -> list[Strength]:
    return [score_password(job.password, job.user_inputs) for job in jobs]


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def score_all(
    jobs: Sequence[ScoringJob],
    *,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[Strength]:
    """Score every job, in order, on `workers` processes (default: all cores)."""
    if not jobs:
        return []
    count = workers or default_workers()
    on_main = threading.current_thread() is threading.main_thread()
    if on_main and (count == 1 or len(jobs) <= IN_PROCESS_LIMIT):
        results = []
        for job in jobs:
            results.append(score_password(job.password, job.user_inputs))
            if on_progress:
                on_progress(1)
        return results
    return _score_in_pool(jobs, count, on_progress)


def _score_in_pool(
    jobs: Sequence[ScoringJob], workers: int, on_progress: Callable[[int], None] | None
) -> list[Strength]:
    import multiprocessing

    import zxcvbn  # noqa: F401 - loaded once here, inherited by forked workers

    # Longest first, in small batches, so no worker is left alone with the slow tail.
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].password))
    size = max(1, min(16, len(jobs) // (workers * 32)))
    batches = [order[start : start + size] for start in range(0, len(order), size)]
    results: list[Strength | None] = [None] * len(jobs)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    # Objects made so far are the parent's: frozen, a worker's collector never walks (and so
    # never copies) them; workers collect their own garbage (zxcvbn leaves a few cycles).
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=gc.enable
        ) as pool:
            pending: dict[Future[list[Strength]], list[int]] = {
                pool.submit(_score_batch, [jobs[i] for i in batch]): batch for batch in batches
            }
            while pending:
                done, _ = wait(pending, timeout=STALL_SECONDS, return_when=FIRST_COMPLETED)
                if not done:
                    for future in pending:
                        future.cancel()
                    raise ScanIncomplete("password scoring stalled; no verdict within the bound")
                for future in done:
                    batch = pending.pop(future)
                    for index, strength in zip(batch, future.result(), strict=True):
                        results[index] = strength
                    if on_progress:
                        on_progress(len(batch))
    except BrokenProcessPool:
        raise ScanIncomplete("a password scoring worker stopped unexpectedly") from None
    finally:
        gc.unfreeze()
    return [r for r in results if r is not None]


def cache_key(key: bytes, password: Secret, user_inputs: Sequence[str]) -> str:
    """The row key for `password` scored against `user_inputs` (hex HMAC-SHA256)."""
    material = json.dumps([SCORER_VERSION, password.reveal(), sorted(set(user_inputs))])
    return hmac.digest(key, material.encode("ascii"), "sha256").hex()
