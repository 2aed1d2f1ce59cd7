"""Random and mutated inventories and policies load or fail with the project's own error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.core.errors import PostureError
from scanner.inventory.accounts import load_inventory
from scanner.inventory.policy import load_policy
from scanner.services.scan import load
from tests.conftest import EXAMPLE, clean_inventory

EXAMPLE_LINES = EXAMPLE.read_text().splitlines(keepends=True)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

toml_scalars = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.lists(st.text(max_size=8), max_size=3),
)


def load_or_posture_error(path: Path) -> None:
    message = None
    try:
        inventory = load(path)
        load_policy(inventory.policy_table)
    except PostureError as exc:
        message = str(exc)
    if message is not None:
        assert message
        assert "\n" not in message


@SETTINGS
@given(
    cuts=st.lists(st.integers(min_value=0, max_value=len(EXAMPLE_LINES) - 1), max_size=4),
    dupes=st.lists(st.integers(min_value=0, max_value=len(EXAMPLE_LINES) - 1), max_size=3),
    junk=st.text(max_size=30),
    at=st.integers(min_value=0, max_value=len(EXAMPLE_LINES)),
)
def test_mutated_example_loads_or_fails_cleanly(tmp_path, cuts, dupes, junk, at):
    lines = list(EXAMPLE_LINES)
    for index in dupes:
        lines.insert(index, lines[index])
    for index in sorted(set(cuts), reverse=True):
        if index < len(lines):
            del lines[index]
    lines.insert(min(at, len(lines)), junk + "\n")
    path = tmp_path / "inv.toml"
    path.write_text("".join(lines), encoding="utf-8", errors="surrogatepass")
    load_or_posture_error(path)


@SETTINGS
@given(
    section=st.sampled_from(["organization", "people", "agencies", "accounts", "policy"]),
    key=st.text(min_size=1, max_size=20),
    value=toml_scalars,
)
def test_random_field_values_load_or_fail_cleanly(tmp_path, section, key, value):
    data = clean_inventory()
    target = data.setdefault(section, {})
    if isinstance(target, list):
        target = target[0]
    target[key] = value
    path = tmp_path / "inv.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    load_or_posture_error(path)


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_random_bytes_fail_cleanly(tmp_path, raw):
    path = tmp_path / "inv.toml"
    path.write_bytes(raw)
    with pytest.raises(PostureError):
        load_inventory(path)


@SETTINGS
@given(
    overrides=st.dictionaries(
        st.sampled_from(
            [
                "min_length",
                "min_strength",
                "mfa_minimum",
                "mfa_required",
                "blocklist",
                "max_admins",
                "min_admins",
                "dormant_days",
                "tiers",
                "bogus",
            ]
        ),
        toml_scalars,
        max_size=4,
    )
)
def test_random_policy_tables_load_or_fail_cleanly(tmp_path, overrides):
    data = clean_inventory()
    data["policy"] = overrides
    path = tmp_path / "inv.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    load_or_posture_error(path)


def test_deeply_nested_toml_is_refused_cleanly(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(PostureError):
        load_inventory(path)


@pytest.mark.slow
def test_inventory_of_20000_accounts_loads_with_exact_line_numbers(tmp_path):
    # 100,000 accounts load and scan in tests/hardening/test_large_inventory.py (a whole
    # process); here, in process, the line numbers stay exact deep into a large file.
    head = (
        '[organization]\nname = "Big"\ndomains = ["big.example"]\n[[people]]\nid = "p"\n'
        'name = "P"\n'
    )
    body = "".join(
        f'[[accounts]]\nid = "a{i}"\nplatform = "x"\nregistered_to = "company"\nmfa = "totp"\n'
        for i in range(20_000)
    )
    path = tmp_path / "big.toml"
    path.write_text(head + body)
    inventory = load_inventory(path)
    assert len(inventory.accounts) == 20_000
    assert inventory.accounts[-1].line == 7 + 5 * 19_999
