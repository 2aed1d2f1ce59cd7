"""The breach-response runbook and the checklist it becomes for one account.

The generic steps live in `scanner/data/runbook.toml`, each platform's own steps in its catalogue
file; `tailor_checklist` merges them with steps derived from the inventory (the mailbox account,
the people who knew the password, leavers) and from the vault (accounts sharing the password).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.core.datafile import Key, Kind, Schema, load_data_file, shipped_path
from scanner.core.errors import InputError, StateError
from scanner.core.model import Mfa, Vector
from scanner.inventory import exposure, holders
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import (
    OTHER,
    Platform,
    PlatformStep,
    catalogue,
    platform_for,
)

RUNBOOK_FILE = "scanner/data/runbook.toml"
ROTATE_STEP = "rotate-password"  # ticked by `posture vault rotate`; the runbook must keep it
MAILBOX_STEP = "secure-mailbox"
PLACEHOLDERS = frozenset({"account", "platform", "mailboxes", "strongest_mfa"})
CHECKLIST_FORMAT = 1

_REQUIRED_STRING = Key(Kind.STRING, required=True)
RUNBOOK_SCHEMA: Schema = {
    "sources": Key(
        Kind.TABLE_MAP, required=True, fields={"title": _REQUIRED_STRING, "url": _REQUIRED_STRING}
    ),
    "mfa_names": Key(Kind.TABLE, required=True, fields={m.value: _REQUIRED_STRING for m in Mfa}),
    "phases": Key(
        Kind.TABLES,
        required=True,
        fields={"id": _REQUIRED_STRING, "title": _REQUIRED_STRING, "summary": _REQUIRED_STRING},
    ),
    "steps": Key(
        Kind.TABLES,
        required=True,
        fields={
            "id": _REQUIRED_STRING,
            "phase": _REQUIRED_STRING,
            "title": _REQUIRED_STRING,
            "why": _REQUIRED_STRING,
            "required": Key(Kind.BOOLEAN),
            "source": _REQUIRED_STRING,
            "command": Key(Kind.STRING),
            "when": Key(Kind.STRING, choices=("phone", "ads", "stream_keys", "api_keys")),
            "vectors": Key(
                Kind.STRINGS, choices=tuple(v.value for v in Vector if v is not Vector.UNKNOWN)
            ),
            "required_on": Key(Kind.STRINGS, choices=("critical", "standard", "low")),
        },
    ),
}


class Origin(enum.Enum):
    """Where a checklist step came from."""

    RUNBOOK = "runbook"
    PLATFORM = "platform"
    INVENTORY = "inventory"
    VAULT = "vault"


class PasswordLikeness(enum.Enum):
    """How close another account's password is to this one's (as the vault measures it)."""

    SAME = "same"
    SIMILAR = "similar"


@dataclass(frozen=True)
class SharedPassword:
    """Another account whose password is the same as, or nearly the same as, this account's."""

    account: str
    likeness: PasswordLikeness


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str


@dataclass(frozen=True)
class Phase:
    id: str
    title: str
    summary: str


@dataclass(frozen=True)
class RunbookStep:
    """A generic step as written in runbook.toml (title and why may hold placeholders)."""

    id: str
    phase: str
    title: str
    why: str
    required: bool
    source: str
    command: str | None = None
    # Only where this holds: "phone" (SMS or a recovery phone), "ads" (account tagged ads),
    # "stream_keys" / "api_keys" (the platform's features).
    when: str | None = None
    # Only for these attack vectors (and for "unknown"); empty: every vector.
    vectors: tuple[str, ...] = ()
    # Required on these tiers even where `required` is false.
    required_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Runbook:
    phases: tuple[Phase, ...]
    steps: tuple[RunbookStep, ...]
    sources: Mapping[str, Source]
    mfa_names: Mapping[Mfa, str]

    def phase_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.phases)


@dataclass(frozen=True)
class ChecklistStep:
    """One step of a tailored checklist, with every placeholder filled in."""

    id: str
    phase: str
    title: str
    why: str
    required: bool
    origin: Origin
    url: str | None = None
    source: str | None = None  # "title <url>" of the guidance it rests on
    command: str | None = None  # a posture command that does the step


@dataclass(frozen=True)
class Checklist:
    """The ordered steps for one account, as printed; stored whole in an incident."""

    account: str
    label: str
    platform: str
    phases: tuple[Phase, ...]
    steps: tuple[ChecklistStep, ...]
    vector: str = Vector.UNKNOWN.value  # the attack vector the checklist was tailored for

    def step(self, step_id: str) -> ChecklistStep | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def in_phase(self, phase: str) -> tuple[ChecklistStep, ...]:
        return tuple(s for s in self.steps if s.phase == phase)

    @property
    def required_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.steps if s.required)

    def to_json(self) -> str:
        """A stable JSON form for the incident record."""
        return json.dumps(
            {
                "format": CHECKLIST_FORMAT,
                "account": self.account,
                "label": self.label,
                "platform": self.platform,
                "vector": self.vector,
                "phases": [[p.id, p.title, p.summary] for p in self.phases],
                "steps": [
                    {
                        "id": s.id,
                        "phase": s.phase,
                        "title": s.title,
                        "why": s.why,
                        "required": s.required,
                        "origin": s.origin.value,
                        "url": s.url,
                        "source": s.source,
                        "command": s.command,
                    }
                    for s in self.steps
                ],
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Checklist:
        """The checklist stored by `to_json`; a damaged record raises StateError."""
        try:
            data = json.loads(text)
            if data.get("format") != CHECKLIST_FORMAT:
                raise ValueError(f"unknown checklist format {data.get('format')!r}")
            return cls(
                account=data["account"],
                label=data["label"],
                platform=data["platform"],
                vector=str(data.get("vector", Vector.UNKNOWN.value)),
                phases=tuple(Phase(*p) for p in data["phases"]),
                steps=tuple(
                    ChecklistStep(
                        id=s["id"],
                        phase=s["phase"],
                        title=s["title"],
                        why=s["why"],
                        required=bool(s["required"]),
                        origin=Origin(s["origin"]),
                        url=s.get("url"),
                        source=s.get("source"),
                        command=s.get("command"),
                    )
                    for s in data["steps"]
                ),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StateError(f"incident checklist record is damaged: {exc}") from None


# --- loading -------------------------------------------------------------------------------


def _runbook_error(message: str, field: str | None = None) -> InputError:
    return InputError(message, path=RUNBOOK_FILE, field=field)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _check_text(text: str, where: str, path: str) -> None:
    unknown = _placeholders(text) - PLACEHOLDERS
    if unknown:
        raise InputError(
            f"unknown placeholder {{{sorted(unknown)[0]}}}; "
            f"use {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}",
            path=path,
            field=where,
        )


def parse_runbook(data: Mapping[str, Any]) -> Runbook:
    """Validate runbook data (as read from runbook.toml); every mistake raises InputError."""
    try:
        sources = {
            key: Source(key, value["title"], value["url"])
            for key, value in data.get("sources", {}).items()
        }
        phases = tuple(Phase(p["id"], p["title"], p["summary"]) for p in data["phases"])
        names = data.get("mfa_names", {})
        mfa_names = {m: names[m.value] for m in Mfa}
        steps = tuple(
            RunbookStep(
                id=s["id"],
                phase=s["phase"],
                title=s["title"],
                why=s["why"],
                required=bool(s.get("required", True)),
                source=s["source"],
                command=s.get("command"),
                when=s.get("when"),
                vectors=tuple(s.get("vectors", ())),
                required_on=tuple(s.get("required_on", ())),
            )
            for s in data["steps"]
        )
    except KeyError as exc:
        raise _runbook_error(f"missing key {exc}") from None
    phase_ids = {p.id for p in phases}
    seen: set[str] = set()
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        if step.id in seen:
            raise _runbook_error(f'duplicate step id "{step.id}"', where)
        seen.add(step.id)
        if step.phase not in phase_ids:
            raise _runbook_error(f'unknown phase "{step.phase}"', f"{where}.phase")
        if step.source not in sources:
            raise _runbook_error(f'unknown source "{step.source}"', f"{where}.source")
        _check_text(step.title, f"{where}.title", RUNBOOK_FILE)
        _check_text(step.why, f"{where}.why", RUNBOOK_FILE)
        _check_text(step.command or "", f"{where}.command", RUNBOOK_FILE)
    for required_id in (ROTATE_STEP, MAILBOX_STEP):
        if required_id not in seen:
            raise _runbook_error(f'the runbook must keep step "{required_id}"', "steps")
    return Runbook(phases=phases, steps=steps, sources=sources, mfa_names=mfa_names)


@functools.cache
def load_runbook() -> Runbook:
    """The generic runbook shipped in the package, validated by `RUNBOOK_SCHEMA`."""
    source = load_data_file(shipped_path("data/runbook.toml"), RUNBOOK_SCHEMA, "runbook")
    return parse_runbook(source.data)


# --- tailoring -----------------------------------------------------------------------------


def _holder_steps(
    inventory: Inventory, account: Account, today: dt.date
) -> tuple[list[ChecklistStep], list[ChecklistStep]]:
    """(check-and-tell steps for current holders, removal steps for leavers and ended agencies)."""
    tell: list[ChecklistStep] = []
    remove: list[ChecklistStep] = []
    current_admins = [r for r in account.admins if holders.has_access(inventory, r, today)]
    for ref, what in holders.ties(account).items():
        name = inventory.holder_name(ref)
        tie = ", ".join(what)
        loss = holders.lost_access(inventory, ref, today)
        if loss is None:
            tell.append(
                ChecklistStep(
                    id=f"check:{ref}",
                    phase="eradicate",
                    title=(
                        f"Check with {name} ({tie}): was their device, mailbox or password "
                        "manager the way in? Tell them the password is changing and not to reuse it"
                    ),
                    why="Everyone who held the login is a possible way in and must hear about the "
                    "change from the company, not from the attacker.",
                    required=True,
                    origin=Origin.INVENTORY,
                )
            )
            continue
        ended = loss.ended
        only_admin = "admin" in what and not current_admins
        appoint = (
            " Appoint a company-held admin first: they are the only admin." if only_admin else ""
        )
        remove.append(
            ChecklistStep(
                id=f"remove:{ref}",
                phase="eradicate",
                title=(
                    f"Remove {name} ({ended}; {tie}) from the account and from the inventory."
                    f"{appoint}"
                ),
                why="Access that outlived a job or a contract is a common way in, and a leaver "
                "must not learn the new password.",
                required=True,
                origin=Origin.INVENTORY,
            )
        )
    return tell, remove


def _chain_steps(
    inventory: Inventory, account: Account, platforms: Mapping[str, Platform]
) -> list[ChecklistStep]:
    """A contain step per account up the access chains, the root of each chain first: the
    mailboxes and `access_via` accounts whose control gives control of this one."""
    direct = {other.id: address for other, address in exposure.mailbox_accounts(inventory, account)}
    steps = []
    for other, path in exposure.upstream(inventory, account):
        if len(path) == 2 and other.id in direct:
            steps.append(_mailbox_step(account, other, direct[other.id], platforms))
            continue
        steps.append(
            ChecklistStep(
                id=f"chain:{other.id}",
                phase="contain",
                title=(
                    f"Secure {other.label}: whoever controls it controls this account "
                    f"({exposure.chain_text(path)}); change its password, check its second "
                    "factor, recovery details and sessions, then work through its own checklist"
                ),
                command=f"posture breach checklist {other.id}",
                why="Attackers walk up a chain of linked accounts (a mailbox, a personal profile "
                "that administers a page) and come back down it; securing this account while a "
                "hop above it stays open changes nothing.",
                required=True,
                origin=Origin.INVENTORY,
            )
        )
    return steps


def _mailbox_step(
    account: Account, other: Account, address: str, platforms: Mapping[str, Platform]
) -> ChecklistStep:
    service = platform_for(other.platform, platforms)
    kind = "" if service.id == OTHER else f"{service.display_name} "
    uses = [
        use
        for use, value in (("login", account.login_email), ("recovery", account.recovery_email))
        if value and value.strip().lower() == address.strip().lower()
    ]
    shown = "" if address.lower() in other.label.lower() else f" ({address})"
    return ChecklistStep(
        id=f"mailbox:{other.id}",
        phase="contain",
        title=(
            f"Secure {other.label} first: it is this account's {' and '.join(uses)} "
            f"{kind}mailbox{shown}; check its forwarding rules and recent reset mails, "
            "then work through its own checklist"
        ),
        command=f"posture breach checklist {other.id}",
        why="The attacker may hold the mailbox too; every reset link for this account lands there.",
        required=True,
        origin=Origin.INVENTORY,
    )


def _app_steps(inventory: Inventory, account: Account) -> list[ChecklistStep]:
    """A `revoke-app:NAME` step per connected app of the account, naming every account with it."""
    steps = []
    for app in account.connected_apps:
        users = [
            a.id
            for a in inventory.accounts
            if any(x.name.lower() == app.name.lower() for x in a.connected_apps)
        ]
        others = [u for u in users if u != account.id]
        also = f" and from {', '.join(others)}, which list it too" if others else ""
        steps.append(
            ChecklistStep(
                id=f"revoke-app:{app.name}",
                phase="contain",
                title=(
                    f"Revoke {app.name} ({app.scope.value} access) from {account.id}{also}; "
                    "re-authorise it only once its vendor confirms it is clean"
                ),
                why="A compromised app posts from every account that authorised it, with its "
                "own token, whatever their passwords (Twitter Counter, 2017).",
                required=True,
                origin=Origin.INVENTORY,
            )
        )
    return steps


def _company_mailboxes(inventory: Inventory, account: Account) -> str:
    """The login and recovery addresses the company holds, for the "secure mailboxes" step."""
    addresses = [a for a in dict.fromkeys((account.login_email, account.recovery_email)) if a]
    mailboxes = [a for a in addresses if inventory.organization.owns_email(a)]
    if mailboxes:
        return ", ".join(mailboxes)
    return "none at the company" if addresses else "none recorded in the inventory"


def _insert_outside_steps(ordered: list[ChecklistStep], outside: list[ChecklistStep]) -> None:
    """Right after the "secure mailboxes" step; at the start when a platform step replaced it."""
    ids = [s.id for s in ordered]
    at = ids.index(MAILBOX_STEP) + 1 if MAILBOX_STEP in ids else 0
    ordered[at:at] = outside


def _outside_recovery_steps(inventory: Inventory, account: Account) -> list[ChecklistStep]:
    """Login or recovery channels the company does not hold: it cannot change their passwords,
    only replace them (a leaver's personal address, an agency's phone)."""
    from scanner.core.model import Holder

    org = inventory.organization
    steps = []
    for use, address in (("login", account.login_email), ("recovery", account.recovery_email)):
        if not address or org.owns_email(address):
            continue
        if use == "recovery" and address == account.login_email:
            continue
        steps.append(
            ChecklistStep(
                id=f"replace-{use}-email",
                phase="contain",
                title=(
                    f"Replace the {use} address {address} with a company mailbox "
                    f"({', '.join(org.domains) or 'a company domain'}) in {account.label}'s "
                    "settings, once you are signed in"
                ),
                why="The company cannot change the password of a mailbox it does not hold; "
                "whoever reads it can reset this account's password again.",
                required=True,
                origin=Origin.INVENTORY,
            )
        )
    holder = account.recovery_phone_holder
    if holder in (Holder.EMPLOYEE, Holder.AGENCY):
        steps.append(
            ChecklistStep(
                id="replace-recovery-phone",
                phase="contain",
                title=(
                    f"Replace the recovery phone (held by an {holder.value}, not the company) "
                    "with a company-held number"
                ),
                why="A reset code sent to a phone the company does not hold hands the account "
                "to whoever holds that phone, or to anyone who ports its number.",
                required=True,
                origin=Origin.INVENTORY,
            )
        )
    return steps


def _session_steps(
    inventory: Inventory, account: Account, today: dt.date, *, required: bool = True
) -> list[ChecklistStep]:
    """An `end-sessions:PERSON` step per current holder and admin, listing all they can reach."""
    steps = []
    refs = list(dict.fromkeys(account.admins + account.password_known_by))
    if account.owner and account.owner not in refs:
        refs.insert(0, account.owner)
    for ref in refs:
        if not holders.has_access(inventory, ref, today):
            continue
        reach = [
            a.id
            for a in inventory.accounts
            if ref in a.admins or ref in a.password_known_by or a.owner == ref
        ]
        steps.append(
            ChecklistStep(
                id=f"end-sessions:{ref}",
                phase="contain",
                title=(
                    f"End every session of {inventory.holder_name(ref)} on every account they "
                    f"hold or administer ({', '.join(reach)}): sign out everywhere, then sign "
                    "in again only from a clean device"
                ),
                why="Stolen session cookies skip the password and the second factor; resetting "
                "one account's password leaves the attacker in every other session the same "
                "browser held (Linus Tech Tips, 2023; Ducktail, 2022-23).",
                required=required,
                origin=Origin.INVENTORY,
            )
        )
    return steps


def _required(step: RunbookStep, account: Account, vector: Vector) -> bool:
    """A step written for particular vectors is optional while the vector is unknown: shown, so
    nothing is missed, but not a bar to closing an incident it may not concern."""
    if step.vectors and vector is Vector.UNKNOWN:
        return False
    return step.required or account.tier.value in step.required_on


def _applies(step: RunbookStep, account: Account, platform: Platform, vector: Vector) -> bool:
    """Whether a generic step belongs in this account's checklist for this vector."""
    if step.vectors and vector is not Vector.UNKNOWN and vector.value not in step.vectors:
        return False
    conditions = {
        None: True,
        "phone": exposure.phone_involved(account) or vector is Vector.SIM_SWAP,
        "ads": "ads" in account.tags,
        "stream_keys": platform.features.stream_keys,
        "api_keys": platform.features.api_keys,
    }
    return conditions.get(step.when, True)


def _shared_steps(
    inventory: Inventory, shared_with: Sequence[SharedPassword]
) -> list[ChecklistStep]:
    labels = {a.id: a.label for a in inventory.accounts}
    steps = []
    for shared in dict.fromkeys(shared_with):
        label = labels.get(shared.account, shared.account)
        how = (
            "uses the same password"
            if shared.likeness is PasswordLikeness.SAME
            else "uses a nearly identical password"
        )
        steps.append(
            ChecklistStep(
                id=f"rotate:{shared.account}",
                phase="contain",
                title=f"Change the password of {label} now: it {how}",
                command=f"posture vault rotate {shared.account}",
                why="The attacker will try this password, and small variations of it, on the "
                "company's other accounts first.",
                required=True,
                origin=Origin.VAULT,
            )
        )
    return steps


def _fill(text: str, values: Mapping[str, str]) -> str:
    return text.format_map(values)


def _platform_step(
    step: PlatformStep, platform: Platform, values: Mapping[str, str]
) -> ChecklistStep:
    return ChecklistStep(
        id=step.id,
        phase=step.phase,
        title=_fill(step.title, values),
        why=_fill(step.why, values),
        required=step.required,
        origin=Origin.PLATFORM,
        url=step.url,
        source=platform.display_name,
    )


def _place_platform_steps(
    ordered: list[ChecklistStep],
    platform: Platform,
    runbook: Runbook,
    values: Mapping[str, str],
) -> list[ChecklistStep]:
    path = f"scanner/data/platforms/{platform.id}.toml"
    phase_ids = runbook.phase_ids()
    for index, pstep in enumerate(platform.runbook):
        where = f"runbook[{index}]"
        if pstep.phase not in phase_ids:
            raise InputError(f'unknown phase "{pstep.phase}"', path=path, field=f"{where}.phase")
        _check_text(pstep.title, f"{where}.title", path)
        _check_text(pstep.why, f"{where}.why", path)
        if any(s.id == pstep.id for s in ordered):
            raise InputError(f'step id "{pstep.id}" is already used', path=path, field=where)
        step = _platform_step(pstep, platform, values)
        ids = [s.id for s in ordered]
        anchor = pstep.replaces or pstep.after
        if anchor is not None:
            if anchor not in ids or ordered[ids.index(anchor)].phase != pstep.phase:
                key = "replaces" if pstep.replaces else "after"
                raise InputError(
                    f'no step "{anchor}" in phase "{pstep.phase}" to place this step by',
                    path=path,
                    field=f"{where}.{key}",
                )
            at = ids.index(anchor)
            if pstep.replaces:
                ordered[at] = step
            else:
                ordered.insert(at + 1, step)
            continue
        last = max((i for i, s in enumerate(ordered) if s.phase == pstep.phase), default=None)
        ordered.insert(len(ordered) if last is None else last + 1, step)
    return ordered


def tailor_checklist(
    inventory: Inventory,
    account: Account,
    *,
    shared_with: Sequence[SharedPassword] = (),
    today: dt.date | None = None,
    runbook: Runbook | None = None,
    platforms: Mapping[str, Platform] | None = None,
    vector: Vector = Vector.UNKNOWN,
) -> Checklist:
    """The ordered checklist for `account`: generic, platform and derived steps.

    `vector` (how the attacker got in) keeps the steps written for it; "unknown" keeps every
    step that may apply. Session theft puts an `end-sessions:PERSON` step first.

    `shared_with` lists the accounts whose password is the same as or close to this one (from the
    vault); each gets a "rotate" step right after `rotate-password`. The account behind the login
    or recovery mailbox, when it is in the inventory, comes first in "contain".
    """
    runbook = runbook or load_runbook()
    platforms = platforms or catalogue()
    platform = platform_for(account.platform, platforms)
    today = today or dt.date.today()
    values = {
        "account": account.id,
        "platform": platform.display_name,
        "mailboxes": _company_mailboxes(inventory, account),
        "strongest_mfa": runbook.mfa_names[platform.strongest_mfa],
    }
    ordered = [
        ChecklistStep(
            id=step.id,
            phase=step.phase,
            title=_fill(step.title, values),
            why=_fill(step.why, values),
            required=_required(step, account, vector),
            origin=Origin.RUNBOOK,
            source=_source_text(runbook.sources[step.source]),
            command=_fill(step.command, values) if step.command else None,
        )
        for step in runbook.steps
        if _applies(step, account, platform, vector)
    ]
    ordered = _place_platform_steps(ordered, platform, runbook, values)

    def insert_after(anchor: str, new: Iterable[ChecklistStep]) -> None:
        at = [s.id for s in ordered].index(anchor) + 1
        ordered[at:at] = list(new)

    insert_after(ROTATE_STEP, _shared_steps(inventory, shared_with))
    tell, remove = _holder_steps(inventory, account, today)
    first_eradicate = next(i for i, s in enumerate(ordered) if s.phase == "eradicate")
    ordered[first_eradicate:first_eradicate] = [*tell, *remove]
    _insert_outside_steps(ordered, _outside_recovery_steps(inventory, account))
    insert_after("revoke-apps", _app_steps(inventory, account))
    sessions = _session_steps(inventory, account, today, required=vector is Vector.SESSION_THEFT)
    if vector is Vector.UNKNOWN:
        insert_after("sign-out-sessions", sessions)
    first = sessions if vector is Vector.SESSION_THEFT else []
    ordered[0:0] = [*first, *_chain_steps(inventory, account, platforms)]
    ordered += _launch_steps(inventory, account, today)
    by_phase = {p.id: i for i, p in enumerate(runbook.phases)}
    # A stable sort keeps each phase's order while grouping phases in runbook order.
    ordered.sort(key=lambda s: by_phase[s.phase])
    _ensure_unique(ordered)
    return Checklist(
        account=account.id,
        label=account.label,
        platform=platform.display_name,
        phases=runbook.phases,
        steps=tuple(ordered),
        vector=vector.value,
    )


def _launch_steps(inventory: Inventory, account: Account, today: dt.date) -> list[ChecklistStep]:
    """A contain step per launch still under embargo on this account: did it leak?"""
    return [
        ChecklistStep(
            id=f"launch:{launch.id}",
            phase="contain",
            title=(
                f"Check whether {launch.name} (secret until {launch.public_on.isoformat()}) "
                "leaked: look through drafts, scheduled posts and direct messages, and tell the "
                "launch's owners what the attacker could see"
            ),
            why="The account carries an unreleased launch; whoever held it may have read or "
            "published it, and the launch team must decide before it leaks further.",
            required=True,
            origin=Origin.INVENTORY,
        )
        for launch in inventory.embargoes(account, today)
    ]


def _source_text(source: Source) -> str:
    return f"{source.title} <{source.url}>"


def _ensure_unique(steps: Sequence[ChecklistStep]) -> None:
    seen: set[str] = set()
    for step in steps:
        if step.id in seen:
            raise InputError(f'step id "{step.id}" appears twice in the checklist')
        seen.add(step.id)


def renumbered(checklist: Checklist) -> tuple[tuple[int, ChecklistStep], ...]:
    """Steps with their 1-based number as printed (numbers run across phases)."""
    return tuple(enumerate(checklist.steps, start=1))


def find_step(checklist: Checklist, step: str) -> ChecklistStep | None:
    """The step named by id, or by its printed number."""
    if step.isdigit():
        number = int(step)
        return checklist.steps[number - 1] if 1 <= number <= len(checklist.steps) else None
    return checklist.step(step)
