"""Every registered check is fully described, so none can ship half-documented."""

from __future__ import annotations

import re

import pytest

import checks
from scanner.engine.check import FAMILIES

IMPLEMENTED = {
    "MFA-001",
    "MFA-002",
    "OWN-001",
    "OWN-002",
    "OWN-003",
    "OWN-004",
    "ACC-001",
    "ACC-002",
    "ACC-004",
    "ACC-005",
    "GOV-001",
    "GOV-002",
}


def test_foundation_checks_are_registered():
    assert {c.id for c in checks.all_checks()} >= IMPLEMENTED


@pytest.mark.parametrize("check", checks.all_checks(), ids=lambda c: c.id)
def test_check_metadata_is_complete(check):
    assert re.fullmatch(r"(PWD|MFA|OWN|ACC|GOV|INC|VLT)-\d{3}", check.id)
    assert check.family == FAMILIES[check.id[:3]]
    assert 5 <= len(check.title) <= 60 and not check.title.endswith(".")
    assert len(check.rationale) >= 60, "say why it matters"
    assert len(check.remediation) >= 40, "say how to fix it"
    assert check.references, "cite NIST/CIS/platform sources"
    assert check.help_uri.startswith("https://"), "one reference must be a URL"
    assert check.function.__doc__ is None or check.function.__doc__.strip()


def test_selection_by_ids_and_globs():
    assert [c.id for c in checks.select(["mfa-001"])] == ["MFA-001"]
    assert {c.id for c in checks.select(["OWN-*"])} >= {"OWN-001", "OWN-004"}
    assert "GOV-002" not in {c.id for c in checks.select([], ["GOV-*"])}
