"""Suppressions: accepted risks from `posture.suppressions.toml`, with an owner and an expiry.

Loading validates every entry (file, line and field in each error, like the inventory loader);
`apply_suppressions` marks the FAIL findings an unexpired entry covers and reports entries that
expired or matched nothing, so a suppression can never silently outlive its reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.core.errors import InputError
from scanner.core.fields import Table
from scanner.core.model import Finding, Suppression
from scanner.core.tomlsource import TomlSource, suggest

DEFAULT_NAME = "posture.suppressions.toml"
ENV = "POSTURE_SUPPRESSIONS"

_ENTRY_KEYS = ("check", "accounts", "reason", "owner", "expires")
_CHECK_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-*?[]!")


@dataclass(frozen=True)
class SuppressionFile:
    """A loaded suppressions file: its path and its entries in file order."""

    path: Path
    entries: tuple[Suppression, ...]


class NoticeKind(enum.Enum):
    EXPIRED = "expired"
    UNMATCHED = "unmatched"
    UNKNOWN_ACCOUNT = "unknown-account"


@dataclass(frozen=True)
class SuppressionNotice:
    """Something the user should fix in the suppressions file; `text` is one line."""

    kind: NoticeKind
    entry: Suppression
    text: str


@dataclass(frozen=True)
class SuppressionReview:
    """What the suppressions file did in one scan."""

    path: Path | None = None
    entries: int = 0
    applied: int = 0
    notices: tuple[SuppressionNotice, ...] = field(default_factory=tuple)

    def of_kind(self, kind: NoticeKind) -> tuple[SuppressionNotice, ...]:
        return tuple(n for n in self.notices if n.kind is kind)


def load_suppressions(path: Path) -> SuppressionFile:
    """Load and validate `path`; every mistake raises one InputError naming file, line, field."""
    source = TomlSource.read(path, "suppressions file")
    root = Table(source.data, source, None, "")
    root.only(("suppression",))
    raw = source.data.get("suppression", [])
    if not isinstance(raw, list):
        raise InputError(
            "must be an array of tables ([[suppression]]), not a single table or value",
            path=path,
            line=source.table_line("suppression"),
            field="suppression",
        )
    entries = []
    for index, item in enumerate(raw):
        table = Table(
            item, source, source.table_line("suppression", index), f"suppression[{index}]"
        )
        entries.append(_entry(table))
    return SuppressionFile(path=path, entries=tuple(entries))


def _entry(table: Table) -> Suppression:
    table.only(_ENTRY_KEYS)
    check = table.required_string("check").strip().upper()
    if not set(check) <= _CHECK_CHARS:
        raise table.error("check", f'"{check}" is not a check id or a glob such as "GOV-*"')
    if "accounts" not in table.data:
        raise InputError(
            "required field is missing",
            path=table.source.path,
            line=table.line,
            field=f"{table.label}.accounts",
        )
    accounts = table.strings("accounts")
    if not accounts:
        raise table.error("accounts", "list at least one account id")
    if any(not a.strip() for a in accounts):
        raise table.error("accounts", "account ids must not be empty")
    expires = table.date("expires", required=True)
    assert expires is not None  # noqa: S101 - required=True never returns None
    return Suppression(
        check=check,
        accounts=accounts,
        reason=table.required_string("reason").strip(),
        owner=table.required_string("owner").strip(),
        expires=expires,
        line=table.line,
    )


def apply_suppressions(
    findings: Sequence[Finding],
    suppressions: SuppressionFile | None,
    *,
    today: dt.date,
    account_ids: Iterable[str],
    check_ids: Iterable[str],
) -> tuple[tuple[Finding, ...], SuppressionReview]:
    """Findings with covered FAILs marked suppressed, and what each entry did.

    An entry applies up to and including its `expires` day; the first matching entry wins.
    Entries that expired, matched no failing finding, or name unknown accounts become notices.
    """
    if suppressions is None:
        return tuple(findings), SuppressionReview()
    active, notices = _active_entries(suppressions, today, list(account_ids))
    marked, matched = _mark(findings, active)
    notices += _unmatched(suppressions.path, active, matched, list(check_ids))
    notices.sort(key=lambda n: (n.entry.line or 0, n.kind.value))
    review = SuppressionReview(
        path=suppressions.path,
        entries=len(suppressions.entries),
        applied=sum(1 for f in marked if f.suppression is not None),
        notices=tuple(notices),
    )
    return marked, review


def _active_entries(
    suppressions: SuppressionFile, today: dt.date, known_accounts: list[str]
) -> tuple[list[Suppression], list[SuppressionNotice]]:
    """The entries in force on `today`, and notices for expired ones and unknown accounts."""
    notices: list[SuppressionNotice] = []
    active: list[Suppression] = []
    for entry in suppressions.entries:
        label = _label(suppressions.path, entry)
        if entry.expired_on(today):
            notices.append(
                SuppressionNotice(
                    NoticeKind.EXPIRED,
                    entry,
                    f"{label}: expired on {entry.expires} (owner {entry.owner}); "
                    "its findings count again",
                )
            )
            continue
        active.append(entry)
        notices.extend(
            SuppressionNotice(
                NoticeKind.UNKNOWN_ACCOUNT,
                entry,
                f'{label}: no account "{account}" in the inventory'
                f"{suggest(account, known_accounts)}",
            )
            for account in entry.accounts
            if account not in known_accounts
        )
    return active, notices


def _mark(
    findings: Sequence[Finding], active: Sequence[Suppression]
) -> tuple[tuple[Finding, ...], set[int]]:
    """Each FAIL covered by an entry marked with the first such entry; the entries that matched."""
    matched: set[int] = set()
    marked = []
    for finding in findings:
        cover = None
        if finding.failed:
            cover = next(
                (n for n, e in enumerate(active) if e.covers(finding.check_id, finding.account)),
                None,
            )
        if cover is None:
            marked.append(finding)
            continue
        marked.append(dataclasses.replace(finding, suppression=active[cover]))
        matched.add(cover)
    return tuple(marked), matched


def _unmatched(
    where: Path, active: Sequence[Suppression], matched: set[int], known_checks: list[str]
) -> list[SuppressionNotice]:
    notices = []
    for number, entry in enumerate(active):
        if number in matched:
            continue
        hint = ""
        if not any(fnmatch.fnmatchcase(c, entry.check) for c in known_checks):
            hint = f"; no selected check matches {entry.check}{suggest(entry.check, known_checks)}"
        notices.append(
            SuppressionNotice(
                NoticeKind.UNMATCHED,
                entry,
                f"{_label(where, entry)}: matches no failing finding{hint}; remove it if the "
                "risk is gone",
            )
        )
    return notices


def _label(path: Path, entry: Suppression) -> str:
    line = f":{entry.line}" if entry.line is not None else ""
    return f"{path}{line}: suppression {entry.check} for {', '.join(entry.accounts)}"
