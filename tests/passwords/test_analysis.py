import datetime as dt
import sqlite3
from pathlib import Path

from scanner.engine.facts import ScoreMethod
from scanner.state.db import StateDB
from scanner.state.scores import ScoreCache
from tests.passwords.helpers import load, record, run_analysis, write_inventory

ACCOUNTS = [("shop", "totp"), ("blog", "none"), ("news", "totp"), ("jobs", "none")]
STRONG = "Gx7#qL2v!Rz9@Tb4$Wm8"


def records() -> list:
    return [
        record("shop", "Winter2024!"),
        record("blog", "winter"),
        record("news", STRONG),
        record("jobs", STRONG),
    ]


def test_analysis_gathers_strength_reuse_and_near_reuse(tmp_path: Path) -> None:
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS))
    facts = run_analysis(inventory, policy, records())
    assert facts.get("news").reused_with == ("jobs",)
    assert facts.get("shop").similar_to == ("blog",)
    assert facts.get("shop").reused_with == ()
    assert facts.get("blog").strength.score <= 1
    assert facts.get("news").strength.score == 4
    assert facts.get("news").strength.method is ScoreMethod.WHOLE
    # Three distinct passwords: the shared one is scored once.
    assert facts.scored == 3


def test_accounts_without_a_record_have_no_password(tmp_path: Path) -> None:
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS))
    facts = run_analysis(inventory, policy, [record("shop", None)])
    assert not facts.get("shop").has_password
    assert not facts.get("blog").has_password
    assert facts.get("blog").strength is None


def test_shared_password_is_scored_against_every_sharer_context(tmp_path: Path) -> None:
    inventory, policy = load(write_inventory(tmp_path, [("shop", "none"), ("blog", "none")]))
    # "blog_acme" is the blog account's handle: a context word for any account sharing it.
    facts = run_analysis(
        inventory, policy, [record("shop", "Blog_acme!2026"), record("blog", "Blog_acme!2026")]
    )
    alone = run_analysis(inventory, policy, [record("shop", "Blog_acme!2026")])
    assert facts.get("shop").strength.guesses_log10 <= alone.get("shop").strength.guesses_log10


def test_totp_seed_bits_and_sharing(tmp_path: Path) -> None:
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS))
    seed_160 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    facts = run_analysis(
        inventory,
        policy,
        [
            record("shop", "x", totp=seed_160),
            record("blog", "y", totp=seed_160.lower()[:16] + " " + seed_160.lower()[16:]),
            record("news", "z", totp="JBSWY3DPEHPK3PXP"),
            record("jobs", "w", totp="not base32 !!"),
        ],
    )
    assert facts.get("shop").totp_bits == 160
    assert facts.get("shop").totp_shared_with == ("blog",)
    assert facts.get("news").totp_bits == 80
    assert facts.get("jobs").totp_valid is False


def test_rescan_with_unchanged_secrets_scores_nothing(tmp_path: Path) -> None:
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS))
    with StateDB(tmp_path / "posture.db") as db:
        first = run_analysis(inventory, policy, records(), cache=ScoreCache(db))
        again = run_analysis(inventory, policy, records(), cache=ScoreCache(db))
    assert (first.scored, first.cached) == (3, 0)
    assert (again.scored, again.cached) == (0, 3)

    # The cache keeps the verdict (score, method), never the guess count or feedback.
    def verdicts(facts):
        return {k: (v.strength.score, v.strength.method) for k, v in facts.accounts.items()}

    assert verdicts(again) == verdicts(first)


def test_changed_blocklist_invalidates_the_cache_but_thresholds_do_not(tmp_path: Path) -> None:
    db_path = tmp_path / "posture.db"
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS))
    with StateDB(db_path) as db:
        run_analysis(inventory, policy, records(), cache=ScoreCache(db))
    stricter = "[policy]\nmin_strength = 4\nmin_length = 20\n"
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS, policy=stricter))
    with StateDB(db_path) as db:
        thresholds = run_analysis(inventory, policy, records(), cache=ScoreCache(db))
    assert thresholds.scored == 0
    blocklist = '[policy]\nblocklist = ["winter"]\n'
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS, policy=blocklist))
    with StateDB(db_path) as db:
        changed = run_analysis(inventory, policy, records(), cache=ScoreCache(db))
    assert changed.scored == 3
    assert changed.get("shop").strength.guesses_log10 > 0  # freshly scored, not from the cache


def test_changed_context_words_invalidate_only_the_accounts_they_touch(tmp_path: Path) -> None:
    db_path = tmp_path / "posture.db"
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS))
    with StateDB(db_path) as db:
        run_analysis(inventory, policy, records(), cache=ScoreCache(db))
    inventory, policy = load(write_inventory(tmp_path, [*ACCOUNTS, ("shop2", "none")]))
    with StateDB(db_path) as db:
        again = run_analysis(
            inventory, policy, [*records(), record("shop2", "Winter2024!")], cache=ScoreCache(db)
        )
    # "Winter2024!" now also carries shop2's context words; the two others are cached.
    assert (again.scored, again.cached) == (1, 2)


def test_readonly_database_serves_the_cache_without_writing(tmp_path: Path) -> None:
    db_path = tmp_path / "posture.db"
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS))
    with StateDB(db_path) as db:
        run_analysis(inventory, policy, records()[:1], cache=ScoreCache(db))
    with StateDB(db_path, readonly=True) as db:
        facts = run_analysis(inventory, policy, records(), cache=ScoreCache(db))
    assert (facts.scored, facts.cached) == (2, 1)
    rows = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM score_cache").fetchone()
    assert rows == (1,)


def test_password_date_is_carried_to_the_facts(tmp_path: Path) -> None:
    inventory, policy = load(write_inventory(tmp_path, ACCOUNTS))
    when = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    facts = run_analysis(inventory, policy, [record("shop", "x", set_at=when)])
    assert facts.get("shop").password_set_at == when


def test_a_verdict_basis_is_the_digest_of_the_json_it_always_was():
    # Recorded verdicts are compared by this digest: the quick path must write json.dumps's
    # bytes for plain words, and odd ones (quotes, backslashes, accents, controls) go to it.
    import hashlib
    import json
    import random

    from scanner.core.model import Mfa, Tier
    from scanner.inventory.policy import load_policy
    from scanner.passwords.analysis import BASIS_VERSION, verdict_basis

    rules = load_policy(None, None).for_tier(Tier.CRITICAL)
    rng = random.Random(7)
    alphabet = ["bench", "p3", "x.y@z", 'qu"ote', "back\\slash", "café", "tab\t", "", "a b"]
    for _ in range(500):
        words = [rng.choice(alphabet) + str(rng.randrange(9)) for _ in range(rng.randrange(6))]
        kinds = {rng.choice(alphabet): rng.choice(["handle", "holder name"]) for _ in range(3)}
        mfa = rng.choice(list(Mfa))
        expected = json.dumps(
            [
                BASIS_VERSION,
                rules.min_strength,
                rules.min_length_for(mfa),
                mfa.value,
                sorted(set(words)),
                sorted(kinds.items()),
            ],
            separators=(",", ":"),
        )
        assert (
            verdict_basis(rules, mfa, words, kinds) == hashlib.sha256(expected.encode()).hexdigest()
        )
