"""Reading password managers' CSV exports and matching their logins to inventory accounts.

Columns are read by header name (their order drifts between versions). Headers as exported by:
Bitwarden (web vault / CLI 2024-2025 `.csv` export), KeePassXC 2.7 (`keepassxc-cli export -f csv`
and the GUI's CSV export), 1Password 8 (CSV export).
"""

from __future__ import annotations

import csv
import enum
import io
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.core.errors import InputError
from scanner.core.files import read_regular
from scanner.core.secret import Secret
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import OTHER, Platform


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


MAX_EXPORT_BYTES = 64 * 1024 * 1024  # tens of thousands of logins; a device is refused

COLUMNS = {
    Manager.BITWARDEN: Columns(
        "name", "login_uri", "login_username", "login_password", "login_totp", kind="type"
    ),
    Manager.KEEPASSXC: Columns("Title", "URL", "Username", "Password", "TOTP"),
    Manager.ONEPASSWORD: Columns("Title", "Url", "Username", "Password", "OTPAuth"),
}


@dataclass(frozen=True)
class ImportedLogin:
    """One login row of an export."""

    line: int
    name: str
    urls: tuple[str, ...]
    username: str
    password: Secret | None
    totp: Secret | None


@dataclass(frozen=True)
class Match:
    login: ImportedLogin
    account: Account


@dataclass(frozen=True)
class Unmatched:
    login: ImportedLogin
    why: str


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
    columns = COLUMNS[manager]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("the file is empty", path=path, line=1)
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
        logins = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue

            def cell(name: str, row: list[str] = row) -> str:
                position = index[name]
                return row[position] if position < len(row) else ""

            if columns.kind is not None and columns.kind in index and cell(columns.kind) != "login":
                continue
            password = cell(columns.password)
            totp = cell(columns.totp).strip()
            logins.append(
                ImportedLogin(
                    line=reader.line_num,
                    name=cell(columns.name).strip(),
                    urls=tuple(u.strip() for u in cell(columns.url).split(",") if u.strip()),
                    username=cell(columns.username).strip(),
                    password=Secret(password) if password else None,
                    totp=Secret(totp) if totp else None,
                )
            )
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path=path, line=reader.line_num) from None
    return logins


def match_logins(
    logins: Sequence[ImportedLogin], inventory: Inventory, platforms: dict[str, Platform]
) -> tuple[list[Match], list[Unmatched]]:
    """Pair rows with accounts: URL host and username first, then the name, then a unique host.

    A row matching several accounts, or an account matched by several rows, stays unmatched:
    guessing would store a secret under the wrong account.
    """
    matches: list[Match] = []
    unmatched: list[Unmatched] = []
    taken: dict[str, ImportedLogin] = {}
    for login in logins:
        if login.password is None and login.totp is None:
            unmatched.append(Unmatched(login, "no password or TOTP in this row"))
            continue
        account, why = _best_account(login, inventory, platforms)
        if account is None:
            unmatched.append(Unmatched(login, why))
        elif account.id in taken:
            unmatched.append(
                Unmatched(login, f"line {taken[account.id].line} already matched {account.id}")
            )
        else:
            taken[account.id] = login
            matches.append(Match(login, account))
    return matches, unmatched


def _best_account(
    login: ImportedLogin, inventory: Inventory, platforms: dict[str, Platform]
) -> tuple[Account | None, str]:
    hosts = {h for h in (_host(url) for url in login.urls) if h}
    by_host = [a for a in inventory.accounts if hosts & _account_hosts(a, platforms)]
    username = login.username.lower()
    by_user = [a for a in by_host if username and username in _identities(a)]
    if len(by_user) == 1:
        return by_user[0], ""
    name = login.name.lower()
    by_name = [a for a in inventory.accounts if name and name in _names(a)]
    if len(by_name) == 1:
        return by_name[0], ""
    if not username and len(by_host) == 1:
        return by_host[0], ""
    if len(by_user) > 1 or len(by_name) > 1:
        return None, "matches several accounts"
    return None, "no account with this URL and username, or this name"


def _account_hosts(account: Account, platforms: dict[str, Platform]) -> set[str]:
    platform = platforms.get(account.platform)
    urls = [account.url]
    if platform is not None and platform.id != OTHER:
        urls += [platform.login_url, platform.security_url]
    return {h for h in (_host(u) for u in urls if u) if h}


def _identities(account: Account) -> set[str]:
    values = {account.login_email, account.handle}
    return {v.lower().lstrip("@") for v in values if v} | {v.lower() for v in values if v}


def _names(account: Account) -> set[str]:
    return {v.lower() for v in (account.id, account.vault_entry, account.handle) if v}


def _host(url: str) -> str | None:
    text = url.strip()
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        host = urllib.parse.urlsplit(text).hostname
    except ValueError:  # "[" in a hostile URL: not a host posture can match
        return None
    if not host:
        return None
    host = host.lower()
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    return host
