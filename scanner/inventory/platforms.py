"""The platform catalogue: one TOML data file per platform under `scanner/data/platforms/`.

Every file goes through `PLATFORM_SCHEMA` (scanner.core.datafile), so a typo in a shipped file is
an error naming the file, line and key. Each group of facts (URLs, second factors, sign-in,
delegation, password rules, features) carries the page it comes from and the day it was checked.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.core.datafile import Key, Kind, Schema, error_at, load_data_file, shipped_path
from scanner.core.errors import InputError
from scanner.core.model import Mfa
from scanner.core.tomlsource import TomlSource

# The entry for any service the catalogue does not describe.
OTHER = "other"
PLATFORMS_FOLDER = "data/platforms"
# A fact not re-checked for longer than this is reported as stale.
STALE_AFTER = dt.timedelta(days=365)

SECOND_FACTORS = (Mfa.FIDO2, Mfa.TOTP, Mfa.PUSH, Mfa.SMS, Mfa.EMAIL)
_FACTOR_NAMES = tuple(m.value for m in SECOND_FACTORS)
KINDS = ("social", "saas", "generic")


def _fact_schema(fields: Schema) -> Schema:
    """A group of facts: its own keys plus the page they come from and the day it was checked."""
    return {
        **fields,
        "source": Key(Kind.STRING, required=True),
        "verified_on": Key(Kind.DATE, required=True),
    }


PLATFORM_SCHEMA: Schema = {
    "id": Key(Kind.STRING, required=True),
    "display_name": Key(Kind.STRING, required=True),
    "kind": Key(Kind.STRING, required=True, choices=KINDS),
    "hosts": Key(Kind.STRINGS),
    "urls": Key(
        Kind.TABLE,
        required=True,
        fields=_fact_schema(
            {
                name: Key(Kind.STRING)
                for name in ("login", "change_password", "hacked", "sessions", "connected_apps")
            }
        ),
    ),
    "second_factor": Key(
        Kind.TABLE,
        required=True,
        fields=_fact_schema(
            {
                "methods": Key(Kind.STRINGS, required=True, choices=_FACTOR_NAMES),
                "conditions": Key(Kind.STRING_MAP, choices=_FACTOR_NAMES),
            }
        ),
    ),
    "sign_in": Key(
        Kind.TABLE,
        fields=_fact_schema(
            {"passkey": Key(Kind.BOOLEAN, required=True), "notes": Key(Kind.STRING)}
        ),
    ),
    "delegation": Key(
        Kind.TABLE,
        required=True,
        fields=_fact_schema(
            {
                "model": Key(Kind.STRING, required=True),
                "roles": Key(
                    Kind.TABLES,
                    fields={
                        "id": Key(Kind.STRING, required=True),
                        "name": Key(Kind.STRING, required=True),
                        "full_control": Key(Kind.BOOLEAN),
                    },
                ),
                "request_role": Key(Kind.STRING),
                "partner": Key(Kind.STRING),
                "notes": Key(Kind.STRING),
            }
        ),
    ),
    "password": Key(
        Kind.TABLE,
        required=True,
        fields=_fact_schema(
            {
                "min_length": Key(Kind.INTEGER, minimum=1, maximum=1024),
                "max_length": Key(Kind.INTEGER, minimum=4, maximum=1024),
                "generate_length": Key(Kind.INTEGER, required=True, minimum=4, maximum=128),
                "symbols": Key(Kind.STRING),
            }
        ),
    ),
    "features": Key(
        Kind.TABLE,
        fields=_fact_schema(
            {
                name: Key(Kind.BOOLEAN)
                for name in ("ads", "api_keys", "stream_keys", "session_revoke")
            }
        ),
    ),
    "runbook": Key(
        Kind.TABLES,
        fields={
            "id": Key(Kind.STRING, required=True),
            "phase": Key(Kind.STRING, required=True),
            "title": Key(Kind.STRING, required=True),
            "why": Key(Kind.STRING, required=True),
            "url": Key(Kind.STRING),
            "required": Key(Kind.BOOLEAN),
            "after": Key(Kind.STRING),
            "replaces": Key(Kind.STRING),
        },
    ),
}


@dataclass(frozen=True)
class Fact:
    """Where a group of facts comes from: the platform's own page and the day it was checked."""

    source: str
    verified_on: dt.date


@dataclass(frozen=True)
class Urls:
    """The platform's own pages: where to log in, change the password, recover a hacked account."""

    fact: Fact
    login: str | None = None
    change_password: str | None = None
    hacked: str | None = None
    sessions: str | None = None
    connected_apps: str | None = None


@dataclass(frozen=True)
class SecondFactors:
    """Second-factor methods the platform offers after the password, with any condition
    ("SMS for subscribers only"). Passkey sign-in is a separate fact (`SignIn`)."""

    methods: tuple[Mfa, ...]
    conditions: Mapping[Mfa, str]
    fact: Fact

    def describe(self, methods: Iterable[Mfa] | None = None) -> str:
        """ "fido2, totp, sms (condition)" for `methods` (default: all offered)."""
        chosen = self.methods if methods is None else tuple(methods)
        return ", ".join(
            f"{m.value} ({self.conditions[m]})" if m in self.conditions else m.value for m in chosen
        )


@dataclass(frozen=True)
class SignIn:
    """Ways to sign in instead of the password; today: passkeys."""

    passkey: bool
    notes: str
    fact: Fact | None


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    full_control: bool


@dataclass(frozen=True)
class Delegation:
    """How the platform lets people act for the business without sharing the login."""

    model: str
    roles: tuple[Role, ...]
    notes: str
    fact: Fact
    request_role: Role | None = None  # the role to give a person instead of the password
    partner: str | None = None  # how an agency gets access

    @property
    def source(self) -> str:
        return self.fact.source


@dataclass(frozen=True)
class PasswordRules:
    """What the platform accepts, so `vault rotate` generates a password it will take.
    `min_length`/`max_length` are None where the platform's pages state no limit."""

    generate_length: int
    symbols: str
    source: str
    min_length: int | None = None
    max_length: int | None = None
    verified_on: dt.date | None = None

    def accepts_length(self, length: int) -> bool:
        """False only when a stated limit rules `length` out."""
        too_short = self.min_length is not None and length < self.min_length
        return not too_short and (self.max_length is None or length <= self.max_length)

    @property
    def limits(self) -> str:
        """ "8-128 characters", "at least 8 characters", "up to 64 characters"."""
        if self.min_length and self.max_length:
            return f"{self.min_length}-{self.max_length} characters"
        if self.min_length:
            return f"at least {self.min_length} characters"
        return f"up to {self.max_length} characters" if self.max_length else "any length"


@dataclass(frozen=True)
class Features:
    """What an attacker can reach besides posts: ads/billing, API keys, stream keys, sessions."""

    ads: bool = False
    api_keys: bool = False
    stream_keys: bool = False
    session_revoke: bool = False
    fact: Fact | None = None


@dataclass(frozen=True)
class PlatformStep:
    """A platform's own breach-response step, placed into the generic runbook by `scanner.breach.runbook`.

    `after` names the step it follows (default: the end of its phase); `replaces` names a generic
    step it stands in for, at that step's place.
    """

    id: str
    phase: str
    title: str
    why: str
    url: str | None
    required: bool
    after: str | None = None
    replaces: str | None = None


@dataclass(frozen=True)
class Platform:
    id: str
    display_name: str
    kind: str
    urls: Urls
    second_factor: SecondFactors
    sign_in: SignIn
    delegation: Delegation
    password: PasswordRules
    features: Features = field(default_factory=Features)
    hosts: tuple[str, ...] = ()
    runbook: tuple[PlatformStep, ...] = ()

    @property
    def mfa_methods(self) -> tuple[Mfa, ...]:
        """The second-factor methods (never `passkey`: that is a sign-in method)."""
        return self.second_factor.methods

    @property
    def passkey(self) -> bool:
        """True when the platform offers passkey sign-in."""
        return self.sign_in.passkey

    @property
    def login_url(self) -> str | None:
        return self.urls.login

    @property
    def change_password_url(self) -> str | None:
        return self.urls.change_password

    @property
    def security_url(self) -> str | None:
        return self.urls.change_password

    @property
    def recovery_url(self) -> str | None:
        return self.urls.hacked

    @property
    def strongest_mfa(self) -> Mfa:
        """The strongest second factor offered (passkey sign-in is not counted)."""
        return max(self.mfa_methods, key=lambda m: m.strength, default=Mfa.NONE)

    def offers(self, method: Mfa) -> bool:
        """Whether an account on this platform can use `method` (`passkey`: passkey sign-in)."""
        if method is Mfa.PASSKEY:
            return self.passkey
        return method is Mfa.NONE or method in self.mfa_methods

    def meets_minimum(self, method: Mfa, minimum: Mfa) -> bool:
        """The one rule for "is this second factor strong enough": at least `minimum` (a passkey
        meets any), or the strongest second factor this platform offers when it offers nothing
        that strong; SMS and email never. Passkey sign-in the account does not use is MFA-004's
        concern, not a reason to fail this rule."""
        if method in (Mfa.NONE, Mfa.SMS, Mfa.EMAIL):
            return False
        return method.strength >= minimum.strength or method is self.strongest_mfa

    @property
    def phishing_resistant_options(self) -> tuple[Mfa, ...]:
        """Security key (second factor) and passkey (sign-in), as far as the platform offers them."""
        found = [Mfa.FIDO2] if Mfa.FIDO2 in self.mfa_methods else []
        return (*found, Mfa.PASSKEY) if self.passkey else tuple(found)

    def facts(self) -> tuple[tuple[str, Fact], ...]:
        """Every group of facts with its provenance."""
        groups: list[tuple[str, Fact | None]] = [
            ("urls", self.urls.fact),
            ("second_factor", self.second_factor.fact),
            ("sign_in", self.sign_in.fact),
            ("delegation", self.delegation.fact),
            (
                "password",
                Fact(self.password.source, self.password.verified_on)
                if self.password.verified_on
                else None,
            ),
            ("features", self.features.fact),
        ]
        return tuple((name, fact) for name, fact in groups if fact is not None)

    def stale_facts(self, today: dt.date) -> tuple[tuple[str, Fact], ...]:
        """Groups of facts last checked more than a year before `today`."""
        return tuple((n, f) for n, f in self.facts() if today - f.verified_on > STALE_AFTER)

    @property
    def verified_on(self) -> tuple[dt.date, dt.date]:
        """(oldest, newest) verification day among the platform's facts."""
        days = [f.verified_on for _, f in self.facts()]
        return min(days), max(days)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.delegation.roles if r.id == role_id), None)

    def as_dict(self, today: dt.date) -> dict[str, Any]:
        """The catalogue entry as plain data (`posture platforms --format json`)."""
        delegation = self.delegation
        return {
            "id": self.id,
            "name": self.display_name,
            "kind": self.kind,
            "hosts": list(self.hosts),
            "urls": {k: v for k, v in vars(self.urls).items() if isinstance(v, str)},
            "second_factor": [
                {"method": m.value, "condition": self.second_factor.conditions.get(m)}
                for m in self.mfa_methods
            ],
            "sign_in": {"passkey": self.passkey, "notes": self.sign_in.notes or None},
            "delegation": {
                "model": delegation.model,
                "roles": [
                    {"id": r.id, "name": r.name, "full_control": r.full_control}
                    for r in delegation.roles
                ],
                "request_role": delegation.request_role.id if delegation.request_role else None,
                "partner": delegation.partner,
            },
            "features": {
                name: getattr(self.features, name)
                for name in ("ads", "api_keys", "stream_keys", "session_revoke")
            },
            "facts": {
                name: {
                    "source": fact.source,
                    "verified_on": fact.verified_on.isoformat(),
                    "stale": today - fact.verified_on > STALE_AFTER,
                }
                for name, fact in self.facts()
            },
        }


# --- loading --------------------------------------------------------------------------------


def _fact(data: Mapping[str, Any]) -> Fact:
    return Fact(source=data["source"], verified_on=data["verified_on"])


def _roles(delegation: Mapping[str, Any]) -> tuple[Role, ...]:
    return tuple(
        Role(id=r["id"], name=r["name"], full_control=r.get("full_control", False))
        for r in delegation.get("roles", [])
    )


def _delegation(source: TomlSource) -> Delegation:
    data = source.data["delegation"]
    roles = _roles(data)
    wanted = data.get("request_role")
    request = next((r for r in roles if r.id == wanted), None)
    if wanted is not None and request is None:
        raise error_at(
            source,
            "delegation",
            "request_role",
            f'"{wanted}" is not one of the roles: {", ".join(r.id for r in roles) or "none"}',
        )
    if len({r.id for r in roles}) != len(roles):
        raise error_at(source, "delegation", "roles", "role ids must be unique")
    return Delegation(
        model=data["model"],
        roles=roles,
        notes=data.get("notes", ""),
        fact=_fact(data),
        request_role=request,
        partner=data.get("partner"),
    )


def _second_factor(source: TomlSource) -> SecondFactors:
    data = source.data["second_factor"]
    methods = tuple(Mfa(m) for m in data["methods"])
    conditions = {Mfa(k): v for k, v in data.get("conditions", {}).items()}
    for method in conditions:
        if method not in methods:
            raise error_at(
                source,
                "second_factor",
                "conditions",
                f'a condition for "{method.value}", which is not among the methods',
            )
    return SecondFactors(methods=methods, conditions=conditions, fact=_fact(data))


def _password(source: TomlSource) -> PasswordRules:
    data = source.data["password"]
    rules = PasswordRules(
        generate_length=data["generate_length"],
        symbols=data.get("symbols", ""),
        source=data["source"],
        min_length=data.get("min_length"),
        max_length=data.get("max_length"),
        verified_on=data["verified_on"],
    )
    low = rules.min_length or 0
    high = rules.max_length or rules.generate_length
    if not low <= rules.generate_length <= high:
        raise error_at(
            source,
            "password",
            "generate_length",
            f"{rules.generate_length} is outside the platform's limits ({low} to {high})",
        )
    return rules


def _check_urls(source: TomlSource, platform: Platform) -> None:
    found: list[tuple[int | None, str, str, str]] = [
        (source.table_line("urls"), "urls", k, v)
        for k, v in vars(platform.urls).items()
        if isinstance(v, str)
    ]
    found += [(source.table_line(n), n, "source", f.source) for n, f in platform.facts()]
    found += [
        (source.table_line("runbook", i), f"runbook[{i}]", "url", step.url)
        for i, step in enumerate(platform.runbook)
        if step.url
    ]
    for line, table, key, url in found:
        if not url.startswith("https://") or any(ch.isspace() for ch in url):
            raise InputError(
                f'"{url}" is not an https:// address',
                path=source.path,
                line=source.key_line(line, key),
                field=f"{table}.{key}",
            )
    for host in platform.hosts:
        if not host or host != host.strip().lower().rstrip(".") or "/" in host:
            raise error_at(source, "", "hosts", f'"{host}" is not a lower-case host name')


def _sign_in(source: TomlSource) -> SignIn:
    data = source.data.get("sign_in")
    if data is None:
        return SignIn(passkey=False, notes="", fact=None)
    return SignIn(passkey=data["passkey"], notes=data.get("notes", ""), fact=_fact(data))


def _features(source: TomlSource) -> Features:
    data = source.data.get("features")
    if data is None:
        return Features()
    return Features(
        ads=data.get("ads", False),
        api_keys=data.get("api_keys", False),
        stream_keys=data.get("stream_keys", False),
        session_revoke=data.get("session_revoke", False),
        fact=_fact(data),
    )


def _runbook(source: TomlSource) -> tuple[PlatformStep, ...]:
    return tuple(
        PlatformStep(
            id=step["id"],
            phase=step["phase"],
            title=step["title"],
            why=step["why"],
            url=step.get("url"),
            required=step.get("required", True),
            after=step.get("after"),
            replaces=step.get("replaces"),
        )
        for step in source.data.get("runbook", [])
    )


def load_platform(path: Path) -> Platform:
    """One platform file, validated; every mistake is one InputError naming file, line and key."""
    source = load_data_file(path, PLATFORM_SCHEMA, "platform file")
    data = source.data
    if data["id"] != path.stem:
        raise error_at(source, "", "id", f'"{data["id"]}" must match the file name ({path.stem})')
    urls = data["urls"]
    platform = Platform(
        id=data["id"],
        display_name=data["display_name"],
        kind=data["kind"],
        hosts=tuple(data.get("hosts", [])),
        urls=Urls(
            fact=_fact(urls),
            login=urls.get("login"),
            change_password=urls.get("change_password"),
            hacked=urls.get("hacked"),
            sessions=urls.get("sessions"),
            connected_apps=urls.get("connected_apps"),
        ),
        second_factor=_second_factor(source),
        sign_in=_sign_in(source),
        delegation=_delegation(source),
        password=_password(source),
        features=_features(source),
        runbook=_runbook(source),
    )
    _check_urls(source, platform)
    return platform


def platform_files(folder: Path | None = None) -> tuple[Path, ...]:
    """Every platform file in `folder` (default: the shipped catalogue), sorted by name."""
    folder = folder or shipped_path(PLATFORMS_FOLDER)
    return tuple(sorted(p for p in folder.iterdir() if p.suffix == ".toml"))


def load_catalogue(folder: Path | None = None) -> Mapping[str, Platform]:
    """Every platform file in `folder`, validated, by id; a host may belong to one platform only."""
    platforms: dict[str, Platform] = {}
    owners: dict[str, str] = {}
    for path in platform_files(folder):
        platform = load_platform(path)
        for host in platform.hosts:
            if host in owners:
                raise InputError(
                    f'host "{host}" is already listed by platform "{owners[host]}"',
                    path=path,
                    field="hosts",
                )
            owners[host] = platform.id
        platforms[platform.id] = platform
    if OTHER not in platforms:
        raise InputError(f'the catalogue needs an "{OTHER}" platform', path=folder)
    return platforms


@functools.cache
def catalogue() -> Mapping[str, Platform]:
    """Every catalogued platform by id (`x`, `facebook`, ..., `other`)."""
    return load_catalogue()


def platform_for(platform_id: str, platforms: Mapping[str, Platform] | None = None) -> Platform:
    """The entry for an account's `platform` in `platforms` (default: the shipped catalogue);
    `other` for anything not catalogued."""
    platforms = platforms or catalogue()
    return platforms.get(platform_id) or platforms[OTHER]


def platform_for_host(
    host: str, platforms: Mapping[str, Platform] | None = None
) -> Platform | None:
    """The platform whose `hosts` list `host` itself or a parent domain of it
    (shop.myshopify.com -> shopify); None for a host no platform lists."""
    name = host.strip().lower().rstrip(".")
    if ":" in name and not name.startswith("["):
        name = name.split(":", 1)[0]
    by_host = {h: p for p in (platforms or catalogue()).values() for h in p.hosts}
    labels = name.split(".")
    for start in range(len(labels) - 1):  # the host, then each parent with at least 2 labels
        found = by_host.get(".".join(labels[start:]))
        if found is not None:
            return found
    return None


def platforms_for_host(
    host: str, platforms: Mapping[str, Platform] | None = None
) -> tuple[Platform, ...]:
    """Every platform that signs in at `host`: the one whose `hosts` list it (or a parent
    domain), then any other whose login page is on that host (accounts.google.com signs in both
    Google Workspace and YouTube). Several matches are an ambiguity the importer reports."""
    import urllib.parse

    catalogue_ = platforms or catalogue()
    name = host.strip().lower().rstrip(".")
    first = platform_for_host(name, catalogue_)
    found = [first] if first is not None else []
    for platform in catalogue_.values():
        login = platform.urls.login
        if platform not in found and login and urllib.parse.urlsplit(login).hostname == name:
            found.append(platform)
    return tuple(found)


def stale_warnings(
    platform_ids: Iterable[str], today: dt.date, platforms: Mapping[str, Platform] | None = None
) -> tuple[str, ...]:
    """One line per platform among `platform_ids` whose facts were last verified more than a
    year before `today`, naming those facts and the oldest date."""
    lines: list[str] = []
    seen: set[str] = set()
    for platform_id in sorted(set(platform_ids)):
        platform = platform_for(platform_id, platforms)
        stale = platform.stale_facts(today)
        if platform.id in seen or not stale:
            continue
        seen.add(platform.id)
        oldest = min(fact.verified_on for _, fact in stale)
        lines.append(
            f"platform catalogue: {platform.display_name} facts "
            f"({', '.join(name for name, _ in stale)}) were last verified on "
            f"{oldest.isoformat()}, more than a year before {today.isoformat()}; "
            f"re-check each against its source (scanner/data/platforms/{platform.id}.toml)"
        )
    return tuple(lines)


def platform_ids() -> frozenset[str]:
    return frozenset(catalogue())
