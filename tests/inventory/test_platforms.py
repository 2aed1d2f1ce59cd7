"""The platform catalogue is complete data with sources."""

from __future__ import annotations

import pytest

from scanner.core.model import Mfa
from scanner.inventory.platforms import catalogue

REQUIRED = {"x", "facebook", "instagram", "linkedin", "youtube", "tiktok", "other"}


def test_catalogue_has_every_required_platform():
    assert set(catalogue()) >= REQUIRED


@pytest.mark.parametrize("platform_id", sorted(REQUIRED - {"other"}))
def test_social_platform_has_urls_methods_delegation_and_password_rules(platform_id):
    platform = catalogue()[platform_id]
    for url in (
        platform.login_url,
        platform.recovery_url,
        platform.mfa_source,
        platform.delegation.source,
        platform.password.source,
    ):
        assert url and url.startswith("https://"), (platform_id, url)
    assert platform.mfa_methods
    assert Mfa.NONE not in platform.mfa_methods
    assert platform.delegation.roles
    rules = platform.password
    assert rules.min_length <= rules.generate_length <= rules.max_length


def test_strongest_method_is_reported():
    assert catalogue()["x"].strongest_mfa is Mfa.FIDO2
    assert catalogue()["instagram"].strongest_mfa is Mfa.TOTP
