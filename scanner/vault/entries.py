"""The vault's entries: current password, history, TOTP seed, recovery codes, rotation metadata."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from scanner.core.secret import Secret
from scanner.engine.facts import HeldVerdict
from scanner.vault.otp import TotpSeed

HISTORY_LIMIT = 10
PAYLOAD_FORMAT = 1
# `with_password(..., set_at=AT)`: the value was set at the moment of the change itself.
AT: Final = "at"


@dataclass(frozen=True)
class PastPassword:
    """An earlier password, newest first in `Entry.history`."""

    value: Secret
    set_at: dt.datetime | None
    retired_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class PendingPassword:
    """A rotation's new value, not yet confirmed as taken by the platform: the live password is
    still `Entry.password` until `confirmed`."""

    value: Secret
    created_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class VerdictRecord:
    """The PWD-001 verdict recorded with the current password (see `HeldVerdict`).

    `tag` (SHA-256 of `salt` and the password, inside the encrypted payload like the password
    itself) ties the record to the value it judged: a record whose password was replaced by any
    path that did not clear it counts as no record.
    """

    verdict: HeldVerdict
    salt: str
    tag: str

    @classmethod
    def of(cls, verdict: HeldVerdict, password: Secret) -> VerdictRecord:
        salt = secrets.token_hex(16)
        return cls(verdict, salt, _tag(salt, password))

    def matches(self, password: Secret | None) -> bool:
        return password is not None and hmac.compare_digest(self.tag, _tag(self.salt, password))


def _tag(salt: str, password: Secret) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + password.reveal().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    name: str
    password: Secret | None = None
    password_set_at: dt.datetime | None = None
    history: tuple[PastPassword, ...] = ()
    totp: TotpSeed | None = None
    recovery_codes: tuple[Secret, ...] = ()
    rotations: int = 0
    last_rotated_at: dt.datetime | None = None
    last_rotation_reason: str | None = None
    pending: PendingPassword | None = None
    # Optional, added after format 1 shipped (absent in older vaults: no record).
    verdict: VerdictRecord | None = None

    @property
    def recorded(self) -> HeldVerdict | None:
        """The PWD-001 verdict recorded for the current password; None when there is none."""
        if self.verdict is None or not self.verdict.matches(self.password):
            return None
        return self.verdict.verdict

    def with_verdict(self, verdict: HeldVerdict) -> Entry:
        """This entry with `verdict` recorded for its current password."""
        assert self.password is not None  # noqa: S101 - only a stored password is judged
        return dataclasses.replace(self, verdict=VerdictRecord.of(verdict, self.password))

    def with_password(
        self,
        value: Secret,
        at: dt.datetime,
        reason: str,
        *,
        set_at: dt.datetime | Literal["at"] | None = AT,
    ) -> Entry:
        """This entry with `value` as the current password; the old one moves into history.

        `set_at` is when the value was set on the platform: the change time (default), a date an
        export or the operator gave, or None when nobody knows (older than any departure).
        """
        history = self.history
        if self.password is not None:
            past = PastPassword(self.password, self.password_set_at, at, reason)
            history = (past, *history)[:HISTORY_LIMIT]
        when = at if set_at == AT else set_at
        assert not isinstance(when, str)  # noqa: S101 - narrowed for mypy
        return dataclasses.replace(
            self, password=value, password_set_at=when, history=history, verdict=None
        )

    def rotated(self, value: Secret, at: dt.datetime, reason: str) -> Entry:
        changed = self.with_password(value, at, reason)
        return dataclasses.replace(
            changed,
            rotations=self.rotations + 1,
            last_rotated_at=at,
            last_rotation_reason=reason,
        )

    def with_pending(self, value: Secret, at: dt.datetime, reason: str) -> Entry:
        """This entry with a rotation pending: `value` waits for confirmation; nothing else moves."""
        return dataclasses.replace(self, pending=PendingPassword(value, at, reason))

    def confirmed(self, at: dt.datetime) -> Entry | None:
        """The pending value as the live password (set at `at`); None when none is pending."""
        if self.pending is None:
            return None
        done = self.rotated(self.pending.value, at, self.pending.reason)
        return dataclasses.replace(done, pending=None)

    def rolled_back(self, at: dt.datetime) -> Entry | None:
        """The previous password back as current; None when there is no history.

        The displaced value stays as the newest history item, so a second rollback undoes the first.
        """
        if not self.history:
            return None
        previous, *rest = self.history
        history = tuple(rest)
        if self.password is not None:
            reason = f"rolled back ({self.last_rotation_reason or 'set'})"
            history = (PastPassword(self.password, self.password_set_at, at, reason), *history)
        return dataclasses.replace(
            self,
            password=previous.value,
            password_set_at=previous.set_at,
            history=history[:HISTORY_LIMIT],
            verdict=None,
        )


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


# Serialisation lives here so that the payload's shape is defined next to the model.


def encode_payload(entries: Mapping[str, Entry]) -> bytes:
    records = {name: _entry_record(entry) for name, entry in sorted(entries.items())}
    return json.dumps(
        {"format": PAYLOAD_FORMAT, "entries": records}, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def decode_payload(data: bytes) -> dict[str, Entry]:
    """Entries from a decrypted payload; ValueError on a shape this version does not know."""
    value = json.loads(data.decode("utf-8"))
    if value.get("format") != PAYLOAD_FORMAT:
        raise ValueError("payload format")
    return {name: _entry(name, record) for name, record in value["entries"].items()}


def encode_entry(entry: Entry) -> dict[str, Any]:
    """One entry as the payload stores it (the team vault encrypts each on its own)."""
    return _entry_record(entry)


def decode_entry(name: str, record: Mapping[str, Any]) -> Entry:
    return _entry(name, record)


def _entry_record(entry: Entry) -> dict[str, Any]:
    totp = entry.totp
    return {
        "password": _reveal(entry.password),
        "password_set_at": _time(entry.password_set_at),
        "history": [
            {
                "value": past.value.reveal(),
                "set_at": _time(past.set_at),
                "retired_at": _time(past.retired_at),
                "reason": past.reason,
            }
            for past in entry.history
        ],
        "totp": None
        if totp is None
        else {
            "secret": totp.secret.reveal(),
            "issuer": totp.issuer,
            "account_name": totp.account_name,
            "digits": totp.digits,
            "period": totp.period,
            "algorithm": totp.algorithm,
        },
        "recovery_codes": [code.reveal() for code in entry.recovery_codes],
        "rotations": entry.rotations,
        "last_rotated_at": _time(entry.last_rotated_at),
        "last_rotation_reason": entry.last_rotation_reason,
        # Added after format 1 shipped: older vaults have no key, and read as "none pending".
        "pending": None
        if entry.pending is None
        else {
            "value": entry.pending.value.reveal(),
            "created_at": _time(entry.pending.created_at),
            "reason": entry.pending.reason,
        },
        # Optional as well: written only when there is a record.
        **({} if entry.verdict is None else {"verdict": _verdict_record(entry.verdict)}),
    }


def _verdict_record(record: VerdictRecord) -> dict[str, Any]:
    held = record.verdict
    return {
        "basis": held.basis,
        "status": held.status,
        "message": held.message,
        # Pairs, not an object: the payload's sorted keys must not reorder the evidence.
        "evidence": [[key, value] for key, value in held.evidence.items()],
        "salt": record.salt,
        "tag": record.tag,
    }


def _verdict(record: Mapping[str, Any] | None) -> VerdictRecord | None:
    if record is None:
        return None
    held = HeldVerdict(
        basis=str(record["basis"]),
        status=str(record["status"]),
        message=str(record["message"]),
        evidence={str(key): value for key, value in record["evidence"]},
    )
    return VerdictRecord(held, salt=str(record["salt"]), tag=str(record["tag"]))


def _entry(name: str, record: Mapping[str, Any]) -> Entry:
    totp = record.get("totp")
    retired = [
        PastPassword(
            value=Secret(past["value"]),
            set_at=_parse_time(past["set_at"]),
            retired_at=_parse_time(past["retired_at"]) or utc_now(),
            reason=past["reason"],
        )
        for past in record.get("history", [])
    ]
    return Entry(
        name=name,
        password=None if record.get("password") is None else Secret(record["password"]),
        password_set_at=_parse_time(record.get("password_set_at")),
        history=tuple(retired),
        totp=None
        if totp is None
        else TotpSeed(
            secret=Secret(totp["secret"]),
            issuer=totp.get("issuer"),
            account_name=totp.get("account_name"),
            digits=int(totp.get("digits", 6)),
            period=int(totp.get("period", 30)),
            algorithm=totp.get("algorithm", "SHA1"),
        ),
        recovery_codes=tuple(Secret(code) for code in record.get("recovery_codes", [])),
        rotations=int(record.get("rotations", 0)),
        last_rotated_at=_parse_time(record.get("last_rotated_at")),
        last_rotation_reason=record.get("last_rotation_reason"),
        pending=_pending(record.get("pending")),
        verdict=_verdict(record.get("verdict")),
    )


def _pending(record: Mapping[str, Any] | None) -> PendingPassword | None:
    if record is None:
        return None
    return PendingPassword(
        value=Secret(record["value"]),
        created_at=_parse_time(record["created_at"]) or utc_now(),
        reason=str(record["reason"]),
    )


def _reveal(value: Secret | None) -> str | None:
    return None if value is None else value.reveal()


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def _parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
