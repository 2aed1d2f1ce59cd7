import time

import pytest

from scanner.core.secret import Secret
from scanner.engine.facts import ScoreMethod
from scanner.passwords.strength import (
    IN_PROCESS_LIMIT,
    TOTAL_BUDGET,
    ScoringJob,
    score_all,
    score_password,
)

# dropbox/zxcvbn#316: punctuation and l33t-able characters make the l33t matcher explode.
SLOW_42 = " .,?!'-/_:;+()@$\"#&*<>=[]\\~%^{}|1234567890"
SLOW_72 = ("4@8({[<3691!|70$5%2+7" * 4)[:72]
BOUND = TOTAL_BUDGET + 0.5

HOSTILE = {
    "empty": "",
    "73 chars": "a" * 73,
    "10,000 chars": ("@4(<{[&6#9!1|0$5+7%2" * 500)[:10_000],
    "crafted 42": SLOW_42,
    "crafted 72": SLOW_72,
    "NUL": "pass\0word\0",
    "emoji": "🔑🐍🚀" * 30,
    "right-to-left marks": "\u202epassword\u202c\u200f",
    "lone surrogate": "pass\udc80word",
}


@pytest.mark.slow
@pytest.mark.parametrize("password", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_password_gets_a_verdict_within_the_bound(password: str) -> None:
    started = time.process_time()  # the bound is CPU time: a busy machine does not move it
    strength = score_password(Secret(password), ["acme"])
    elapsed = time.process_time() - started
    assert 0 <= strength.score <= 4
    assert 0.0 <= strength.guesses_log10 <= 300.0
    assert elapsed < BOUND, f"{elapsed:.2f}s"


def test_empty_password_is_score_zero() -> None:
    strength = score_password(Secret(""))
    assert strength.score == 0
    assert strength.guesses_log10 == 0.0


def test_invisible_marks_do_not_hide_a_common_password() -> None:
    plain = score_password(Secret("password"))
    marked = score_password(Secret("\u202epassword\u202c\u200f"))
    assert marked.score == plain.score == 0


def test_password_over_72_characters_is_scored_in_parts_as_a_lower_bound() -> None:
    weak_long = score_password(Secret("password" * 20))
    assert weak_long.method is ScoreMethod.PARTS
    assert weak_long.score <= 1
    strong_long = score_password(Secret("Gx7#qL2v!Rz9@Tb4$Wm8%Kp3^Hn6&Jd5*" * 3))
    assert strong_long.method is ScoreMethod.PARTS
    assert strong_long.score == 4


@pytest.mark.slow
def test_slow_crafted_password_falls_back_to_chunks_and_stays_sound() -> None:
    strength = score_password(Secret(SLOW_72))
    assert strength.method is ScoreMethod.PARTS
    # Random-looking punctuation: strong by any reading, and never rated above zxcvbn's scale.
    assert strength.score == 4


def test_context_words_lower_the_score_of_a_brand_password() -> None:
    password = Secret("Acmeoutdoor2026!")
    without = score_password(password)
    with_context = score_password(password, ["acmeoutdoor", "acme"])
    assert with_context.guesses_log10 < without.guesses_log10
    assert with_context.score < without.score


def test_feedback_never_quotes_the_password() -> None:
    strength = score_password(Secret("qwertyuiop123"))
    assert "qwertyuiop" not in strength.warning + " ".join(strength.suggestions)


def test_pool_scoring_keeps_job_order_and_matches_in_process_scores() -> None:
    passwords = [f"Sunflower{n}!" if n % 3 else "password" for n in range(IN_PROCESS_LIMIT + 20)]
    jobs = [ScoringJob(Secret(p), ("acme",)) for p in passwords]
    done: list[int] = []
    pooled = score_all(jobs, workers=2, on_progress=done.append)
    assert sum(done) == len(jobs)
    assert pooled == [score_password(job.password, job.user_inputs) for job in jobs]
