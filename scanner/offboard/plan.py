"""The offboarding plan: a leaver's (or an ended agency's) accounts and the steps for each.

The scope is every account `holders.offboarding_ties` ties to them, ordered by tier; the step
wording lives in `scanner/data/offboarding.toml`, platform facts (role page, security page,
partner roles) in the platform catalogue. The plan is a breach `Checklist` with one phase per
account, so the incident machinery (storage, step look-up, rendering) serves both.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from scanner.breach.runbook import Checklist, ChecklistStep, Origin, Phase
from scanner.core.errors import InputError
from scanner.core.model import Tier
from scanner.core.tomlsource import suggest
from scanner.inventory import holders
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.holders import Tie
from scanner.inventory.platforms import Platform, catalogue, platform_for

DATA_FILE = "scanner/data/offboarding.toml"
PLACEHOLDERS = frozenset(
    {"who", "name", "on", "account", "platform", "ties", "suggested", "roles", "channels", "model"}
)
ACCOUNT_STEPS = (
    "transfer",
    "register",
    "sole-admin",
    "role",
    "partner",
    "rotate",
    "recovery",
    "sessions",
    "sessions-unknown",
)
GENERIC_KINDS = ("person", "agency")
GENERIC_PHASE = "leaver"
TRANSFER = "transfer"
ROTATE = "rotate"
_TIER_ORDER = {Tier.CRITICAL: 0, Tier.STANDARD: 1, Tier.LOW: 2}


@dataclass(frozen=True)
class StepText:
    """A step as written in offboarding.toml (title and why may hold placeholders)."""

    id: str
    title: str
    why: str
    source: str  # "title <url>"


@dataclass(frozen=True)
class Wording:
    """The validated contents of offboarding.toml."""

    account: Mapping[str, StepText]
    generic: Mapping[str, tuple[StepText, ...]]  # "person" / "agency"


def _error(message: str, field: str | None = None) -> InputError:
    return InputError(message, path=DATA_FILE, field=field)


def _step_text(
    key: str, data: Mapping[str, Any], sources: Mapping[str, str], where: str
) -> StepText:
    try:
        title, why, source = str(data["title"]), str(data["why"]), str(data["source"])
    except KeyError as exc:
        raise _error(f"missing key {exc}", where) from None
    if source not in sources:
        raise _error(
            f'unknown source "{source}"{suggest(source, list(sources))}', f"{where}.source"
        )
    for name, text in (("title", title), ("why", why)):
        unknown = {f for _, f, _, _ in string.Formatter().parse(text) if f} - PLACEHOLDERS
        if unknown:
            raise _error(f"unknown placeholder {{{sorted(unknown)[0]}}}", f"{where}.{name}")
    return StepText(key, title, why, sources[source])


def parse_wording(data: Mapping[str, Any]) -> Wording:
    """Validate offboarding data (as read from offboarding.toml); a mistake raises InputError."""
    try:
        sources = {k: f"{v['title']} <{v['url']}>" for k, v in data.get("sources", {}).items()}
    except (KeyError, TypeError) as exc:
        raise _error(f"a source needs title and url: {exc}", "sources") from None
    account_data = data.get("account", {})
    missing = [k for k in ACCOUNT_STEPS if k not in account_data]
    if missing:
        raise _error(f'missing account step "{missing[0]}"', "account")
    extra = [k for k in account_data if k not in ACCOUNT_STEPS]
    if extra:
        raise _error(
            f'unknown account step "{extra[0]}"{suggest(extra[0], ACCOUNT_STEPS)}', "account"
        )
    account = {
        key: _step_text(key, account_data[key], sources, f"account.{key}") for key in ACCOUNT_STEPS
    }
    generic: dict[str, tuple[StepText, ...]] = {}
    for kind in GENERIC_KINDS:
        steps = []
        for index, item in enumerate(data.get(kind, [])):
            if "id" not in item:
                raise _error("missing key 'id'", f"{kind}[{index}]")
            steps.append(_step_text(str(item["id"]), item, sources, f"{kind}[{index}]"))
        if len({s.id for s in steps}) != len(steps):
            raise _error("duplicate step id", kind)
        generic[kind] = tuple(steps)
    return Wording(account=account, generic=generic)


@functools.cache
def load_wording() -> Wording:
    """The offboarding wording shipped in the package."""
    text = resources.files("scanner").joinpath("data/offboarding.toml").read_text("utf-8")
    return parse_wording(tomllib.loads(text))


# --- who and when --------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaver:
    """Who is offboarded: a person id or `agency:ID`, with a display name and the case date."""

    ref: str
    name: str
    on: dt.date  # a person's last day, an agency's contract end

    @property
    def is_agency(self) -> bool:
        return holders.is_agency(self.ref)

    @property
    def kind(self) -> str:
        return "agency" if self.is_agency else "person"


class UnknownLeaver(InputError):
    """WHO names no person or agency of the inventory."""


def leaver(inventory: Inventory, ref: str, on: dt.date | None, today: dt.date) -> Leaver:
    """The person or agency `ref` names, with the case date: `on`, else the recorded departure,
    last day of a leaver-to-be (`leaving_on`) or contract end, else `today`."""
    if not holders.is_holder(inventory, ref):
        known = [*inventory.people, *(a.ref for a in inventory.agencies.values())]
        raise UnknownLeaver(
            f'WHO: no person or agency "{ref}" in the inventory{suggest(ref, known)}; give a '
            "person id or agency:ID",
            path=inventory.path,
        )
    if on is None:
        agency = inventory.agency_for(ref)
        person = None if agency else inventory.people[ref]
        recorded = (
            agency.contract_ends if agency else person and (person.departed_on or person.leaving_on)
        )
        on = recorded or today
    return Leaver(ref, inventory.holder_name(ref), on)


# --- the plan ------------------------------------------------------------------------------


def scope(inventory: Inventory, ref: str) -> tuple[tuple[Account, tuple[Tie, ...]], ...]:
    """Every account `ref` is tied to, with its ties, critical tier first (inventory order within)."""
    tied = [(a, holders.offboarding_ties(inventory, a, ref)) for a in inventory.accounts]
    found = [(a, t) for a, t in tied if t]
    return tuple(sorted(found, key=lambda pair: _TIER_ORDER[pair[0].tier]))


def suggested_owner(inventory: Inventory, account: Account, ref: str) -> str | None:
    """An active person to hand the account to: its first active admin other than the leaver."""
    for admin in account.admins:
        person = inventory.people.get(admin)
        if admin != ref and person is not None and person.active:
            return admin
    return None


def _channels(account: Account, ties: tuple[Tie, ...]) -> str:
    parts = []
    if Tie.LOGIN_EMAIL in ties:
        parts.append(f"the login email {account.login_email}")
    if Tie.RECOVERY_EMAIL in ties:
        parts.append(f"the recovery email {account.recovery_email}")
    if Tie.RECOVERY_PHONE in ties:
        parts.append("the recovery phone")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def partner_roles(platform: Platform) -> tuple[str, ...]:
    """The platform's roles for agencies (partner access), if it has any."""
    delegation = platform.delegation
    named = tuple(r.name for r in delegation.roles if "partner" in f"{r.id} {r.name}".lower())
    # Catalogue v2 states agency access as its own fact (`partner`) rather than as a role.
    return named or (("partner access",) if delegation.partner else ())


_Pick = tuple[str, str | None, str | None, bool]  # wording key, url, command, required


def _owner_steps(
    account: Account, ties: tuple[Tie, ...], who: Leaver, role_page: str | None
) -> list[_Pick]:
    picked: list[_Pick] = []
    if Tie.OWNER in ties or Tie.REGISTERED in ties:
        command = f"posture offboard done {who.ref} {TRANSFER}:{account.id} --to PERSON"
        picked.append((TRANSFER, None, command, True))
    if Tie.REGISTERED in ties:
        picked.append(("register", role_page, None, True))
    return picked


def _role_steps(
    inventory: Inventory, account: Account, who: Leaver, platform: Platform, role_page: str | None
) -> list[_Pick]:
    picked: list[_Pick] = []
    others = [
        r
        for r in account.admins
        if r != who.ref and holders.lost_access(inventory, r, who.on) is None
    ]
    if not others:
        picked.append(("sole-admin", role_page, None, True))
    role = "partner" if who.is_agency and partner_roles(platform) else "role"
    picked.append((role, role_page, None, True))
    return picked


def _pick(
    inventory: Inventory, account: Account, ties: tuple[Tie, ...], who: Leaver, platform: Platform
) -> list[_Pick]:
    """(wording key, url, command, required) for each step this account needs, in order."""
    role_page = platform.delegation.source or None
    picked = _owner_steps(account, ties, who, role_page)
    if Tie.ADMIN in ties:
        picked += _role_steps(inventory, account, who, platform, role_page)
    if Tie.KNOWS_PASSWORD in ties:
        picked.append((ROTATE, None, f"posture vault rotate {account.id}", True))
    if any(t.is_email or t is Tie.RECOVERY_PHONE for t in ties):
        picked.append(("recovery", platform.security_url, None, True))
    if _SIGN_IN & set(ties):
        sessions = platform.urls.sessions or platform.security_url
        if sessions:
            picked.append(("sessions", sessions, None, True))
        else:
            picked.append(("sessions-unknown", None, None, False))
    return picked


# Ties that let someone sign in themselves, so they may hold sessions and app grants.
_SIGN_IN = frozenset({Tie.KNOWS_PASSWORD, Tie.REGISTERED, Tie.LOGIN_EMAIL, Tie.RECOVERY_EMAIL})


def _values(who: Leaver, account: str = "", platform: Platform | None = None) -> dict[str, str]:
    """Every placeholder, filled with what is known (an empty text where nothing applies)."""
    values = dict.fromkeys(PLACEHOLDERS, "")
    values.update(who=who.ref, name=who.name, on=who.on.isoformat(), account=account)
    if platform is not None:
        values["platform"] = platform.display_name
        values["model"] = platform.delegation.model or "the service's user roles"
    return values


def _account_steps(
    inventory: Inventory, account: Account, ties: tuple[Tie, ...], who: Leaver, wording: Wording
) -> tuple[Phase, list[ChecklistStep]]:
    platform = platform_for(account.platform, catalogue())
    suggested = suggested_owner(inventory, account, who.ref)
    partner = partner_roles(platform)
    values = _values(who, account.label, platform)
    values["ties"] = ", ".join(t.value for t in ties)
    values["suggested"] = (
        f"{inventory.holder_name(suggested)} ({suggested})"
        if suggested
        else "none: no other active admin"
    )
    roles = (
        partner if who.is_agency and partner else tuple(r.name for r in platform.delegation.roles)
    )
    values["roles"] = ", ".join(roles) or "the service's own"
    if any(t.is_email or t is Tie.RECOVERY_PHONE for t in ties):
        values["channels"] = _channels(account, ties)
    phase = Phase(
        id=f"account:{account.id}",
        title=account.label,
        summary=f"{account.tier.value} tier on {platform.display_name}; {values['ties']}",
    )
    steps = []
    for key, url, command, required in _pick(inventory, account, ties, who, platform):
        text = wording.account[key]
        step_id = (
            "role"
            if key in ("role", "partner")
            else "sessions"
            if key.startswith("sessions")
            else key
        )
        steps.append(
            ChecklistStep(
                id=f"{step_id}:{account.id}",
                phase=phase.id,
                title=text.title.format_map(values),
                why=text.why.format_map(values),
                required=required,
                origin=Origin.PLATFORM if url else Origin.INVENTORY,
                url=url,
                source=text.source,
                command=command,
            )
        )
    return phase, steps


def build_plan(inventory: Inventory, who: Leaver, *, wording: Wording | None = None) -> Checklist:
    """The offboarding checklist for `who`: each tied account's steps (critical tier first),
    then the generic steps for a person or an agency."""
    wording = wording or load_wording()
    phases: list[Phase] = []
    steps: list[ChecklistStep] = []
    for account, ties in scope(inventory, who.ref):
        phase, account_steps = _account_steps(inventory, account, ties, who, wording)
        phases.append(phase)
        steps += account_steps
    values = _values(who)
    generic = Phase(
        id=GENERIC_PHASE,
        title="The agency" if who.is_agency else "The person",
        summary=f"{who.name} ({who.ref}), {'contract ends' if who.is_agency else 'last day'} {who.on.isoformat()}",
    )
    phases.append(generic)
    for text in wording.generic[who.kind]:
        steps.append(
            ChecklistStep(
                id=text.id,
                phase=GENERIC_PHASE,
                title=text.title.format_map(values),
                why=text.why.format_map(values),
                required=True,
                origin=Origin.RUNBOOK,
                source=text.source,
            )
        )
    return Checklist(
        account=who.ref, label=who.name, platform=who.kind, phases=tuple(phases), steps=tuple(steps)
    )


def accounts_of(checklist: Checklist) -> tuple[str, ...]:
    """The account ids a stored plan covers (its account phases)."""
    prefix = "account:"
    return tuple(p.id[len(prefix) :] for p in checklist.phases if p.id.startswith(prefix))
