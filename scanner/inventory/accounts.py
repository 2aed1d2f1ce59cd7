"""The inventory: the organisation, its people and agencies, and the accounts under policy."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.core.errors import InputError
from scanner.core.fields import Table
from scanner.core.model import Holder, Mfa, Tier
from scanner.core.tomlsource import TomlSource, suggest

if TYPE_CHECKING:
    from scanner.inventory.platforms import Platform

# How a holder reference names an agency rather than a person: `agency:ID`.
AGENCY_PREFIX = "agency:"


class PersonStatus(enum.Enum):
    ACTIVE = "active"
    LEAVING = "leaving"  # still here, with a known last day (`leaving_on`)
    DEPARTED = "departed"


class AppScope(enum.Enum):
    """What a connected app may do on the account."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Organization:
    name: str
    domains: tuple[str, ...]
    brand_terms: tuple[str, ...]

    def owns_email(self, email: str | None) -> bool:
        """True when the address is on one of the company's mail domains (or a subdomain)."""
        if not email or "@" not in email:
            return False
        domain = email.rsplit("@", 1)[1].lower()
        return any(domain == d or domain.endswith("." + d) for d in self.domains)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str | None
    role: str | None
    status: PersonStatus
    departed_on: dt.date | None
    policy_acknowledged: dt.date | None
    line: int | None
    leaving_on: dt.date | None = None  # the last day of a person with status "leaving"

    @property
    def active(self) -> bool:
        """Status "active": neither leaving nor departed. Whether someone still has access on a
        given day is `scanner.inventory.holders`' rule (a leaving person keeps it until
        `leaving_on`)."""
        return self.status is PersonStatus.ACTIVE


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    contract_ends: dt.date | None
    policy_acknowledged: dt.date | None
    line: int | None

    def active_on(self, day: dt.date) -> bool:
        return self.contract_ends is None or self.contract_ends >= day

    @property
    def ref(self) -> str:
        return f"{AGENCY_PREFIX}{self.id}"


@dataclass(frozen=True)
class ConnectedApp:
    """A third-party app authorised on an account (scheduler, analytics, social media tool)."""

    name: str
    scope: AppScope
    reviewed: dt.date | None


@dataclass(frozen=True)
class Account:
    id: str
    platform: str
    tier: Tier
    registered_to: Holder
    mfa: Mfa
    handle: str | None
    url: str | None
    owner: str | None
    login_email: str | None
    recovery_email: str | None
    recovery_phone_holder: Holder
    admins: tuple[str, ...]
    password_known_by: tuple[str, ...]
    last_activity: dt.date | None
    trademark_registered: bool
    tags: tuple[str, ...]
    vault_entry: str
    line: int | None
    # Accounts whose control gives control of this one (OWN-005), besides its mailboxes.
    access_via: tuple[str, ...] = ()
    # The carrier's port-out PIN / SIM lock on the phone that receives codes or resets (OWN-006).
    recovery_phone_carrier_lock: bool = False
    connected_apps: tuple[ConnectedApp, ...] = ()
    # The platform role of each admin that has one recorded (`admins = [{ id, role }]`).
    admin_roles: tuple[tuple[str, str], ...] = ()

    def role_of(self, admin: str) -> str | None:
        """The platform role recorded for `admin`; None for a plain-string admin."""
        return next((role for ref, role in self.admin_roles if ref == admin), None)

    @property
    def label(self) -> str:
        return f"{self.id} ({self.handle})" if self.handle else self.id


@dataclass(frozen=True)
class Launch:
    """An unreleased launch: until `public_on`, the accounts that will carry it are embargoed."""

    id: str
    name: str
    public_on: dt.date
    accounts: tuple[str, ...]  # named directly
    tags: tuple[str, ...]  # every account with one of these tags
    line: int | None

    def embargoed_on(self, day: dt.date) -> bool:
        """Secret until the day it goes public; from `public_on` on it has no effect."""
        return day < self.public_on

    def involves(self, account: Account) -> bool:
        return account.id in self.accounts or any(tag in account.tags for tag in self.tags)


@dataclass(frozen=True)
class Inventory:
    """A loaded, validated inventory. `policy_table` is the raw `[policy]` for the policy loader."""

    path: Path
    digest: str
    organization: Organization
    people: Mapping[str, Person]
    agencies: Mapping[str, Agency]
    accounts: tuple[Account, ...]
    policy_table: Table | None
    # The raw `[notify]` table (notification settings, never channels) for scanner.notify.
    notify_table: Table | None = None
    launches: tuple[Launch, ...] = ()

    def embargoes(self, account: Account, day: dt.date) -> list[Launch]:
        """The launches still secret on `day` that involve `account`."""
        return [x for x in self.launches if x.embargoed_on(day) and x.involves(account)]

    def account(self, account_id: str) -> Account:
        for account in self.accounts:
            if account.id == account_id:
                return account
        known = [a.id for a in self.accounts]
        raise InputError(
            f'no account "{account_id}" in the inventory{suggest(account_id, known)}',
            path=self.path,
        )

    def agency_for(self, ref: str) -> Agency | None:
        """The agency an `agency:ID` reference names; None for a person id or an unknown agency."""
        if not ref.startswith(AGENCY_PREFIX):
            return None
        return self.agencies.get(ref[len(AGENCY_PREFIX) :])

    def entry_names(self) -> frozenset[str]:
        """The vault entry names the accounts use."""
        return frozenset(account.vault_entry for account in self.accounts)

    def holder_name(self, ref: str) -> str:
        """Display name for a person id or `agency:ID` reference."""
        if ref.startswith(AGENCY_PREFIX):
            agency = self.agency_for(ref)
            return agency.name if agency else ref
        person = self.people.get(ref)
        return person.name if person else ref


_TOP_KEYS = ("organization", "people", "agencies", "accounts", "launches", "policy", "notify")
_LAUNCH_KEYS = ("id", "name", "public_on", "accounts", "tags")
_ORG_KEYS = ("name", "domains", "brand_terms")
_PERSON_KEYS = (
    "id",
    "name",
    "email",
    "role",
    "status",
    "departed_on",
    "leaving_on",
    "policy_acknowledged",
)
_APP_KEYS = ("name", "scope", "reviewed")
_ADMIN_KEYS = ("id", "role")
_AGENCY_KEYS = ("id", "name", "contract_ends", "policy_acknowledged")
_ACCOUNT_KEYS = (
    "id",
    "platform",
    "handle",
    "url",
    "tier",
    "owner",
    "registered_to",
    "login_email",
    "recovery_email",
    "recovery_phone_holder",
    "mfa",
    "admins",
    "password_known_by",
    "last_activity",
    "trademark_registered",
    "tags",
    "vault_entry",
    "access_via",
    "recovery_phone_carrier_lock",
    "connected_apps",
)


def load_inventory(
    path: Path, platforms: Collection[str] | Mapping[str, Platform] | None = None
) -> Inventory:
    """Load and validate an inventory file; every mistake raises one InputError.

    `platforms` names the known platform ids; given the catalogue itself, `mfa = "passkey"` is
    also checked against the platform's passkey sign-in."""
    source = TomlSource.read(path, "inventory")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    root = Table(source.data, source, None, "")
    root.only(_TOP_KEYS)

    if "organization" not in source.data:
        raise InputError("required table [organization] is missing", path=path)
    org_table = Table(
        source.data["organization"], source, source.table_line("organization"), "organization"
    )
    org_table.only(_ORG_KEYS)
    domains = tuple(d.lower().lstrip("@") for d in org_table.strings("domains"))
    if not domains:
        raise org_table.error("domains", "list at least one company mail domain")
    organization = Organization(
        name=org_table.required_string("name"),
        domains=domains,
        brand_terms=org_table.strings("brand_terms"),
    )

    people: dict[str, Person] = {}
    for index, table in _array(source, "people"):
        table.only(_PERSON_KEYS)
        person_id = _new_id(table, people)
        status = table.choice("status", PersonStatus, default=PersonStatus.ACTIVE)
        departed_on = table.date("departed_on")
        if status is PersonStatus.DEPARTED and departed_on is None:
            raise InputError(
                'status is "departed" but departed_on is missing',
                path=path,
                line=table.line,
                field=f"people[{index}].departed_on",
            )
        leaving_on = _leaving_on(table, status, index)
        people[person_id] = Person(
            id=person_id,
            name=table.required_string("name"),
            email=table.string("email"),
            role=table.string("role"),
            status=status,
            departed_on=departed_on,
            policy_acknowledged=table.date("policy_acknowledged"),
            line=table.line,
            leaving_on=leaving_on,
        )

    agencies: dict[str, Agency] = {}
    for _, table in _array(source, "agencies"):
        table.only(_AGENCY_KEYS)
        agency_id = _new_id(table, agencies)
        agencies[agency_id] = Agency(
            id=agency_id,
            name=table.required_string("name"),
            contract_ends=table.date("contract_ends"),
            policy_acknowledged=table.date("policy_acknowledged"),
            line=table.line,
        )

    accounts: dict[str, Account] = {}
    vault_entries: dict[str, str] = {}
    for _, table in _array(source, "accounts"):
        table.only(_ACCOUNT_KEYS)
        account_id = _new_id(table, accounts)
        platform = table.required_string("platform")
        if platforms is not None and platform not in platforms:
            raise table.error(
                "platform",
                f'unknown platform "{platform}"{suggest(platform, platforms)}; '
                f"known: {', '.join(sorted(platforms))}",
            )
        owner = table.string("owner")
        if owner is not None:
            _person_ref(table, "owner", owner, people)
        admins, admin_roles = _admins(table, platform, platforms)
        for ref in admins:
            _holder_ref(table, "admins", ref, people, agencies)
        known_by = table.strings("password_known_by")
        for ref in known_by:
            _holder_ref(table, "password_known_by", ref, people, agencies)
        vault_entry = table.string("vault_entry") or account_id
        if vault_entry in vault_entries:
            raise table.error(
                "vault_entry",
                f'vault entry "{vault_entry}" is already used by account '
                f'"{vault_entries[vault_entry]}"',
            )
        vault_entries[vault_entry] = account_id
        accounts[account_id] = Account(
            id=account_id,
            platform=platform,
            tier=table.choice("tier", Tier, default=Tier.STANDARD),
            registered_to=table.choice("registered_to", Holder),
            mfa=_mfa(table, platform, platforms),
            handle=table.string("handle"),
            url=table.string("url"),
            owner=owner,
            login_email=table.string("login_email"),
            recovery_email=table.string("recovery_email"),
            recovery_phone_holder=table.choice(
                "recovery_phone_holder", Holder, default=Holder.NONE
            ),
            admins=admins,
            password_known_by=known_by,
            last_activity=table.date("last_activity"),
            trademark_registered=table.boolean("trademark_registered"),
            tags=table.strings("tags"),
            vault_entry=vault_entry,
            line=table.line,
            access_via=table.strings("access_via"),
            recovery_phone_carrier_lock=table.boolean("recovery_phone_carrier_lock"),
            connected_apps=_connected_apps(table),
            admin_roles=admin_roles,
        )
    _check_access_via(source, accounts)
    if table_policy := source.data.get("policy"):
        policy_table: Table | None = Table(
            table_policy, source, source.table_line("policy"), "policy"
        )
    else:
        policy_table = None
    notify_table = _optional_table(source, "notify")
    launches = _launches(source, accounts)
    return Inventory(
        path=path,
        digest=digest,
        organization=organization,
        people=people,
        agencies=agencies,
        accounts=tuple(accounts.values()),
        policy_table=policy_table,
        notify_table=notify_table,
        launches=launches,
    )


def _mfa(
    table: Table, platform: str, platforms: Collection[str] | Mapping[str, Platform] | None
) -> Mfa:
    """The account's `mfa`; `passkey` only where the platform offers passkey sign-in."""
    mfa = table.choice("mfa", Mfa)
    if mfa is Mfa.PASSKEY and isinstance(platforms, Mapping) and platform in platforms:
        entry = platforms[platform]
        if not entry.passkey:
            offered = ", ".join(m.value for m in entry.mfa_methods) or "none"
            raise table.error(
                "mfa",
                f'"passkey": {entry.display_name} offers no passkey sign-in '
                f"(second factors: {offered})",
            )
    return mfa


def _leaving_on(table: Table, status: PersonStatus, index: int) -> dt.date | None:
    """`leaving_on`: required with status "leaving", refused with any other status."""
    leaving_on = table.date("leaving_on")
    if status is PersonStatus.LEAVING and leaving_on is None:
        raise InputError(
            'status is "leaving" but leaving_on (the last day) is missing',
            **{**table.where("leaving_on"), "line": table.line},
        )
    if status is not PersonStatus.LEAVING and leaving_on is not None:
        raise table.error(
            "leaving_on", f'leaving_on goes with status "leaving", not "{status.value}"'
        )
    return leaving_on


def _admins(
    table: Table, platform: str, platforms: Collection[str] | Mapping[str, Platform] | None
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """`admins`: person ids / `agency:ID`, or `{ id, role }` tables with a role of the platform."""
    raw = table.data.get("admins", [])
    if not isinstance(raw, list):
        raise table.error("admins", "must be a list of ids or { id, role } tables")
    ids: list[str] = []
    roles: list[tuple[str, str]] = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            ids.append(item)
            continue
        entry = Table(
            item, table.source, table.line, f"{table.label}.admins[{index}]", "string or table"
        )
        entry.only(_ADMIN_KEYS)
        ref, role = entry.required_string("id"), entry.required_string("role")
        if isinstance(platforms, Mapping) and platform in platforms:
            known = [r.id for r in platforms[platform].delegation.roles]
            if known and role not in known:
                raise entry.error(
                    "role",
                    f'unknown role "{role}"{suggest(role, known)} for {platform}; '
                    f"its roles: {', '.join(known)}",
                )
        ids.append(ref)
        roles.append((ref, role))
    if len(set(ids)) != len(ids):
        raise table.error("admins", "an admin is listed twice")
    return tuple(ids), tuple(roles)


def _connected_apps(table: Table) -> tuple[ConnectedApp, ...]:
    raw = table.data.get("connected_apps", [])
    if not isinstance(raw, list):
        raise table.error("connected_apps", "must be a list of { name, scope, reviewed } tables")
    apps: list[ConnectedApp] = []
    for index, item in enumerate(raw):
        entry = Table(item, table.source, table.line, f"{table.label}.connected_apps[{index}]")
        entry.only(_APP_KEYS)
        name = entry.required_string("name")
        if any(app.name.lower() == name.lower() for app in apps):
            raise entry.error("name", f'app "{name}" is listed twice')
        apps.append(ConnectedApp(name, entry.choice("scope", AppScope), entry.date("reviewed")))
    return tuple(apps)


def _check_access_via(source: TomlSource, accounts: Mapping[str, Account]) -> None:
    """Every `access_via` id names another account of the inventory."""
    for index, (account_id, account) in enumerate(accounts.items()):
        table = Table({}, source, account.line, f"accounts[{index}]")
        for ref in account.access_via:
            if ref == account_id:
                raise table.error("access_via", f'"{ref}" is the account itself')
            if ref not in accounts:
                raise table.error("access_via", f'unknown account "{ref}"{suggest(ref, accounts)}')


def _launches(source: TomlSource, accounts: Mapping[str, Account]) -> tuple[Launch, ...]:
    launches: dict[str, Launch] = {}
    known_tags = {tag for account in accounts.values() for tag in account.tags}
    for _, table in _array(source, "launches"):
        table.only(_LAUNCH_KEYS)
        launch_id = _new_id(table, launches)
        named = table.strings("accounts")
        for account_id in named:
            if account_id not in accounts:
                raise table.error(
                    "accounts", f'unknown account "{account_id}"{suggest(account_id, accounts)}'
                )
        tags = table.strings("tags")
        for tag in tags:
            if tag not in known_tags:
                raise table.error("tags", f'no account has the tag "{tag}"')
        if not named and not tags:
            raise table.error("accounts", "name the launch's accounts (accounts or tags)")
        public_on = table.date("public_on", required=True)
        assert public_on is not None  # noqa: S101 - required=True never returns None
        launches[launch_id] = Launch(
            id=launch_id,
            name=table.required_string("name"),
            public_on=public_on,
            accounts=named,
            tags=tags,
            line=table.line,
        )
    return tuple(launches.values())


def _optional_table(source: TomlSource, name: str) -> Table | None:
    raw = source.data.get(name)
    return None if raw is None else Table(raw, source, source.table_line(name), name)


def _array(source: TomlSource, name: str) -> list[tuple[int, Table]]:
    raw = source.data.get(name, [])
    if not isinstance(raw, list):
        raise InputError(
            f"must be an array of tables ([[{name}]]), not a single table or value",
            path=source.path,
            line=source.table_line(name),
            field=name,
        )
    tables = []
    for index, item in enumerate(raw):
        line = source.table_line(name, index)
        tables.append((index, Table(item, source, line, f"{name}[{index}]")))
    return tables


def _new_id(table: Table, seen: Mapping[str, Any]) -> str:
    value = table.required_string("id")
    if value in seen:
        raise table.error("id", f'duplicate id "{value}"')
    if value.startswith(AGENCY_PREFIX) or any(ch.isspace() for ch in value):
        raise table.error("id", f'"{value}" is not a valid id (no spaces, no "agency:" prefix)')
    return value


def _person_ref(table: Table, key: str, ref: str, people: Mapping[str, Person]) -> None:
    if ref not in people:
        raise table.error(key, f'unknown person "{ref}"{suggest(ref, people)}')


def _holder_ref(
    table: Table, key: str, ref: str, people: Mapping[str, Person], agencies: Mapping[str, Agency]
) -> None:
    if ref.startswith(AGENCY_PREFIX):
        agency_id = ref[len(AGENCY_PREFIX) :]
        if agency_id not in agencies:
            raise table.error(key, f'unknown agency "{agency_id}"{suggest(agency_id, agencies)}')
        return
    if ref not in people:
        hint = suggest(ref, list(people) + [f"{AGENCY_PREFIX}{a}" for a in agencies])
        raise table.error(key, f'unknown person "{ref}"{hint} (agencies are written "agency:ID")')
