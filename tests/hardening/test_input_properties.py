"""Random and mutated suppression and policy files load or fail with PostureError on one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.core.errors import PostureError
from scanner.engine.suppressions import load_suppressions
from scanner.inventory.policy import RULE_KEYS, load_policy

SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

SUPPRESSIONS = """# accepted risks
[[suppression]]
check = "MFA-002"
accounts = ["newsletter", "x-main"]
reason = "Platform offers only SMS for brand pages"
owner = "it-security@acme.example"
expires = 2027-01-31

[[suppression]]
check = "GOV-*"
accounts = ['youtube-channel']
reason = '''Trademark filing in progress'''
owner = "legal@acme.example"
expires = 2026-12-31
"""

POLICY = """# stricter than the defaults
[policy]
min_length = 16
min_strength = 3
blocklist = ["acme", "rocket"]
mfa_required = true
mfa_minimum = "totp"
max_password_holders = 1

[policy.tiers.critical]
mfa_minimum = "fido2"
min_admins = 2
max_admins = 4

[policy.tiers.low]
dormant_days = 90
"""

SUPPRESSION_LINES = SUPPRESSIONS.splitlines(keepends=True)
POLICY_LINES = POLICY.splitlines(keepends=True)

scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
    ),
    max_leaves=6,
)


def loads_or_fails_on_one_line(load: Any, path: Path) -> None:
    """`load(path)` either returns or raises PostureError with a non-empty single line."""
    try:
        load(path)
    except PostureError as exc:
        message = str(exc)
        assert message
        assert "\n" not in message and "\r" not in message
        assert str(path) in message, "the error names the file"


def load_policy_file(path: Path) -> object:
    return load_policy(None, path)


def mutate(lines: list[str], cuts: list[int], dupes: list[int], junk: str, at: int) -> str:
    lines = list(lines)
    for index in dupes:
        lines.insert(index % len(lines), lines[index % len(lines)])
    for index in sorted(set(cuts), reverse=True):
        if index < len(lines):
            del lines[index]
    lines.insert(min(at, len(lines)), junk + "\n")
    return "".join(lines)


def write_text(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    return path


mutations = {
    "cuts": st.lists(st.integers(min_value=0, max_value=20), max_size=4),
    "dupes": st.lists(st.integers(min_value=0, max_value=20), max_size=3),
    "junk": st.text(max_size=30),
    "at": st.integers(min_value=0, max_value=25),
}


def test_the_templates_themselves_load(tmp_path: Path) -> None:
    assert len(load_suppressions(write_text(tmp_path / "s.toml", SUPPRESSIONS)).entries) == 2
    load_policy_file(write_text(tmp_path / "p.toml", POLICY))


@SETTINGS
@given(**mutations)
def test_mutated_suppressions_file_loads_or_fails_on_one_line(tmp_path, cuts, dupes, junk, at):
    path = write_text(tmp_path / "s.toml", mutate(SUPPRESSION_LINES, cuts, dupes, junk, at))
    loads_or_fails_on_one_line(load_suppressions, path)


@SETTINGS
@given(**mutations)
def test_mutated_policy_file_loads_or_fails_on_one_line(tmp_path, cuts, dupes, junk, at):
    path = write_text(tmp_path / "p.toml", mutate(POLICY_LINES, cuts, dupes, junk, at))
    loads_or_fails_on_one_line(load_policy_file, path)


@SETTINGS
@given(
    key=st.sampled_from(["check", "accounts", "reason", "owner", "expires", "extra", "Check"]),
    value=values,
    index=st.integers(min_value=0, max_value=1),
)
def test_random_suppression_field_values_load_or_fail_on_one_line(tmp_path, key, value, index):
    entries: list[dict[str, Any]] = [
        {
            "check": "MFA-002",
            "accounts": ["newsletter"],
            "reason": "r",
            "owner": "o",
            "expires": dt.date(2027, 1, 31),
        }
        for _ in range(2)
    ]
    entries[index][key] = value
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps({"suppression": entries}), encoding="utf-8")
    loads_or_fails_on_one_line(load_suppressions, path)


@SETTINGS
@given(
    key=st.sampled_from([*RULE_KEYS, "tiers", "min_lenght"]),
    value=values,
    tier=st.sampled_from([None, "critical", "standard", "low", "Critical", "gold"]),
)
def test_random_policy_values_load_or_fail_on_one_line(tmp_path, key, value, tier):
    policy: dict[str, Any] = {"min_length": 12}
    if tier is None:
        policy[key] = value
    else:
        policy["tiers"] = {tier: {key: value}}
    path = tmp_path / "p.toml"
    path.write_text(tomli_w.dumps({"policy": policy}), encoding="utf-8")
    loads_or_fails_on_one_line(load_policy_file, path)


@SETTINGS
@given(document=st.dictionaries(st.text(min_size=1, max_size=10), values, max_size=4))
def test_random_toml_documents_as_either_file_load_or_fail_on_one_line(tmp_path, document):
    path = tmp_path / "doc.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    loads_or_fails_on_one_line(load_suppressions, path)
    loads_or_fails_on_one_line(load_policy_file, path)


@pytest.mark.slow
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400), keep=st.integers(min_value=0, max_value=len(SUPPRESSIONS)))
def test_random_bytes_spliced_into_either_file_load_or_fail_on_one_line(tmp_path, data, keep):
    for name, template, load in (
        ("s.toml", SUPPRESSIONS, load_suppressions),
        ("p.toml", POLICY, load_policy_file),
    ):
        raw = template.encode("utf-8")
        path = tmp_path / name
        path.write_bytes(raw[:keep] + data + raw[keep:])
        loads_or_fails_on_one_line(load, path)
