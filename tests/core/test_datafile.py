"""Every shipped data file loads through the one validated path (scanner.core.datafile):
runbook, policy defaults and demo data, like the platform files, refuse unknown keys and wrong
types with one line naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.breach.runbook import RUNBOOK_SCHEMA, load_runbook
from scanner.core.datafile import Schema, load_data_file
from scanner.core.errors import InputError
from scanner.inventory.policy import POLICY_SCHEMA, load_policy
from scanner.vault.demo import DEMO_SCHEMA, demo_data

DATA = Path(__file__).resolve().parents[2] / "scanner" / "data"
SHIPPED: list[tuple[str, Schema]] = [
    ("runbook.toml", RUNBOOK_SCHEMA),
    ("policy.toml", POLICY_SCHEMA),
    ("demo_vault.toml", DEMO_SCHEMA),
]


def test_the_shipped_files_load():
    assert load_runbook().steps
    assert load_policy(None).tiers
    assert demo_data()["entries"]


@pytest.mark.parametrize(("name", "schema"), SHIPPED, ids=[n for n, _ in SHIPPED])
def test_each_shipped_file_passes_its_schema(name: str, schema: Schema):
    load_data_file(DATA / name, schema, name)


def _copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (DATA / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if fragment in line)


@pytest.mark.parametrize(
    ("name", "schema", "old", "new", "fragment", "field", "message"),
    [
        (
            "runbook.toml",
            RUNBOOK_SCHEMA,
            'id = "secure-mailbox"',
            'id = "secure-mailbox"\nrequird = false',
            "requird",
            "steps[0].requird",
            'unknown key (did you mean "required"?)',
        ),
        (
            "runbook.toml",
            RUNBOOK_SCHEMA,
            'totp = "an authenticator app"',
            "totp = 4",
            "totp = 4",
            "mfa_names.totp",
            "must be a string, not a number",
        ),
        (
            "policy.toml",
            POLICY_SCHEMA,
            "min_length = 15 ",
            'min_length = "15"',
            'min_length = "15"',
            "min_length",
            "must be a whole number, not a string",
        ),
        (
            "policy.toml",
            POLICY_SCHEMA,
            "[tiers.critical]\n",
            '[tiers.critical]\nmfa_minumum = "totp"\n',
            "mfa_minumum",
            "tiers.critical.mfa_minumum",
            'unknown key (did you mean "mfa_minimum"?)',
        ),
        (
            "demo_vault.toml",
            DEMO_SCHEMA,
            "set_on = 2026-10-01",
            'set_on = "2026-10-01"',
            'set_on = "2026-10-01"',
            "entries[0].set_on",
            "must be a TOML date such as 2026-01-31, not a string",
        ),
    ],
)
def test_a_broken_copy_gives_one_line_with_file_line_and_key(
    tmp_path: Path,
    name: str,
    schema: Schema,
    old: str,
    new: str,
    fragment: str,
    field: str,
    message: str,
):
    path = _copy(tmp_path, name, old, new)
    with pytest.raises(InputError) as caught:
        load_data_file(path, schema, name)
    assert str(caught.value) == f"{path}:{_line(path, fragment)}: {field}: {message}"
