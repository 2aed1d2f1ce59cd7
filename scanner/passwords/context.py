"""Context words: is a password built on the organisation's own words?

NIST SP 800-63B-4 §3.1.1.2 asks to refuse passwords made of context-specific words (the service,
the user name) "and derivatives thereof". zxcvbn takes such words as hints but may still rate
`NorthwindCoffee2024!` a 3, so this is a rule of its own:

- the words come from the inventory, each with its kind (organisation name, brand term, handle,
  platform, holder name, login email, account URL, policy blocklist);
- case, common leet swaps (0→o, 1/!/l→i, 3→e, 4/@→a, 5/$→s, 7/+→t) and separators are ignored
  when looking for them; the longest words are taken first;
- what remains once every word found is removed decides: nothing, only digits and symbols (a
  year, "!"), or at most `SHORT_REMAINDER` characters is a derivative of the word; anything
  longer is scored by zxcvbn alone, and the check compares that score with the policy.

The result names the kind of word and a score, never the word's place or the password.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence

from scanner.core.secret import Secret
from scanner.engine.facts import ContextWord
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import Platform
from scanner.inventory.policy import Rules
from scanner.passwords.strength import score_password, tokens

SHORT_REMAINDER = 4
# A run of digits and symbols up to this long after removing the words is a suffix, not strength.
DIGITS_REMAINDER = 10
MIN_WORD = 3
_CANON = str.maketrans(
    {"0": "o", "1": "i", "l": "i", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a", "5": "s",
     "$": "s", "7": "t", "+": "t"}
)  # fmt: skip
_SEPARATORS = frozenset(" \t-_.,/\\:;~'\"")


def context_kinds(
    account: Account, inventory: Inventory, rules: Rules, platform: Platform
) -> dict[str, str]:
    """Each context word of `account` (lower case, alphanumeric) with its kind; a word of two
    kinds keeps the first in this order: organisation, brand, handle, login email, holders..."""
    org = inventory.organization
    # The organisation's words come first and are the same for every account: found once.
    kinds = dict(
        _shared_kinds((("organisation name", (org.name,)), ("brand term", org.brand_terms)))
    )
    sources: list[tuple[str, Iterable[str | None]]] = [
        ("handle", [account.handle]),
        ("login email", [_local(account.login_email)]),
        ("platform name", [platform.id, platform.display_name]),
        ("account URL", [account.url]),
        ("holder name", _holder_names(account, inventory)),
    ]
    for kind, texts in sources:
        for text in texts:
            for word in _kind_words(text):
                kinds.setdefault(word, kind)
    for word, kind in _shared_kinds((("blocklist word", rules.blocklist),)):
        kinds.setdefault(word, kind)
    return kinds


@functools.lru_cache(maxsize=64)
def _shared_kinds(sources: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, str], ...]:
    """The words of texts every account shares (organisation, blocklist), with their kinds."""
    kinds: dict[str, str] = {}
    for kind, texts in sources:
        for text in texts:
            for word in _kind_words(text):
                kinds.setdefault(word, kind)
    return tuple(kinds.items())


@functools.lru_cache(maxsize=8192)
def _kind_words(text: str | None) -> tuple[str, ...]:
    """The context words of `text` (alphanumeric, 3+ characters, not all digits)."""
    return tuple(
        word
        for word in tokens(text)
        if len(word) >= MIN_WORD and word.isalnum() and not word.isdigit()
    )


def _local(email: str | None) -> str | None:
    return email.split("@", 1)[0] if email else None


def _holder_names(account: Account, inventory: Inventory) -> list[str | None]:
    names: list[str | None] = []
    for ref in dict.fromkeys((account.owner, *account.admins, *account.password_known_by)):
        if not ref:
            continue
        agency = inventory.agency_for(ref)
        if agency is not None:
            names.append(agency.name)
            continue
        person = inventory.people.get(ref)
        if person is not None:
            names += [person.name, _local(person.email)]
    return names


def context_word(password: Secret, kinds: Mapping[str, str]) -> ContextWord | None:
    """The context word `password` is built on, or None when it holds none.

    `remainder_score` is None when what remains is trivial (the password is a derivative of the
    word whatever zxcvbn says), else zxcvbn's score of the remainder alone.
    """
    text = password.reveal()
    kept = [(i, ch) for i, ch in enumerate(text) if ch not in _SEPARATORS]
    canon = "".join(ch for _, ch in kept).lower().translate(_CANON)
    if not any(_canonical(word) in canon for word in kinds):
        return None  # most passwords hold none of the words: no need to order them
    covered = [False] * len(kept)
    found = _cover(canon, kinds, covered)
    if not found:
        return None
    remainder = "".join(ch for (_, ch), hit in zip(kept, covered, strict=True) if not hit)
    if _trivial(remainder):
        return ContextWord(kind=found[0], remainder_score=None)
    return ContextWord(kind=found[0], remainder_score=score_password(Secret(remainder)).score)


def _cover(canon: str, kinds: Mapping[str, str], covered: list[bool]) -> list[str]:
    """The kinds of the words found in `canon`, longest first, each where no longer word was
    found; marks the characters they cover in `covered`."""
    found: list[str] = []
    for word, kind in _words(kinds):
        if word not in canon:  # most passwords hold none of the words
            continue
        start = canon.find(word)
        while start != -1:
            span = range(start, start + len(word))
            if not any(covered[i] for i in span):
                for i in span:
                    covered[i] = True
                found.append(kind)
            start = canon.find(word, start + 1)
    return found


def _trivial(remainder: str) -> bool:
    """Nothing, a few characters, or a short run of digits and symbols (a year, "!")."""
    if len(remainder) <= SHORT_REMAINDER:
        return True
    return len(remainder) <= DIGITS_REMAINDER and not any(ch.isalpha() for ch in remainder)


def _words(kinds: Mapping[str, str]) -> Sequence[tuple[str, str]]:
    """(canonical word, kind), longest first; two words of one canonical form: the later kind."""
    words = {_canonical(word): kind for word, kind in kinds.items()}
    return sorted(words.items(), key=lambda item: -len(item[0]))


@functools.lru_cache(maxsize=8192)
def _canonical(word: str) -> str:
    return word.translate(_CANON)
