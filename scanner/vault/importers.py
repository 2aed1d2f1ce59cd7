"""Reading password managers' CSV exports and matching their logins to inventory accounts.

Columns are read by header name (their order drifts between versions). Headers as exported by:
Bitwarden (web vault / CLI 2024-2025 `.csv` export), KeePassXC 2.7 (`keepassxc-cli export -f csv`
and the GUI's CSV export), 1Password 8 (CSV export). Only KeePassXC writes a date
("Last Modified", ISO 8601 UTC); the others have none, so their passwords' set dates stay unknown
unless the operator gives `--set-on`.

`plan_import` decides every row before anything is written and never guesses: a row goes to an
account only when exactly one account fits (rules below), and says why otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.core.errors import InputError
from scanner.core.files import read_regular
from scanner.core.secret import Secret
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import OTHER, Platform, platforms_for_host


class Manager(enum.Enum):
    BITWARDEN = "bitwarden"
    KEEPASSXC = "keepassxc"
    ONEPASSWORD = "1password"


@dataclass(frozen=True)
class Columns:
    name: str
    url: str
    username: str
    password: str
    totp: str
    kind: str | None = None  # a column that must read "login" (Bitwarden exports cards, notes...)
    modified: str | None = None  # when the entry was last changed, where the format has it
    folder: str | None = None


COLUMNS = {
    Manager.BITWARDEN: Columns(
        "name",
        "login_uri",
        "login_username",
        "login_password",
        "login_totp",
        kind="type",
        folder="folder",
    ),
    Manager.KEEPASSXC: Columns(
        "Title", "URL", "Username", "Password", "TOTP", modified="Last Modified", folder="Group"
    ),
    Manager.ONEPASSWORD: Columns("Title", "Url", "Username", "Password", "OTPAuth"),
}


@dataclass(frozen=True)
class ImportedLogin:
    """One login row of an export; `row` counts data rows from 1 (the header is row 0)."""

    line: int
    name: str
    urls: tuple[str, ...]
    username: str
    password: Secret | None
    totp: Secret | None
    row: int = 0
    modified: dt.datetime | None = None
    folder: str = ""


class Outcome(enum.Enum):
    IMPORT = "import"
    UNCHANGED = "unchanged"
    AMBIGUOUS = "ambiguous"
    PERSONAL = "personal"
    NO_MATCH = "no match"
    EMPTY = "empty"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class RowPlan:
    """What the import does with one row: the account and the rule that matched, or why not."""

    login: ImportedLogin
    outcome: Outcome
    account: Account | None = None
    rule: str = ""  # "host + login email", "login email", "name", "--map"...
    why: str = ""  # for rows not imported
    candidates: tuple[str, ...] = ()  # account ids, for ambiguous rows


MAX_EXPORT_BYTES = 64 * 1024 * 1024  # tens of thousands of logins; a device is refused


def read_export(path: Path, manager: Manager) -> list[ImportedLogin]:
    """The login rows of a CSV export; InputError naming the line for a malformed file."""
    try:
        text = read_regular(path, "export", cap=MAX_EXPORT_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("the file is empty", path=path, line=1)
        index = _header_index(header, COLUMNS[manager], manager, path)
        return list(_logins(reader, index, COLUMNS[manager], path))
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path=path, line=reader.line_num) from None


def _header_index(
    header: list[str], columns: Columns, manager: Manager, path: Path
) -> dict[str, int]:
    index = {name.strip(): position for position, name in enumerate(header)}
    wanted = [columns.name, columns.url, columns.username, columns.password, columns.totp]
    missing = [name for name in wanted if name not in index]
    if missing:
        raise InputError(
            f"not a {manager.value} CSV export: missing column(s) {', '.join(missing)}",
            path=path,
            line=1,
            field="header",
        )
    return index


def _logins(
    reader: Iterable[list[str]], index: Mapping[str, int], columns: Columns, path: Path
) -> Iterable[ImportedLogin]:
    row_number = 0
    for row in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str | None, row: list[str] = row) -> str:
            position = index.get(name) if name else None
            return row[position] if position is not None and position < len(row) else ""

        if columns.kind is not None and columns.kind in index and cell(columns.kind) != "login":
            continue
        row_number += 1
        password = cell(columns.password)
        totp = cell(columns.totp).strip()
        yield ImportedLogin(
            line=line,
            name=cell(columns.name).strip(),
            urls=tuple(u.strip() for u in cell(columns.url).split(",") if u.strip()),
            username=cell(columns.username).strip(),
            password=Secret(password) if password else None,
            totp=Secret(totp) if totp else None,
            row=row_number,
            modified=_modified(cell(columns.modified).strip(), columns, path, line),
            folder=cell(columns.folder).strip(),
        )


def _modified(text: str, columns: Columns, path: Path, line: int) -> dt.datetime | None:
    """The row's modification time (UTC); InputError naming the cell for one that is not a date."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f'"{text[:40]}" is not an ISO 8601 date', path=path, line=line, field=columns.modified
        ) from None
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0)


class AccountIndex:
    """The inventory indexed by host, username and name (account ids in frozensets), so each
    row is matched in constant time whatever the inventory's size."""

    def __init__(self, inventory: Inventory, platforms: Mapping[str, Platform]) -> None:
        self.platforms = platforms
        self.domains = {d.lower() for d in inventory.organization.domains}
        self.by_id = {a.id: a for a in inventory.accounts}
        url_host: defaultdict[str, list[str]] = defaultdict(list)
        by_platform: defaultdict[str, list[str]] = defaultdict(list)
        by_site: defaultdict[str, list[str]] = defaultdict(list)
        by_user: defaultdict[str, list[str]] = defaultdict(list)
        by_name: defaultdict[str, list[str]] = defaultdict(list)
        for account in inventory.accounts:
            by_platform[account.platform].append(account.id)
            if host := _host(account.url):
                url_host[host].append(account.id)
            for site in {_site(h) for h in self._hosts(account)}:
                by_site[site].append(account.id)
            for value in _identities(account):
                by_user[value].append(account.id)
            for value in _names(account):
                by_name[value].append(account.id)
        self.url_host = {k: tuple(v) for k, v in url_host.items()}
        self.by_platform = {k: tuple(v) for k, v in by_platform.items()}
        self.by_site = {k: frozenset(v) for k, v in by_site.items()}
        self.by_user = {k: tuple(v) for k, v in by_user.items()}
        self.by_name = {k: tuple(v) for k, v in by_name.items()}
        self._host_platforms: dict[str, frozenset[str]] = {}

    def _hosts(self, account: Account) -> set[str]:
        hosts = {h for h in (_host(account.url),) if h}
        platform = self.platforms.get(account.platform)
        if platform is not None and platform.id != OTHER:
            hosts |= set(platform.hosts)
            hosts |= {h for h in (_host(platform.login_url), _host(platform.security_url)) if h}
        return hosts

    def platforms_at(self, host: str) -> frozenset[str]:
        found = self._host_platforms.get(host)
        if found is None:
            found = frozenset(p.id for p in platforms_for_host(host, self.platforms))
            self._host_platforms[host] = found
        return found

    def at_host(self, account_id: str, hosts: Sequence[str]) -> bool:
        """Whether the account's URL host is one of `hosts`, or its platform signs in there."""
        platform = self.by_id[account_id].platform
        return any(
            account_id in self.url_host.get(h, ()) or platform in self.platforms_at(h)
            for h in hosts
        )

    def on_site(self, account_id: str, hosts: Sequence[str]) -> bool:
        return any(account_id in self.by_site.get(_site(h), frozenset()) for h in hosts)

    def all_at_host(self, hosts: Sequence[str], limit: int = 0) -> list[str]:
        """Account ids at any of `hosts` (at most `limit` when given)."""
        found: dict[str, None] = {}
        for host in hosts:
            for account_id in self.url_host.get(host, ()):
                found[account_id] = None
            for platform in sorted(self.platforms_at(host)):
                for account_id in self.by_platform.get(platform, ()):
                    found[account_id] = None
                    if limit and len(found) >= limit:
                        return list(found)
        return list(found)

    def users(self, username: str) -> list[str]:
        name = username.strip().lower()
        ids = self.by_user.get(name, ()) + self.by_user.get(name.lstrip("@"), ())
        return list(dict.fromkeys(ids))

    def company_login(self, username: str) -> bool:
        domain = username.rpartition("@")[2].lower()
        return "@" not in username or domain in self.domains


def plan_import(
    logins: Sequence[ImportedLogin],
    inventory: Inventory,
    platforms: Mapping[str, Platform],
    *,
    mapped: Mapping[int, str] | None = None,
) -> list[RowPlan]:
    """One plan per row, in export order. Rules, first that decides:

    1. `--map ROW=ACCOUNT` names the account;
    2. host + username: the accounts at the row's host (the account's URL, or its platform's
       login hosts) whose login email or handle is the row's username; widened to every account on
       the same site, so a shared login host (accounts.google.com for Gmail and YouTube) with one
       login email on two accounts is ambiguous rather than a guess;
    3. login email alone, when exactly one account uses it and the row's host names no account;
    4. the host alone, for a row without a username, when one account is there;
    5. the title equals an account id, vault entry or handle.

    Several accounts fitting the deciding rule make the row ambiguous (candidates named); two rows
    for one account keep the first. Nothing here reveals a value.
    """
    index = AccountIndex(inventory, platforms)
    mapped = mapped or {}
    plans: list[RowPlan] = []
    taken: dict[str, int] = {}
    for login in logins:
        plan = _plan_row(login, index, mapped.get(login.row))
        account = plan.account
        if account is not None:
            if account.id in taken:
                plan = RowPlan(
                    login,
                    Outcome.DUPLICATE,
                    why=f"row {taken[account.id]} already goes to {account.id}",
                    candidates=(account.id,),
                )
            else:
                taken[account.id] = login.row
        plans.append(plan)
    return plans


def _plan_row(login: ImportedLogin, index: AccountIndex, mapped: str | None) -> RowPlan:
    if login.password is None and login.totp is None:
        return RowPlan(login, Outcome.EMPTY, why="no password or TOTP in this row")
    if mapped is not None:
        return RowPlan(login, Outcome.IMPORT, index.by_id[mapped], rule="--map")
    hosts = list(dict.fromkeys(h for h in (_host(u) for u in login.urls) if h))
    host_known = bool(index.all_at_host(hosts, limit=1))
    username = login.username.strip().lower()
    users = index.users(username) if username else []
    found = _by_host_and_user(index, hosts, host_known, username, users)
    if found is not None:
        ids, rule = found
        return _decided(login, index, ids, rule)
    named = index.by_name.get(login.name.strip().lower(), ())
    if named:
        return _decided(login, index, named, "name")
    return _unmatched(login, index, hosts, host_known, users)


def _by_host_and_user(
    index: AccountIndex, hosts: Sequence[str], host_known: bool, username: str, users: list[str]
) -> tuple[Sequence[str], str] | None:
    """Rules 2-4 of `plan_import`: (candidate ids, rule), or None when none applies."""
    if users and host_known:
        both = [a for a in users if index.at_host(a, hosts) or index.on_site(a, hosts)]
        if both:
            return both, "host + login email" if "@" in username else "host + username"
    if users and not host_known and "@" in username:
        return users, "login email"
    if not username and host_known:
        return index.all_at_host(hosts, limit=10), "host"
    return None


def _decided(login: ImportedLogin, index: AccountIndex, ids: Sequence[str], rule: str) -> RowPlan:
    if len(ids) == 1:
        return RowPlan(login, Outcome.IMPORT, index.by_id[ids[0]], rule=rule)
    return RowPlan(
        login,
        Outcome.AMBIGUOUS,
        rule=rule,
        why=f"{rule} fits {len(ids)} accounts",
        candidates=tuple(ids),
    )


def _unmatched(
    login: ImportedLogin,
    index: AccountIndex,
    hosts: Sequence[str],
    host_known: bool,
    users: Sequence[str],
) -> RowPlan:
    if host_known:
        shown = index.all_at_host(hosts, limit=4)
        ids = ", ".join(shown[:3]) + (", ..." if len(shown) > 3 else "")
        why = f"the host fits {ids}, but the username is none of theirs"
        return RowPlan(login, Outcome.NO_MATCH, why=why)
    personal_folder = "personal" in login.folder.lower()
    outside = bool(login.username) and not index.company_login(login.username)
    if personal_folder or (outside and not users):
        where = "a personal folder" if personal_folder else "a login outside the company domains"
        return RowPlan(login, Outcome.PERSONAL, why=f"personal: {where}, no account's host")
    host = f"host {hosts[0]}" if hosts else "no URL"
    return RowPlan(login, Outcome.NO_MATCH, why=f"no account with this {host}, username or title")


def match_logins(
    logins: Sequence[ImportedLogin], inventory: Inventory, platforms: dict[str, Platform]
) -> tuple[list[Match], list[Unmatched]]:
    """`plan_import` as (matches, rows not imported with why): for callers wanting only that."""
    matches: list[Match] = []
    unmatched: list[Unmatched] = []
    for plan in plan_import(logins, inventory, platforms):
        if plan.outcome is Outcome.IMPORT and plan.account is not None:
            matches.append(Match(plan.login, plan.account))
        else:
            unmatched.append(Unmatched(plan.login, plan.why))
    return matches, unmatched


@dataclass(frozen=True)
class Match:
    login: ImportedLogin
    account: Account


@dataclass(frozen=True)
class Unmatched:
    login: ImportedLogin
    why: str


def _identities(account: Account) -> set[str]:
    values = {account.login_email, account.handle}
    return {v.lower().lstrip("@") for v in values if v} | {v.lower() for v in values if v}


def _names(account: Account) -> set[str]:
    return {v.lower() for v in (account.id, account.vault_entry, account.handle) if v}


def _site(host: str) -> str:
    """The registrable part of a host, roughly: its last two labels (google.com, x.com)."""
    return ".".join(host.split(".")[-2:])


def _host(url: str | None) -> str | None:
    text = (url or "").strip()
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        host = urllib.parse.urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower()
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    return host
