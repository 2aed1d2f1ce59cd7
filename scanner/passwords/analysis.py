"""`analyse`: from the vault's secrets to the facts the password checks read."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from scanner.core.model import Mfa
from scanner.core.secret import Secret
from scanner.engine.facts import (
    AccountSecrets,
    BreachResult,
    ContextWord,
    HeldVerdict,
    PasswordFacts,
    SecretRecord,
    Strength,
)
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import Platform, catalogue, platform_for
from scanner.inventory.policy import Policy, Rules
from scanner.passwords import reuse
from scanner.passwords.context import context_kinds, context_word
from scanner.passwords.corpus import BreachLookupFailed, BreachSource, sha1_hex
from scanner.passwords.progress import ProgressBar
from scanner.passwords.seeds import seed_key
from scanner.passwords.strength import ScoringJob, cache_key, context_words, score_all


class ScoreCache(Protocol):
    """Where verdicts are kept between scans (the state database's `score_cache`)."""

    def lookup(self, keys: Iterable[str]) -> dict[str, Strength]: ...

    def store(self, verdicts: Mapping[str, Strength]) -> None: ...


MIN_KEY_BYTES = 16
# Part of every verdict basis: bump it when PWD-001 reads another input, so records made
# under the old reading are held until rechecked rather than compared with a wrong basis.
BASIS_VERSION = "pwd-001/1"


def analyse(
    inventory: Inventory,
    policy: Policy,
    records: Iterable[SecretRecord],
    *,
    hmac_key: bytes,
    cache: ScoreCache | None = None,
    breach: BreachSource | None = None,
    workers: int | None = None,
    progress: bool = False,
    platforms: Mapping[str, Platform] | None = None,
    strength: bool = True,
) -> PasswordFacts:
    """Score, look up and group every stored secret; the result holds no secret and no hash.

    Each distinct password is scored once, against the context words of every account that uses
    it (more words can only lower a zxcvbn estimate), and only when the cache lacks its verdict.
    `hmac_key` (from the vault's data key) keys the reuse grouping and the cache. With
    `strength` False (no selected check reads it) nothing is scored and no verdict is set.
    """
    if len(hmac_key) < MIN_KEY_BYTES:
        raise ValueError("hmac_key must hold at least 16 bytes")
    platforms = platforms if platforms is not None else catalogue()
    accounts = {a.id: a for a in inventory.accounts}
    by_account = {r.account_id: r for r in records if r.account_id in accounts}

    passwords: dict[str, Secret] = {
        account_id: record.password
        for account_id, record in by_account.items()
        if record.password is not None
    }
    grouping = reuse.Grouping(passwords, hmac_key)
    exact = grouping.exact

    members = _members(exact)
    jobs = _jobs(members, passwords, strength, _words_of(accounts, inventory, policy, platforms))
    scope = _Scope(inventory, policy, platforms, accounts, by_account, passwords)
    key = reuse.subkey(hmac_key, "score-cache")
    judged = _Judged()
    if strength:
        judged = _judge(scope, jobs, members, exact, lambda live: _strengths(live, key, cache, workers, progress))  # fmt: skip
    strengths, held = judged.strengths, judged.held
    breaches = _breaches(jobs, breach)
    same, similar = grouping.same, grouping.similar
    totp_bits, totp_shared = _totp(by_account, reuse.subkey(hmac_key, "totp"))
    facts = {
        account_id: AccountSecrets(
            account_id=account_id,
            has_password=account_id in passwords,
            length=len(passwords[account_id]) if account_id in passwords else 0,
            strength=_for(strengths, exact.get(account_id)),
            breach=_for(breaches, exact.get(account_id)),
            reused_with=same.get(account_id, ()),
            similar_to=similar.get(account_id, ()),
            password_set_at=_set_at(by_account.get(account_id)),
            totp_bits=totp_bits.get(account_id),
            totp_valid=totp_bits.get(account_id, 1) > 0,
            totp_shared_with=totp_shared.get(account_id, ()),
            context=judged.contexts.get(account_id),
            basis=judged.bases.get(account_id),
            held=held.get(account_id),
        )
        for account_id in accounts
    }
    return PasswordFacts(
        accounts=facts,
        breach_source=breach.description if breach is not None else None,
        scored=judged.scored,
        cached=judged.cached,
        held=len(held),
    )


def verdict_bases(
    inventory: Inventory,
    policy: Policy,
    records: Iterable[SecretRecord],
    *,
    hmac_key: bytes,
    platforms: Mapping[str, Platform] | None = None,
) -> dict[str, str]:
    """Each stored password's verdict basis, scoring nothing: what a bulk write (an import)
    records so that a later edit of the rules cannot be evaluated against the password."""
    platforms = platforms if platforms is not None else catalogue()
    accounts = {a.id: a for a in inventory.accounts}
    passwords = {
        r.account_id: r.password
        for r in records
        if r.account_id in accounts and r.password is not None
    }
    exact = reuse.exact_digests(passwords, hmac_key)  # no near-reuse grouping: only the bases
    jobs = _jobs(
        _members(exact), passwords, True, _words_of(accounts, inventory, policy, platforms)
    )
    chosen = [accounts[a] for a in passwords]
    return _bases(jobs, exact, chosen, policy, _kinds(chosen, inventory, policy, platforms))


@dataclass(frozen=True)
class _Scope:
    """What the strength verdicts are computed from."""

    inventory: Inventory
    policy: Policy
    platforms: Mapping[str, Platform]
    accounts: Mapping[str, Account]
    records: Mapping[str, SecretRecord]
    passwords: Mapping[str, Secret]


@dataclass(frozen=True)
class _Judged:
    """The strength side of the facts (empty when no selected check reads strength)."""

    strengths: Mapping[bytes, Strength] = field(default_factory=dict)
    scored: int = 0
    cached: int = 0
    contexts: Mapping[str, ContextWord] = field(default_factory=dict)
    bases: Mapping[str, str] = field(default_factory=dict)
    held: Mapping[str, HeldVerdict] = field(default_factory=dict)


def _judge(
    scope: _Scope,
    jobs: Mapping[bytes, ScoringJob],
    members: Mapping[bytes, list[str]],
    exact: Mapping[str, bytes],
    score: Callable[[Mapping[bytes, ScoringJob]], tuple[dict[bytes, Strength], int, int]],
) -> _Judged:
    """Verdict bases, the recorded verdicts held, and scores and context words for the rest."""
    accounts = [scope.accounts[a] for a in scope.passwords]
    kinds = _kinds(accounts, scope.inventory, scope.policy, scope.platforms)
    bases = _bases(jobs, exact, accounts, scope.policy, kinds)
    held = _held(scope.records, bases)
    # A password whose every account keeps its recorded verdict is not scored under the new
    # words at all: no score, cached row or context verdict can then reflect the edit.
    live = {d: job for d, job in jobs.items() if any(a not in held for a in members[d])}
    strengths, scored, cached = score(live)
    unheld = {a: p for a, p in scope.passwords.items() if a not in held}
    contexts = _contexts(unheld, kinds)
    return _Judged(strengths, scored, cached, contexts, bases, held)


def verdict_basis(
    rules: Rules, mfa: Mfa, user_inputs: Iterable[str], kinds: Mapping[str, str]
) -> str:
    """The digest (hex SHA-256) of every non-secret input of a password's PWD-001 verdict: the
    thresholds it applies, the account's MFA (which picks the length rule), zxcvbn's context
    words (blocklist included) and the context-word kinds. Equal digests, equal verdicts."""
    material = json.dumps(
        [
            BASIS_VERSION,
            rules.min_strength,
            rules.min_length_for(mfa),
            mfa.value,
            sorted(set(user_inputs)),
            sorted(kinds.items()),
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _kinds(
    accounts: Iterable[Account],
    inventory: Inventory,
    policy: Policy,
    platforms: Mapping[str, Platform],
) -> dict[str, dict[str, str]]:
    """Each account's context words with their kinds, computed once per scan (the bases and
    the context-word verdicts both read them)."""
    return {
        account.id: context_kinds(
            account,
            inventory,
            policy.for_tier(account.tier),
            platform_for(account.platform, platforms),
        )
        for account in accounts
    }


def _bases(
    jobs: Mapping[bytes, ScoringJob],
    exact: Mapping[str, bytes],
    accounts: Iterable[Account],
    policy: Policy,
    kinds: Mapping[str, dict[str, str]],
) -> dict[str, str]:
    """Each account's verdict basis. The zxcvbn words are those its password is scored against
    (the union over every account sharing it), so an edit to any of them changes the basis."""
    found = {}
    for account in accounts:
        rules = policy.for_tier(account.tier)
        words = jobs[exact[account.id]].user_inputs
        found[account.id] = verdict_basis(rules, account.mfa, words, kinds[account.id])
    return found


def _held(records: Mapping[str, SecretRecord], bases: Mapping[str, str]) -> dict[str, HeldVerdict]:
    """The recorded verdicts PWD-001 keeps: those recorded under another basis than this scan's."""
    return {
        account_id: record.recorded
        for account_id, record in records.items()
        if account_id in bases
        and record.recorded is not None
        and record.recorded.basis != bases[account_id]
    }


def _contexts(
    passwords: Mapping[str, Secret], kinds: Mapping[str, dict[str, str]]
) -> dict[str, ContextWord]:
    """The context word each account's password is built on (its own words: brand, handle...)."""
    found = {}
    for account_id, password in passwords.items():
        word = context_word(password, kinds[account_id])
        if word is not None:
            found[account_id] = word
    return found


T = TypeVar("T")


def _for(found: Mapping[bytes, T], digest: bytes | None) -> T | None:
    return found.get(digest) if digest is not None else None


def _set_at(record: SecretRecord | None) -> dt.datetime | None:
    return record.password_set_at if record is not None else None


def _members(exact: Mapping[str, bytes]) -> dict[bytes, list[str]]:
    """The accounts of each distinct password (by digest)."""
    members: defaultdict[bytes, list[str]] = defaultdict(list)
    for account_id, digest in exact.items():
        members[digest].append(account_id)
    return dict(members)


def _jobs(
    members: Mapping[bytes, list[str]],
    passwords: Mapping[str, Secret],
    strength: bool,
    words_of: Callable[[str], Iterable[str]],
) -> dict[bytes, ScoringJob]:
    """One scoring job per distinct password, with the union of its accounts' context words
    (none when no selected check reads strength: nothing will be scored)."""
    jobs: dict[bytes, ScoringJob] = {}
    for digest, account_ids in members.items():
        words: set[str] = set()
        for account_id in account_ids if strength else ():
            words.update(words_of(account_id))
        jobs[digest] = ScoringJob(passwords[account_ids[0]], tuple(sorted(words)))
    return jobs


def _words_of(
    accounts: Mapping[str, Account],
    inventory: Inventory,
    policy: Policy,
    platforms: Mapping[str, Platform],
) -> Callable[[str], tuple[str, ...]]:
    """An account id's zxcvbn context words."""

    def words(account_id: str) -> tuple[str, ...]:
        account = accounts[account_id]
        platform = platform_for(account.platform, platforms)
        return context_words(account, inventory, policy.for_tier(account.tier), platform)

    return words


def _strengths(
    jobs: Mapping[bytes, ScoringJob],
    key: bytes,
    cache: ScoreCache | None,
    workers: int | None,
    progress: bool,
) -> tuple[dict[bytes, Strength], int, int]:
    """Verdicts by password digest, and how many were scored and how many came from the cache."""
    keys = {digest: cache_key(key, job.password, job.user_inputs) for digest, job in jobs.items()}
    known = cache.lookup(keys.values()) if cache is not None else {}
    result = {digest: known[k] for digest, k in keys.items() if k in known}
    missing = [digest for digest in jobs if digest not in result]
    bar = ProgressBar(len(missing), "scoring passwords") if progress else None
    try:
        fresh = score_all(
            [jobs[d] for d in missing],
            workers=workers,
            on_progress=bar.advance if bar is not None else None,
        )
    finally:
        if bar is not None:
            bar.close()
    result.update(zip(missing, fresh, strict=True))
    if cache is not None:
        cache.store({keys[d]: s for d, s in zip(missing, fresh, strict=True)})
    return result, len(missing), len(jobs) - len(missing)


def _breaches(
    jobs: Mapping[bytes, ScoringJob], source: BreachSource | None
) -> dict[bytes, BreachResult]:
    if source is None:
        return {}
    hashes = {digest: sha1_hex(job.password) for digest, job in jobs.items()}
    try:
        counts = source.counts(hashes.values())
    except BreachLookupFailed as exc:
        return {digest: BreachResult(None, str(exc)) for digest in jobs}
    return {digest: BreachResult(counts[h]) for digest, h in hashes.items()}


def _totp(
    records: Mapping[str, SecretRecord], key: bytes
) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """Seed bits per account (0 for a seed that is not base32), and accounts sharing a seed."""
    bits: dict[str, int] = {}
    digests: dict[str, bytes] = {}
    for account_id, record in records.items():
        if record.totp_secret is None:
            continue
        seed = seed_key(record.totp_secret)
        bits[account_id] = 8 * len(seed) if seed else 0
        if seed:
            digests[account_id] = reuse.keyed_digest(key, seed.hex())
    return bits, reuse.groups(digests)
