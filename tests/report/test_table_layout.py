"""The table report lays out plain findings itself; tabulate, the reference, must agree."""

import random

import pytest
from tabulate import tabulate

from scanner.report.table import HEADERS, findings_table

WORDS = [
    "no", "second", "factor;", "Instagram", "offers", "totp,", "push,", "sms", "x" * 95,
    "a-b-c-d", "(policy:", "15", "3.5", "@bench_1", "https://example.com/a/very/long/path/x",
    "e", "NEW", "(suppressed)",
]  # fmt: skip
ODD = ["—", "日本語", "\t", "ta\tb", " padded ", "12", "nan", "0x1f", "True", "", "é"]


def reference(rows):
    return tabulate(
        rows, headers=list(HEADERS), tablefmt="simple", maxcolwidths=[None, None, None, 90]
    )


def random_rows(rng: random.Random, odd: float):
    rows = []
    for _ in range(rng.randint(1, 8)):
        status = rng.choice(["FAIL", "PASS", "SKIPPED", "ERROR", "FAIL (suppressed) NEW"])
        severity = rng.choice(["critical", "high", "medium", "low", "info"])
        check_id = rng.choice(["MFA-001", "PWD-002", "GOV-003", "X-1"])
        words = [rng.choice(WORDS) for _ in range(rng.choice([1, 2, 5, 14, 30]))]
        if rng.random() < odd:
            words[rng.randrange(len(words))] = rng.choice(ODD)
        rows.append((status, severity, check_id, " ".join(words)))
    return rows


@pytest.mark.parametrize("odd", [0.0, 0.2])
def test_layout_is_tabulates_simple_layout(odd):
    rng = random.Random(13)
    compared = 0
    for _ in range(600):
        rows = random_rows(rng, odd)
        try:
            expected = reference(rows)
        except (TypeError, ValueError):  # tabulate 0.9/0.10 fail on some cells; not our case
            continue
        assert findings_table(rows) == expected, rows
        compared += 1
    assert compared > 500


def test_a_long_finding_wraps_at_90_columns_like_tabulate():
    message = "weak password: zxcvbn score 1 (policy: at least 3), 7 characters " * 3
    rows = [("FAIL", "high", "PWD-001", message.strip()), ("PASS", "low", "GOV-002", "ok then")]
    table = findings_table(rows)
    assert table == reference(rows)
    assert len(table.splitlines()) == 2 + 3 + 1


@pytest.mark.parametrize("odd", [0.0, 0.2])
def test_simple_layout_without_wrapping_is_tabulates_or_declines(odd):
    from scanner.core.simpletable import layout

    rng = random.Random(17)
    compared = declined = 0
    for _ in range(300):
        rows = [(*row[:3], row[3][:120]) for row in random_rows(rng, odd)]
        mine = layout(HEADERS, rows)
        if mine is None:
            declined += 1
            continue
        assert mine == tabulate(rows, headers=list(HEADERS), tablefmt="simple"), rows
        compared += 1
    assert compared > 150
    assert declined > 0 or odd == 0.0


def test_greedy_wrapping_is_textwraps_at_every_line_boundary():
    # The table wraps hyphen-free findings itself (the common case); textwrap is the reference
    # at 90 columns, with words that end exactly at, just before and just past the width.
    import textwrap

    from scanner.report.table import FINDING_WIDTH, _wrapped

    rng = random.Random(29)
    greedy = 0
    for _ in range(3000):
        words = ["y" * rng.choice([1, 2, 3, 8, 29, 44, 45, 46, 88, 89, 90, 91]) for _ in range(9)]
        text = " ".join(words)
        assert _wrapped(text) == tuple(textwrap.wrap(text, FINDING_WIDTH)), text
        greedy += "-" not in text and max(map(len, words)) <= FINDING_WIDTH
    assert greedy > 1000
