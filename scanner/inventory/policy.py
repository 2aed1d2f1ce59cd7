"""The written policy: defaults from NIST SP 800-63B-4 and CIS v8, overridable per tier."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from scanner.core.datafile import Key, Kind, Schema, load_data_file, shipped_path
from scanner.core.errors import InputError
from scanner.core.fields import Table
from scanner.core.model import Mfa, Tier
from scanner.core.tomlsource import TomlSource


@dataclass(frozen=True)
class Rules:
    """The policy in force for one tier."""

    min_length: int
    min_length_with_mfa: int
    min_strength: int
    blocklist: tuple[str, ...]
    max_password_age_days: int
    mfa_required: bool
    mfa_minimum: Mfa
    max_password_holders: int
    min_admins: int
    max_admins: int
    dormant_days: int
    policy_ack_max_age_days: int
    offboarding_max_days: int
    incident_max_days: int
    app_review_days: int
    leaving_notice_days: int
    max_full_control: int

    def min_length_for(self, mfa: Mfa) -> int:
        return self.min_length_with_mfa if mfa is not Mfa.NONE else self.min_length


RULE_KEYS = tuple(f.name for f in fields(Rules))


@dataclass(frozen=True)
class Policy:
    """Rules for each tier, after defaults, inventory overrides and a policy file."""

    tiers: Mapping[Tier, Rules]

    def for_tier(self, tier: Tier) -> Rules:
        return self.tiers[tier]

    def digest_material(self) -> str:
        """A canonical text of every rule, for cache keys that must change with the policy."""
        return repr(sorted((t.value, repr(r)) for t, r in self.tiers.items()))


def _read_overrides(table: Table, base: Rules) -> Rules:
    table.only(RULE_KEYS)
    changes: dict[str, Any] = {}
    for key in table.data:
        default = getattr(base, key)
        if isinstance(default, bool):
            changes[key] = table.boolean(key)
        elif isinstance(default, int):
            upper = 4 if key == "min_strength" else 100_000
            changes[key] = table.integer(key, maximum=upper)
        elif isinstance(default, Mfa):
            changes[key] = table.choice(key, Mfa)
        elif isinstance(default, tuple):
            changes[key] = table.strings(key)
    rules = replace(base, **changes)
    if rules.min_admins > rules.max_admins:
        raise table.error(
            "min_admins",
            f"min_admins ({rules.min_admins}) is above max_admins ({rules.max_admins})",
        )
    return rules


def _apply(table: Table, base: Mapping[Tier, Rules]) -> dict[Tier, Rules]:
    tiers_raw = table.data.get("tiers", {})
    top = Table(
        {k: v for k, v in table.data.items() if k != "tiers"}, table.source, table.line, table.label
    )
    tiers_table = Table(
        tiers_raw,
        table.source,
        table.source.table_line(f"{table.label}.tiers" if table.label else "tiers"),
        f"{table.label}.tiers".lstrip("."),
    )
    tiers_table.only(t.value for t in Tier)
    result: dict[Tier, Rules] = {}
    for tier, base_rules in base.items():
        rules = _read_overrides(top, base_rules)
        if tier.value in tiers_raw:
            label = f"{tiers_table.label}.{tier.value}"
            line = table.source.table_line(label)
            rules = _read_overrides(Table(tiers_raw[tier.value], table.source, line, label), rules)
        result[tier] = rules
    return result


def _rule_schema(required: bool) -> Schema:
    # Rules' annotations are strings (from __future__ import annotations).
    kinds = {"bool": Kind.BOOLEAN, "int": Kind.INTEGER, "Mfa": Kind.STRING}
    schema: dict[str, Key] = {}
    for rule in fields(Rules):
        kind = kinds.get(str(rule.type), Kind.STRINGS)
        choices = tuple(m.value for m in Mfa) if kind is Kind.STRING else ()
        schema[rule.name] = Key(kind, required=required, choices=choices, maximum=100_000)
    return schema


# policy.toml: every rule at the top level, and per-tier overrides under [tiers.TIER].
POLICY_SCHEMA: Schema = {
    **_rule_schema(required=True),
    "tiers": Key(
        Kind.TABLE,
        fields={t.value: Key(Kind.TABLE, fields=_rule_schema(required=False)) for t in Tier},
    ),
}


def _typed(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (Mfa(v) if k == "mfa_minimum" else tuple(v) if isinstance(v, list) else v)
        for k, v in values.items()
    }


@functools.cache
def _defaults() -> Mapping[Tier, Rules]:
    source = load_data_file(shipped_path("data/policy.toml"), POLICY_SCHEMA, "policy defaults")
    data = dict(source.data)
    tier_data = data.pop("tiers", {})
    base = Rules(**_typed(data))
    return {tier: replace(base, **_typed(tier_data.get(tier.value, {}))) for tier in Tier}


def load_policy(inventory_policy: Table | None, policy_file: Path | None = None) -> Policy:
    """Defaults, then the inventory's [policy] table, then `policy_file`'s [policy] table."""
    tiers: Mapping[Tier, Rules] = _defaults()
    if inventory_policy is not None:
        tiers = _apply(inventory_policy, tiers)
    if policy_file is not None:
        source = TomlSource.read(policy_file, "policy file")
        root = Table(source.data, source, None, "")
        root.only(["policy"])
        if "policy" not in source.data:
            raise InputError("a policy file holds one [policy] table", path=policy_file)
        tiers = _apply(
            Table(source.data["policy"], source, source.table_line("policy"), "policy"), tiers
        )
    return Policy(tiers)
