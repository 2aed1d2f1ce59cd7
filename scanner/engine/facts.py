"""What the password checks read: plain inputs from the vault, and the facts computed from them.

Nothing here holds a plaintext or a hash of a single secret: `SecretRecord` carries `Secret`s
in memory only, and `PasswordFacts` names accounts, scores and counts.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.core.model import EvidenceValue
from scanner.core.secret import Secret


@dataclass(frozen=True)
class HeldVerdict:
    """A stored password's PWD-001 verdict, as evaluated when the password was written into the
    vault (or at the last `posture vault recheck`), and the digest of the non-secret inputs it
    was evaluated under (`basis`: the policy's password rules and the context words).

    A scan whose basis differs keeps this verdict instead of evaluating the password under the
    edited rules: otherwise a policy or inventory edit (a blocklist word, a context word, a
    minimum length) would turn PWD-001 into an oracle on the password's content (issue 14).
    """

    basis: str
    status: str  # a Status value ("PASS", "FAIL"), or PENDING: recorded by a bulk write unscored
    message: str
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)


# The status of a record made without scoring (`vault import`): the basis is recorded, the verdict
# is not. Under the same basis a scan evaluates live; under another it cannot say anything that
# would not answer the edit, so PWD-001 is skipped until `posture vault recheck`.
PENDING = "PENDING"


@dataclass(frozen=True)
class SecretRecord:
    """One account's secrets as the vault holds them (input to `analyse`)."""

    account_id: str
    password: Secret | None
    password_set_at: dt.datetime | None = None
    totp_secret: Secret | None = None
    # A rotation waits for confirmation since then: `password` is still the live value.
    rotation_pending_since: dt.datetime | None = None
    # The PWD-001 verdict recorded with this password in the vault (None: none recorded yet).
    recorded: HeldVerdict | None = None


class ScoreMethod(enum.Enum):
    """How a strength score was reached within the time bound."""

    WHOLE = "whole"  # zxcvbn on the whole password
    PARTS = "parts"  # over 72 characters or too slow: the strongest of its parts, a lower bound
    UNRATED = "unrated"  # no part could be scored within the bound: treated as the weakest


@dataclass(frozen=True)
class Strength:
    """A zxcvbn verdict on one password; `guesses_log10` is finite and JSON-safe."""

    score: int
    guesses_log10: float
    warning: str
    suggestions: tuple[str, ...]
    method: ScoreMethod


@dataclass(frozen=True)
class BreachResult:
    """The breach corpus's answer for one password: a count, or why there is none."""

    count: int | None
    error: str | None = None


@dataclass(frozen=True)
class ContextWord:
    """The password is built on a context word of this kind (brand term, handle...).

    `remainder_score`: zxcvbn's score of what is left once the words are removed; None when that
    is trivial (nothing, digits and symbols such as a year, or a few characters).
    """

    kind: str
    remainder_score: int | None


@dataclass(frozen=True)
class AccountSecrets:
    """Everything the checks may know about one account's stored secrets."""

    account_id: str
    has_password: bool
    length: int
    strength: Strength | None
    breach: BreachResult | None  # None: no breach source was given
    reused_with: tuple[str, ...]  # other accounts with exactly the same password
    similar_to: tuple[str, ...]  # other accounts with a near-identical (not equal) password
    password_set_at: dt.datetime | None
    totp_bits: int | None  # None: no seed stored
    totp_valid: bool
    totp_shared_with: tuple[str, ...]
    context: ContextWord | None = None  # the context word the password is built on, if any
    # Digest of the non-secret inputs of this password's PWD-001 verdict in this scan.
    basis: str | None = None
    # The recorded verdict PWD-001 keeps because the rules or context words changed since it
    # was recorded (the password was then not scored under the new ones).
    held: HeldVerdict | None = None


@dataclass(frozen=True)
class PasswordFacts:
    """The result of `analyse`: per-account facts plus how the work was done."""

    accounts: Mapping[str, AccountSecrets]
    breach_source: str | None
    scored: int  # distinct passwords scored by zxcvbn in this run
    cached: int  # distinct passwords whose score came from the cache
    held: int = 0  # accounts whose PWD-001 keeps the verdict recorded under earlier rules

    def get(self, account_id: str) -> AccountSecrets | None:
        return self.accounts.get(account_id)


@dataclass(frozen=True)
class EntryCustody:
    """Who can decrypt one account's team vault entry, against who should (VLT-001, ACC-003).
    Person ids and `agency:ID` refs only: never a key."""

    account_id: str
    readers: tuple[str, ...]  # refs whose inventory recipient the entry is encrypted to
    unknown_keys: int  # recipients that match nobody in the inventory (a replaced key?)
    expected: tuple[str, ...]  # current holders with an age recipient, plus the custodians
    keyless: tuple[str, ...] = ()  # current holders with no age recipient (cannot read it)
    removed: tuple[str, ...] = ()  # readers `vault sync` removed since the password was set
    removed_at: dt.datetime | None = None


@dataclass(frozen=True)
class OpenIncident:
    """What the scan needs to know about an account's open incident (INC-001)."""

    incident_id: int
    account: str
    opened_at: str
    steps: int
    done: int
    required_open: tuple[str, ...]


@dataclass(frozen=True)
class OpenOffboarding:
    """What the scan needs to know about an open offboarding case (GOV-003)."""

    case_id: int
    who: str  # a person id or `agency:ID`
    name: str
    starts_on: dt.date  # the last day or the contract end the case counts from
    steps: int
    done: int


@dataclass(frozen=True)
class HandbookAck:
    """A recorded acknowledgement of one version of the generated handbook (GOV-001)."""

    holder: str  # a person id or agency:ID
    version: str
    on: dt.date


@dataclass(frozen=True)
class HandbookFacts:
    """The handbook in force for this scan and who acknowledged which version."""

    version: str
    acks: Mapping[str, tuple[HandbookAck, ...]]  # by holder, newest first

    def latest(self, holder: str, version: str | None = None) -> HandbookAck | None:
        """The holder's newest acknowledgement (of `version` when given)."""
        return next(
            (a for a in self.acks.get(holder, ()) if version is None or a.version == version),
            None,
        )
