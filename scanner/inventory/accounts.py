"""The inventory: the organisation, its people and agencies, and the accounts under policy."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.core.errors import InputError, Problems
from scanner.core.fields import CollectingTable, Table
from scanner.core.model import Holder, Mfa, Tier
from scanner.core.tomlsource import TomlSource, suggest
from scanner.inventory.keys import VaultSettings, public_keys, vault_settings

if TYPE_CHECKING:
    from scanner.inventory.platforms import Platform

# What `load_inventory` may be told of the platforms: their ids, or the catalogue itself (then
# `mfa = "passkey"` is checked against each platform's passkey sign-in too).
Platforms = Collection[str] | Mapping[str, "Platform"]

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
    # Team vault keys (see scanner/inventory/keys.py): an age X25519 recipient and an Ed25519
    # signing public key, both printed by `posture identity new`.
    age_recipient: str | None = None
    signing_key: str | None = None

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
    age_recipient: str | None = None
    signing_key: str | None = None

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
    # `[vault]`: passphrase mode (the default) or team mode with its custodians.
    vault: VaultSettings = field(default_factory=VaultSettings)

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


_TOP_KEYS = (
    "organization",
    "people",
    "agencies",
    "accounts",
    "launches",
    "policy",
    "notify",
    "vault",
)
_LAUNCH_KEYS = ("id", "name", "public_on", "accounts", "tags")
_ORG_KEYS = ("name", "domains", "brand_terms")
_KEY_FIELDS = ("age_recipient", "signing_key")
_PERSON_KEYS = (
    "id",
    "name",
    "email",
    "role",
    "status",
    "departed_on",
    "leaving_on",
    "policy_acknowledged",
    *_KEY_FIELDS,
)
_APP_KEYS = ("name", "scope", "reviewed")
_ADMIN_KEYS = ("id", "role")
_AGENCY_KEYS = ("id", "name", "contract_ends", "policy_acknowledged", *_KEY_FIELDS)
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


def load_inventory(path: Path, platforms: Platforms | None = None) -> Inventory:
    """Load and validate an inventory file.

    A TOML syntax error stops at once; every other mistake is collected, so one InputErrors
    names them all (a single mistake is raised as itself).
    """
    source = TomlSource.read(path, "inventory")
    digest = source.digest
    problems = Problems()
    CollectingTable(source.data, source, None, "", problems).only(_TOP_KEYS)
    organization = _organization(source, problems)
    people = _people(source, problems)
    agencies = _agencies(source, problems)
    accounts = _accounts(source, problems, people, agencies, platforms)
    _check_access_via(source, problems, accounts)
    policy_table = _optional_table(source, "policy", problems)
    notify_table = _optional_table(source, "notify", problems)
    launches = _launches(source, problems, accounts)
    vault = vault_settings(source, problems, people)
    problems.raise_if_any()
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
        vault=vault,
    )


def _organization(source: TomlSource, problems: Problems) -> Organization:
    stand_in = Organization(name="", domains=(), brand_terms=())
    if "organization" not in source.data:
        problems.add(InputError("required table [organization] is missing", path=source.path))
        return stand_in
    line = source.table_line("organization")
    try:
        table = CollectingTable(source.data["organization"], source, line, "organization", problems)
    except InputError as exc:
        problems.add(exc)
        return stand_in
    table.only(_ORG_KEYS)
    name = table.required_string("name")
    domains = tuple(d.lower().lstrip("@") for d in table.strings("domains"))
    if not domains and "domains" in table.data:
        table.record("domains", "list at least one company mail domain")
    elif not domains:
        problems.add(
            InputError(
                "required field is missing: list at least one company mail domain",
                path=source.path,
                line=line,
                field="organization.domains",
            )
        )
    return Organization(name=name, domains=domains, brand_terms=table.strings("brand_terms"))


def _people(source: TomlSource, problems: Problems) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for table in _array(source, "people", problems):
        table.only(_PERSON_KEYS)
        person_id = _new_id(table, people)
        status = table.choice("status", PersonStatus, default=PersonStatus.ACTIVE)
        departed_on = table.date("departed_on")
        if (
            status is PersonStatus.DEPARTED
            and departed_on is None
            and "departed_on" not in table.data
        ):
            problems.add(
                InputError(
                    'status is "departed" but departed_on is missing',
                    path=source.path,
                    line=table.line,
                    field=f"{table.label}.departed_on",
                )
            )
        person = Person(
            id=person_id,
            name=table.required_string("name"),
            email=table.string("email"),
            role=table.string("role"),
            status=status,
            departed_on=departed_on,
            policy_acknowledged=table.date("policy_acknowledged"),
            line=table.line,
            leaving_on=_leaving_on(table, status),
            **public_keys(table),
        )
        if person_id:
            people[person_id] = person
    return people


def _agencies(source: TomlSource, problems: Problems) -> dict[str, Agency]:
    agencies: dict[str, Agency] = {}
    for table in _array(source, "agencies", problems):
        table.only(_AGENCY_KEYS)
        agency_id = _new_id(table, agencies)
        agency = Agency(
            id=agency_id,
            name=table.required_string("name"),
            contract_ends=table.date("contract_ends"),
            policy_acknowledged=table.date("policy_acknowledged"),
            line=table.line,
            **public_keys(table),
        )
        if agency_id:
            agencies[agency_id] = agency
    return agencies


def _accounts(
    source: TomlSource,
    problems: Problems,
    people: Mapping[str, Person],
    agencies: Mapping[str, Agency],
    platforms: Platforms | None,
) -> dict[str, Account]:
    accounts: dict[str, Account] = {}
    vault_entries: dict[str, str] = {}
    for table in _array(source, "accounts", problems):
        account_id = _new_id(table, accounts)
        table.only(_ACCOUNT_KEYS)
        account = _account(table, account_id, people, agencies, platforms)
        if account.vault_entry in vault_entries:
            table.record(
                "vault_entry",
                f'vault entry "{account.vault_entry}" is already used by account '
                f'"{vault_entries[account.vault_entry]}"',
            )
        if account_id:
            vault_entries.setdefault(account.vault_entry, account_id)
            accounts[account_id] = account
    return accounts


def _account(
    table: CollectingTable,
    account_id: str,
    people: Mapping[str, Person],
    agencies: Mapping[str, Agency],
    platforms: Platforms | None,
) -> Account:
    platform = table.required_string("platform")
    if platform and platforms is not None and platform not in platforms:
        table.record(
            "platform",
            f'unknown platform "{platform}"{suggest(platform, platforms)}; '
            f"known: {', '.join(sorted(platforms))}",
        )
    owner = table.string("owner")
    if owner is not None and owner not in people:
        table.record("owner", f'unknown person "{owner}"{suggest(owner, people)}')
    admins, admin_roles = _admins(table, platform, platforms)
    known_by = table.strings("password_known_by")
    for key, refs in (("admins", admins), ("password_known_by", known_by)):
        for ref in refs:
            _holder_ref(table, key, ref, people, agencies)
    return Account(
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
        recovery_phone_holder=table.choice("recovery_phone_holder", Holder, default=Holder.NONE),
        admins=admins,
        password_known_by=known_by,
        last_activity=table.date("last_activity"),
        trademark_registered=table.boolean("trademark_registered"),
        tags=table.strings("tags"),
        vault_entry=_vault_entry(table, account_id),
        line=table.line,
        access_via=table.strings("access_via"),
        recovery_phone_carrier_lock=table.boolean("recovery_phone_carrier_lock"),
        connected_apps=_connected_apps(table),
        admin_roles=admin_roles,
    )


def _vault_entry(table: CollectingTable, account_id: str) -> str:
    value = table.string("vault_entry")
    if value is None:
        return account_id
    return value if _safe_id(table, "vault_entry", value) else account_id


def _mfa(table: CollectingTable, platform: str, platforms: Platforms | None) -> Mfa:
    """The account's `mfa`; `passkey` only where the platform offers passkey sign-in."""
    mfa = table.choice("mfa", Mfa)
    if mfa is Mfa.PASSKEY and isinstance(platforms, Mapping) and platform in platforms:
        entry = platforms[platform]
        if not entry.passkey:
            offered = ", ".join(m.value for m in entry.mfa_methods) or "none"
            table.record(
                "mfa",
                f'"passkey": {entry.display_name} offers no passkey sign-in '
                f"(second factors: {offered})",
            )
    return mfa


def _leaving_on(table: CollectingTable, status: PersonStatus) -> dt.date | None:
    """`leaving_on`: required with status "leaving", refused with any other status."""
    leaving_on = table.date("leaving_on")
    if status is PersonStatus.LEAVING and leaving_on is None and "leaving_on" not in table.data:
        table.problems.add(
            InputError(
                'status is "leaving" but leaving_on (the last day) is missing',
                path=table.source.path,
                line=table.line,
                field=f"{table.label}.leaving_on",
            )
        )
    if status is not PersonStatus.LEAVING and leaving_on is not None:
        table.record("leaving_on", f'leaving_on goes with status "leaving", not "{status.value}"')
    return leaving_on


def _admins(
    table: CollectingTable, platform: str, platforms: Platforms | None
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """`admins`: person ids / `agency:ID`, or `{ id, role }` tables with a role of the platform."""
    raw = table.data.get("admins", [])
    if not isinstance(raw, list):
        table.record("admins", "must be a list of ids or { id, role } tables")
        return (), ()
    ids: list[str] = []
    roles: list[tuple[str, str]] = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            ids.append(item)
            continue
        label = f"{table.label}.admins[{index}]"
        if not isinstance(item, Mapping):
            table.record("admins", "must be a list of ids or { id, role } tables")
            continue
        entry = CollectingTable(item, table.source, table.line, label, table.problems)
        entry.only(_ADMIN_KEYS)
        ref, role = entry.required_string("id"), entry.required_string("role")
        _check_role(entry, role, platform, platforms)
        ids.append(ref)
        roles.append((ref, role))
    if len(set(ids)) != len(ids):
        table.record("admins", "an admin is listed twice")
    return tuple(ids), tuple(roles)


def _check_role(
    entry: CollectingTable, role: str, platform: str, platforms: Platforms | None
) -> None:
    """A recorded role must be one of the platform's (when its file lists any)."""
    if not isinstance(platforms, Mapping) or platform not in platforms:
        return
    known = [r.id for r in platforms[platform].delegation.roles]
    if known and role and role not in known:
        entry.record(
            "role",
            f'unknown role "{role}"{suggest(role, known)} for {platform}; '
            f"its roles: {', '.join(known)}",
        )


def _connected_apps(table: CollectingTable) -> tuple[ConnectedApp, ...]:
    raw = table.data.get("connected_apps", [])
    if not isinstance(raw, list) or not all(isinstance(i, Mapping) for i in raw):
        table.record("connected_apps", "must be a list of { name, scope, reviewed } tables")
        return ()
    apps: list[ConnectedApp] = []
    for index, item in enumerate(raw):
        label = f"{table.label}.connected_apps[{index}]"
        entry = CollectingTable(item, table.source, table.line, label, table.problems)
        entry.only(_APP_KEYS)
        name = entry.required_string("name")
        if any(app.name.lower() == name.lower() for app in apps):
            entry.record("name", f'app "{name}" is listed twice')
        scope = entry.choice("scope", AppScope, default=AppScope.WRITE)
        if "scope" not in item:
            entry.record("scope", 'required field is missing ("read" or "write")')
        apps.append(ConnectedApp(name, scope, entry.date("reviewed")))
    return tuple(apps)


def _check_access_via(
    source: TomlSource, problems: Problems, accounts: Mapping[str, Account]
) -> None:
    """Every `access_via` id names another account of the inventory."""
    for index, (account_id, account) in enumerate(accounts.items()):
        table = CollectingTable(
            {}, source, account.line, f"accounts[{index}] ({account_id})", problems
        )
        for ref in account.access_via:
            if ref == account_id:
                table.record("access_via", f'"{ref}" is the account itself')
            elif ref not in accounts:
                table.record("access_via", f'unknown account "{ref}"{suggest(ref, accounts)}')


def _launches(
    source: TomlSource, problems: Problems, accounts: Mapping[str, Account]
) -> tuple[Launch, ...]:
    launches: dict[str, Launch] = {}
    known_tags = {tag for account in accounts.values() for tag in account.tags}
    for table in _array(source, "launches", problems):
        launch_id = _new_id(table, launches)
        table.only(_LAUNCH_KEYS)
        named = table.strings("accounts")
        for account_id in named:
            if account_id not in accounts:
                table.record(
                    "accounts", f'unknown account "{account_id}"{suggest(account_id, accounts)}'
                )
        tags = table.strings("tags")
        for tag in tags:
            if tag not in known_tags:
                table.record("tags", f'no account has the tag "{tag}"')
        if not named and not tags:
            table.record("accounts", "name the launch's accounts (accounts or tags)")
        launch = Launch(
            id=launch_id,
            name=table.required_string("name"),
            public_on=table.date("public_on", required=True) or dt.date.min,
            accounts=named,
            tags=tags,
            line=table.line,
        )
        if launch_id:
            launches[launch_id] = launch
    return tuple(launches.values())


def _optional_table(source: TomlSource, name: str, problems: Problems) -> Table | None:
    raw = source.data.get(name)
    if raw is None or (name == "policy" and not raw):
        return None
    try:
        return Table(raw, source, source.table_line(name), name)
    except InputError as exc:
        problems.add(exc)
        return None


def _array(source: TomlSource, name: str, problems: Problems) -> list[CollectingTable]:
    """The tables of `[[name]]`; a value that is not an array of tables is recorded."""
    raw = source.data.get(name, [])
    if not isinstance(raw, list):
        problems.add(
            InputError(
                f"must be an array of tables ([[{name}]]), not a single table or value",
                path=source.path,
                line=source.table_line(name) or source.key_line(None, name),
                field=name,
            )
        )
        return []
    tables = []
    for index, item in enumerate(raw):
        line = source.table_line(name, index)
        try:
            tables.append(CollectingTable(item, source, line, f"{name}[{index}]", problems))
        except InputError as exc:
            problems.add(exc)
    return tables


def _new_id(table: CollectingTable, seen: Mapping[str, Any]) -> str:
    """The table's id, also naming the table by it from now on; "" when it is unusable."""
    value = table.required_string("id")
    if not value:
        return ""
    if value in seen:
        table.record("id", f'duplicate id "{value}"')
        return ""
    if not _safe_id(table, "id", value):
        return ""
    table.relabel(f"{table.label} ({value})")
    return value


# Ids are printed inside commands to paste (`posture breach start ID`): letters, digits, dot,
# underscore and hyphen only, starting with a letter or digit so none reads as an option.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _safe_id(table: CollectingTable, key: str, value: str) -> bool:
    if _ID.fullmatch(value):
        return True
    table.record(
        key,
        f"{value!r} is not a valid id: use letters, digits, '.', '_' and '-', "
        "starting with a letter or digit",
    )
    return False


def _holder_ref(
    table: CollectingTable,
    key: str,
    ref: str,
    people: Mapping[str, Person],
    agencies: Mapping[str, Agency],
) -> None:
    if ref.startswith(AGENCY_PREFIX):
        agency_id = ref[len(AGENCY_PREFIX) :]
        if agency_id not in agencies:
            table.record(key, f'unknown agency "{agency_id}"{suggest(agency_id, agencies)}')
        return
    if ref not in people:
        hint = suggest(ref, list(people) + [f"{AGENCY_PREFIX}{a}" for a in agencies])
        table.record(key, f'unknown person "{ref}"{hint} (agencies are written "agency:ID")')
