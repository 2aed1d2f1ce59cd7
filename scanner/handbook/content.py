"""What the handbook says: built from the inventory, the policy and the platform catalogue.

Nothing here is a generic template: every number is the policy's, every account, owner and
platform is the inventory's. Each rule names its sources. The version is a digest of the rules
people acknowledge (everything but the account directory and the date), so it changes when a
policy key or a platform fact in it changes, and not when an unrelated field does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.core.model import Mfa, Tier
from scanner.inventory.accounts import Account, Inventory, Person
from scanner.inventory.platforms import Platform, platform_for
from scanner.inventory.policy import Policy

SOURCES: dict[str, tuple[str, str]] = {
    "nist-63b": ("NIST SP 800-63B-4", "https://pages.nist.gov/800-63-4/sp800-63b.html"),
    "cis": ("CIS Controls v8", "https://www.cisecurity.org/controls/v8"),
    "ncsc": (
        "NCSC: Social media, protecting what you publish",
        "https://www.ncsc.gov.uk/guidance/social-media-protecting-what-you-publish",
    ),
    "ncsc-hacked": (
        "NCSC: Recovering a hacked account",
        "https://www.ncsc.gov.uk/guidance/recovering-a-hacked-account",
    ),
    "cisa": (
        "CISA: Social Media Account Protection",
        "https://www.cisa.gov/resources-tools/resources/capacity-enhancement-guide-social-media-account-protection",
    ),
    "nist-61": ("NIST SP 800-61r3", "https://csrc.nist.gov/pubs/sp/800/61/r3/final"),
    "ftc": (
        "FTC Endorsement Guides, 16 CFR 255.5",
        "https://www.ecfr.gov/current/title-16/chapter-I/subchapter-B/part-255",
    ),
    "ftc-faq": (
        "FTC: The Endorsement Guides, What People Are Asking",
        "https://www.ftc.gov/business-guidance/resources/ftcs-endorsement-guides-what-people-are-asking",
    ),
}

_MFA_WORDS = {
    Mfa.FIDO2: "a security key or passkey",
    Mfa.TOTP: "an authenticator app",
    Mfa.PUSH: "app push approval",
    Mfa.SMS: "text message (SMS)",
    Mfa.EMAIL: "email codes",
    Mfa.NONE: "none",
}
_IT_ROLE = re.compile(r"\b(it|security|infosec)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """One rule in plain words, with the sources it rests on (keys of SOURCES, or policy keys)."""

    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    title: str
    intro: str
    rules: tuple[Rule, ...] = ()
    table: Table | None = None
    versioned: bool = True  # part of what people acknowledge
    note: str = ""  # names and contacts: shown, never part of the version


@dataclass(frozen=True)
class Handbook:
    organization: str
    date: dt.date
    sections: tuple[Section, ...]
    version: str


def build_handbook(inventory: Inventory, policy: Policy, today: dt.date) -> Handbook:
    """The handbook for this inventory and policy, dated `today`."""
    platforms = _platforms(inventory.accounts)
    sections = (
        _directory(inventory),
        _rules(inventory, policy, platforms),
        _hacked(inventory, platforms),
        _personal(inventory),
        _leaving(inventory),
    )
    return Handbook(inventory.organization.name, today, sections, version_of(sections))


def version_of(sections: Sequence[Section]) -> str:
    """A short digest of the acknowledged sections, in a canonical text form."""
    digest = hashlib.sha256()
    for section in sections:
        if not section.versioned:
            continue
        parts = [section.title, section.intro]
        parts += [f"{r.text}|{','.join(r.sources)}" for r in section.rules]
        if section.table:
            parts += ["|".join(row) for row in (section.table.headers, *section.table.rows)]
        digest.update("\n".join(parts).encode("utf-8") + b"\x00")
    return digest.hexdigest()[:12]


def _platforms(accounts: Sequence[Account]) -> list[Platform]:
    found: dict[str, Platform] = {}
    for account in accounts:
        platform = platform_for(account.platform)
        found.setdefault(platform.id, platform)
    return sorted(found.values(), key=lambda p: p.display_name.lower())


def _person(inventory: Inventory, ref: str | None) -> str:
    if ref is None:
        return "nobody (ask IT)"
    person = inventory.people.get(ref)
    if person is None:
        return inventory.holder_name(ref)
    return f"{person.name} <{person.email}>" if person.email else person.name


def _directory(inventory: Inventory) -> Section:
    rows = tuple(
        (
            account.id,
            platform_for(account.platform).display_name,
            account.handle or "",
            account.tier.value,
            _person(inventory, account.owner),
            ", ".join(inventory.holder_name(r) for r in account.admins) or "-",
        )
        for account in sorted(inventory.accounts, key=lambda a: (a.platform, a.id))
    )
    return Section(
        title="Who owns which account",
        intro=(
            f"Every account below belongs to {inventory.organization.name}, not to the person "
            "who runs it. Each has one accountable owner: ask the owner for access, never a "
            "colleague for the password."
        ),
        table=Table(("account", "platform", "handle", "tier", "owner", "admins"), rows),
        versioned=False,
    )


def _rules(inventory: Inventory, policy: Policy, platforms: Sequence[Platform]) -> Section:
    standard, critical = policy.for_tier(Tier.STANDARD), policy.for_tier(Tier.CRITICAL)
    rules = [
        _mfa_rule(standard.mfa_required, standard.mfa_minimum, critical.mfa_minimum),
        Rule(
            f"Passwords are at least {standard.min_length} characters "
            f"({standard.min_length_with_mfa} where a second factor is on), reach a strength "
            f"score of {standard.min_strength} of 4 ({critical.min_strength} on critical "
            "accounts), and are generated by the company vault rather than made up.",
            ("policy:min_length", "policy:min_strength", "nist-63b"),
        ),
        Rule(
            "No password is built on the company's name, brands, handles or platform, or on a "
            f"person's name ({_context_examples(inventory, standard.blocklist)}), with or without "
            "digits, years or "
            "symbols added. Never reuse a company password anywhere else.",
            ("policy:blocklist", "nist-63b"),
        ),
        Rule(
            f"A login is known by at most {standard.max_password_holders} "
            f"{'person' if standard.max_password_holders == 1 else 'people'}, its custodian. "
            "Everyone else, agencies included, gets their own delegated role on the platform: "
            "never ask for or share the password.",
            ("policy:max_password_holders", "ncsc", "cisa"),
        ),
        Rule(
            f"Each account keeps between {standard.min_admins} and {standard.max_admins} "
            "company admins, so nobody is a single point of failure and few can change "
            "everything.",
            ("policy:min_admins", "policy:max_admins"),
        ),
        Rule(
            "When someone who knew a password leaves, or an agency's contract ends, IT changes "
            "that password the same day. Passwords are not changed on a calendar otherwise.",
            ("nist-63b", "cis"),
        ),
        Rule(
            f"Read this handbook and acknowledge it when you get access and every "
            f"{standard.policy_ack_max_age_days} days after that.",
            ("policy:policy_ack_max_age_days", "cisa"),
        ),
    ]
    return Section(
        title="The rules",
        intro="These apply to every company account and everyone who works on one.",
        rules=tuple(rules),
        table=_roles_table(platforms),
    )


def _mfa_rule(required: bool, standard: Mfa, critical: Mfa) -> Rule:
    start = (
        "Every company account has a second factor turned on. "
        if required
        else "Turn on a second factor wherever the platform offers one. "
    )
    return Rule(
        start + f"Use {_MFA_WORDS[critical]} on critical accounts and at least "
        f"{_MFA_WORDS[standard]} elsewhere; where a platform offers less, its strongest method. "
        "Text messages (SMS) and email codes never count, and a second factor is never tied "
        "to a private phone.",
        ("policy:mfa_required", "policy:mfa_minimum", "nist-63b", "cis"),
    )


def _context_examples(inventory: Inventory, blocklist: Sequence[str]) -> str:
    words = [inventory.organization.name, *inventory.organization.brand_terms, *blocklist]
    return "for example " + ", ".join(f'"{w}"' for w in dict.fromkeys(words)) if words else ""


def _roles_table(platforms: Sequence[Platform]) -> Table | None:
    rows = tuple(
        (
            platform.display_name,
            platform.delegation.model,
            ", ".join(role.name for role in platform.delegation.roles) or "the service's own roles",
            _ask_for(platform),
        )
        for platform in platforms
    )
    if not rows:
        return None
    return Table(("platform", "delegated access", "roles", "what to ask for"), rows)


def _ask_for(platform: Platform) -> str:
    """The role the catalogue recommends instead of a shared password, then its notes."""
    role = platform.delegation.request_role
    ask = f'Ask for "{role.name}". ' if role is not None else ""
    return ask + platform.delegation.notes


def _it_contacts(inventory: Inventory) -> list[Person]:
    return [p for p in inventory.people.values() if p.active and _IT_ROLE.search(p.role or "")]


def _hacked(inventory: Inventory, platforms: Sequence[Platform]) -> Section:
    contacts = ", ".join(_person(inventory, p.id) for p in _it_contacts(inventory))
    rules = (
        Rule(
            "Do not reply to the attacker, click links they send, or pay anything. Messages "
            "that claim to be from the platform during an incident are often the attack.",
            ("ncsc-hacked",),
        ),
        Rule(
            "Tell the account's owner (see the first table) and IT at once. Do not wait until "
            "you are sure.",
            ("nist-61", "cisa"),
        ),
        Rule(
            "Do not delete anything yet: take screenshots of the posts, messages and settings "
            "you see. IT opens a breach record and follows the checklist, which secures the "
            "recovery mailbox first, resets the password from a clean device and signs out "
            "every session.",
            ("nist-61", "ncsc-hacked"),
        ),
    )
    recovery = tuple(
        (platform.display_name, platform.recovery_url or "the service's own help pages")
        for platform in platforms
    )
    return Section(
        title="If an account looks hacked",
        intro="Posts you did not write, a password that stopped working, or a login alert you "
        "do not recognise: act in this order.",
        rules=rules,
        table=Table(("platform", "official recovery page"), recovery),
        note=f"IT: {contacts}." if contacts else "",
    )


def _personal(inventory: Inventory) -> Section:
    org = inventory.organization.name
    rules = (
        Rule(
            f"When you post about {org}'s products or services on your own accounts, say that "
            'you work here, in the post itself and in plain words ("I work for ...", '
            '"#employee").',
            ("ftc", "ftc-faq"),
        ),
        Rule(
            "Never share confidential or unreleased information: products, launches, prices "
            "or dates are secret until the company publishes them.",
            ("ncsc",),
        ),
        Rule(
            "Keep personal and company accounts apart: no company password or mailbox for a "
            "personal account, and a personal account administers a company one only through "
            "the platform's delegated roles.",
            ("ncsc", "cisa"),
        ),
    )
    return Section(
        title="Your personal accounts",
        intro="What you post yourself can still speak for the company.",
        rules=rules,
    )


def _leaving(inventory: Inventory) -> Section:
    org = inventory.organization.name
    rules = (
        Rule(
            f"Company accounts stay with {org}: before your last day, hand ownership of the "
            "accounts you own to the person IT names.",
            ("cis",),
        ),
        Rule(
            "On your last day your platform roles are removed, every password you knew is "
            "changed, and your email or phone is taken off any account's recovery settings.",
            ("cis", "nist-63b"),
        ),
        Rule(
            "Return company devices and security keys. The rules on confidential and "
            "unreleased information still apply after you leave.",
            ("cis",),
        ),
    )
    return Section(
        title="When you leave",
        intro="The same applies when an agency's contract ends.",
        rules=rules,
    )
