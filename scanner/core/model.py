"""Shared value types: severities, statuses, MFA strength, findings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

EvidenceValue = str | int | float | bool | None | list[str] | list[int]


class Severity(enum.Enum):
    """Finding severity; `rank` orders them, higher is worse."""

    # Identity hashing (members are singletons compared by identity): Enum's own __hash__ is
    # a Python call, and a 10,000-account scan hashes these about a million times.
    __hash__ = object.__hash__

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def shifted(self, steps: int) -> Severity:
        """This severity moved up (positive) or down the scale, clamped to low..critical."""
        if self is Severity.INFO or steps == 0:
            return self
        index = min(max(_SEVERITY_RANK[self] + steps, 1), len(_SEVERITY_ORDER) - 1)
        return _SEVERITY_ORDER[index]


_SEVERITY_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(_SEVERITY_ORDER)}


class Status(enum.Enum):
    __hash__ = object.__hash__  # see Severity

    FAIL = "FAIL"
    PASS = "PASS"  # noqa: S105 - a status, not a password
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"


class Tier(enum.Enum):
    __hash__ = object.__hash__  # see Severity

    CRITICAL = "critical"
    STANDARD = "standard"
    LOW = "low"


class Holder(enum.Enum):
    """Who legally holds an account or its recovery phone."""

    __hash__ = object.__hash__  # see Severity

    COMPANY = "company"
    EMPLOYEE = "employee"
    AGENCY = "agency"
    NONE = "none"


class Mfa(enum.Enum):
    """How an account proves more than a password, strongest first (NIST SP 800-63B-4 §3.2.5,
    CISA). `passkey` is passkey sign-in, a phishing-resistant way in that replaces the password
    and second step; the others are second factors after the password."""

    __hash__ = object.__hash__  # see Severity

    FIDO2 = "fido2"
    PASSKEY = "passkey"
    TOTP = "totp"
    PUSH = "push"
    SMS = "sms"
    EMAIL = "email"
    NONE = "none"

    @property
    def strength(self) -> int:
        return _MFA_STRENGTH[self]

    @property
    def phishing_resistant(self) -> bool:
        return self in (Mfa.FIDO2, Mfa.PASSKEY)


_MFA_STRENGTH = {
    Mfa.FIDO2: 5,
    Mfa.PASSKEY: 5,
    Mfa.TOTP: 4,
    Mfa.PUSH: 4,
    Mfa.SMS: 2,
    Mfa.EMAIL: 1,
    Mfa.NONE: 0,
}


def fingerprint(check_id: str, account: str) -> str:
    """Stable identity of a finding across scans: hash of check id and account id."""
    import hashlib  # here: the CLI imports this module for `--help`

    return hashlib.sha256(f"{check_id}\x00{account}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Suppression:
    """One accepted risk from `posture.suppressions.toml`: a check (or glob) on named accounts."""

    check: str
    accounts: tuple[str, ...]
    reason: str
    owner: str
    expires: dt.date
    line: int | None = None

    def covers(self, check_id: str, account: str) -> bool:
        """True when this entry names `account` and its check pattern matches `check_id`."""
        import fnmatch

        return account in self.accounts and fnmatch.fnmatchcase(check_id, self.check.upper())

    def expired_on(self, day: dt.date) -> bool:
        """The entry applies up to and including its `expires` day."""
        return day > self.expires


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's verdict on one account. Evidence never holds a secret.

    `suppression` is set only on a FAIL finding an unexpired suppression entry covers; the
    finding keeps status FAIL but no longer counts toward the exit code.
    """

    check_id: str
    status: Status
    severity: Severity
    account: str
    message: str
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)
    suppression: Suppression | None = None

    @classmethod
    def verdict(
        cls,
        check_id: str,
        status: Status,
        severity: Severity,
        account: str,
        message: str,
        evidence: Mapping[str, EvidenceValue],
    ) -> Finding:
        """`Finding(...)`, unsuppressed, made in half the time of the frozen `__init__` (its
        slots set directly): a scan of 10,000 accounts makes 230,000 of them, and slots keep
        each at a quarter of a dict's memory. tests/engine hold it equal to the constructor."""
        finding = object.__new__(cls)
        set_check, set_status, set_severity, set_account, set_message, set_evidence, set_none = (
            _FINDING_SLOTS
        )
        set_check(finding, check_id)
        set_status(finding, status)
        set_severity(finding, severity)
        set_account(finding, account)
        set_message(finding, message)
        set_evidence(finding, evidence)
        set_none(finding, None)
        return finding

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.check_id, self.account)

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def actionable(self) -> bool:
        """A failure that needs action: FAIL and not suppressed."""
        return self.failed and self.suppression is None


# The setters of Finding's slots, in field order (`Finding.verdict`).
_FINDING_SLOTS = tuple(getattr(Finding, f.name).__set__ for f in dataclasses.fields(Finding))


class Vector(enum.Enum):
    """How the attacker got in, as far as the team knows (`breach start --vector`)."""

    PASSWORD = "password"  # noqa: S105 - a vector name, not a secret
    SESSION_THEFT = "session-theft"
    SIM_SWAP = "sim-swap"
    INSIDER = "insider"
    THIRD_PARTY_APP = "third-party-app"
    PLATFORM = "platform"
    UNKNOWN = "unknown"  # every step that may apply
