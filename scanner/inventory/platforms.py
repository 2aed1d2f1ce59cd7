"""The platform catalogue: one TOML data file per platform under `scanner/data/platforms/`."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from scanner.core.model import Mfa

# The entry for any service the catalogue does not describe.
OTHER = "other"


@dataclass(frozen=True)
class PasswordRules:
    """What the platform accepts, so `vault rotate` generates a password it will take."""

    min_length: int
    max_length: int
    generate_length: int
    symbols: str
    source: str


@dataclass(frozen=True)
class Delegation:
    """How the platform lets people act for the business without sharing the login."""

    model: str
    roles: tuple[str, ...]
    notes: str
    source: str


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
    login_url: str | None
    security_url: str | None
    recovery_url: str | None
    mfa_methods: tuple[Mfa, ...]
    mfa_source: str | None
    delegation: Delegation
    password: PasswordRules
    runbook: tuple[PlatformStep, ...]

    @property
    def strongest_mfa(self) -> Mfa:
        return max(self.mfa_methods, key=lambda m: m.strength, default=Mfa.NONE)

    def offers(self, method: Mfa) -> bool:
        return method in self.mfa_methods

    def meets_minimum(self, method: Mfa, minimum: Mfa) -> bool:
        """The one rule for "is this second factor strong enough": at least `minimum`, or the
        strongest this platform offers when it offers nothing that strong; SMS and email never."""
        if method in (Mfa.NONE, Mfa.SMS, Mfa.EMAIL):
            return False
        return method.strength >= minimum.strength or method is self.strongest_mfa


def _platform(data: Mapping[str, Any]) -> Platform:
    delegation = data.get("delegation", {})
    password = data["password"]
    return Platform(
        id=data["id"],
        display_name=data["display_name"],
        login_url=data.get("login_url"),
        security_url=data.get("security_url"),
        recovery_url=data.get("recovery_url"),
        mfa_methods=tuple(Mfa(m) for m in data.get("mfa_methods", [])),
        mfa_source=data.get("mfa_source"),
        delegation=Delegation(
            model=delegation.get("model", ""),
            roles=tuple(delegation.get("roles", [])),
            notes=delegation.get("notes", ""),
            source=delegation.get("source", ""),
        ),
        password=PasswordRules(
            min_length=password["min_length"],
            max_length=password["max_length"],
            generate_length=password["generate_length"],
            symbols=password.get("symbols", ""),
            source=password.get("source", ""),
        ),
        runbook=tuple(
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
            for step in data.get("runbook", [])
        ),
    )


@functools.cache
def catalogue() -> Mapping[str, Platform]:
    """Every catalogued platform by id (`x`, `facebook`, ..., `other`)."""
    folder = resources.files("scanner").joinpath("data/platforms")
    platforms = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            platform = _platform(tomllib.loads(entry.read_text("utf-8")))
            platforms[platform.id] = platform
    return platforms


def platform_for(platform_id: str, platforms: Mapping[str, Platform] | None = None) -> Platform:
    """The entry for an account's `platform` in `platforms` (default: the shipped catalogue);
    `other` for anything not catalogued."""
    platforms = platforms or catalogue()
    return platforms.get(platform_id) or platforms[OTHER]


def platform_ids() -> frozenset[str]:
    return frozenset(catalogue())
