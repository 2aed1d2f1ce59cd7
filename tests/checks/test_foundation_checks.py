"""PASS and FAIL for each check that needs no secrets."""

from __future__ import annotations

import datetime as dt

from scanner.core.model import Severity, Status, Tier
from scanner.engine.check import FAMILIES  # noqa: F401 - importing registers nothing extra
from tests.checks.helpers import assert_fail, assert_pass, verdict
from tests.conftest import clean_inventory

# ---- MFA-001


def test_mfa001_passes_with_a_second_factor(tmp_path):
    assert_pass(verdict(tmp_path, "MFA-001"))


def test_mfa001_fails_without_one_and_names_what_the_platform_offers(tmp_path):
    result = verdict(tmp_path, "MFA-001", mfa="none")
    assert_fail(result, "no second factor", "X (Twitter) offers fido2")


def test_mfa001_passes_when_policy_does_not_require_mfa(tmp_path):
    data = clean_inventory()
    data["policy"] = {"mfa_required": False}
    assert_pass(verdict(tmp_path, "MFA-001", data, mfa="none"))


# ---- MFA-002


def test_mfa002_passes_at_the_tier_minimum(tmp_path):
    assert_pass(verdict(tmp_path, "MFA-002", mfa="totp"))


def test_mfa002_fails_sms_and_says_stronger_is_offered(tmp_path):
    assert_fail(verdict(tmp_path, "MFA-002", mfa="sms"), "sms", "X (Twitter) offers fido2, totp")


def test_mfa002_email_never_meets_the_minimum_even_when_policy_allows(tmp_path):
    data = clean_inventory()
    data["policy"] = {"mfa_minimum": "email"}
    assert_fail(verdict(tmp_path, "MFA-002", data, platform="other", mfa="email"))


def test_mfa002_critical_tier_wants_fido2_when_offered(tmp_path):
    assert_fail(verdict(tmp_path, "MFA-002", tier="critical", mfa="totp"), "fido2")
    assert_pass(verdict(tmp_path, "MFA-002", tier="critical", mfa="fido2"))


def test_mfa002_passes_the_strongest_method_a_platform_offers(tmp_path):
    # Instagram offers no security keys: TOTP is the best a critical account can do there.
    result = verdict(tmp_path, "MFA-002", platform="instagram", tier="critical", mfa="totp")
    assert_pass(result)
    assert "strongest method Instagram offers" in result.message


def test_mfa002_sms_on_a_private_phone_is_one_step_worse(tmp_path):
    company = verdict(tmp_path, "MFA-002", mfa="sms")
    private = verdict(tmp_path, "MFA-002", mfa="sms", recovery_phone_holder="employee")
    assert company.severity_shift == 0
    assert private.severity_shift == 1
    assert "not company-held" in private.message


def test_mfa002_is_skipped_without_any_second_factor(tmp_path):
    assert verdict(tmp_path, "MFA-002", mfa="none").status is Status.SKIPPED


# ---- OWN-001..004


def test_own001(tmp_path):
    assert_pass(verdict(tmp_path, "OWN-001"))
    assert_fail(verdict(tmp_path, "OWN-001", registered_to="agency"), "agency")
    assert_fail(verdict(tmp_path, "OWN-001", registered_to="employee"), "employee")


def test_own002_company_channels_pass(tmp_path):
    assert_pass(verdict(tmp_path, "OWN-002"))


def test_own002_outside_login_email_fails(tmp_path):
    assert_fail(
        verdict(tmp_path, "OWN-002", login_email="me@gmail.example"),
        "me@gmail.example is outside test.example",
    )


def test_own002_recovery_email_and_private_phone_fail(tmp_path):
    result = verdict(
        tmp_path, "OWN-002", recovery_email="me@gmail.example", recovery_phone_holder="employee"
    )
    assert_fail(result, "recovery email", "recovery phone held by employee")


def test_own002_subdomain_counts_as_company(tmp_path):
    assert_pass(verdict(tmp_path, "OWN-002", login_email="social@mail.test.example"))


def test_own003(tmp_path):
    assert_pass(verdict(tmp_path, "OWN-003"))
    assert_fail(verdict(tmp_path, "OWN-003", admins=["ana"]), "1 active company admin")
    # an agency is not a company admin
    assert_fail(verdict(tmp_path, "OWN-003", admins=["ana", "agency:ag"]))


def test_own004(tmp_path):
    assert_pass(verdict(tmp_path, "OWN-004"))
    data = clean_inventory()
    del data["accounts"][0]["owner"]
    assert_fail(verdict(tmp_path, "OWN-004", data), "no owner")
    data = clean_inventory()
    data["people"][0].update(status="departed", departed_on=dt.date(2026, 2, 1))
    assert_fail(verdict(tmp_path, "OWN-004", data), "Ana Admin departed on 2026-02-01")


# ---- ACC-001, 002, 004, 005


def test_acc001(tmp_path):
    assert_pass(verdict(tmp_path, "ACC-001"))
    result = verdict(tmp_path, "ACC-001", password_known_by=["ana", "agency:ag"])
    assert_fail(result, "known by 2", "Agency Ltd")


def test_acc002_departed_admin(tmp_path):
    assert_pass(verdict(tmp_path, "ACC-002"))
    data = clean_inventory()
    data["people"][1].update(status="departed", departed_on=dt.date(2026, 2, 1))
    assert_fail(verdict(tmp_path, "ACC-002", data), "Ben Backup")


def test_acc002_ended_agency(tmp_path):
    data = clean_inventory()
    data["agencies"][0]["contract_ends"] = dt.date(2026, 10, 31)
    assert_fail(verdict(tmp_path, "ACC-002", data, password_known_by=["agency:ag"]), "Agency Ltd")


def test_acc004(tmp_path):
    assert_pass(verdict(tmp_path, "ACC-004"))
    data = clean_inventory()
    data["policy"] = {"max_admins": 2, "min_admins": 1}
    assert_fail(verdict(tmp_path, "ACC-004", data, admins=["ana", "ben", "agency:ag"]), "3 admins")


def test_acc005(tmp_path):
    assert_pass(verdict(tmp_path, "ACC-005"))
    assert_fail(
        verdict(tmp_path, "ACC-005", last_activity=dt.date(2026, 9, 1)), "no activity for 83 days"
    )
    data = clean_inventory()
    del data["accounts"][0]["last_activity"]
    assert verdict(tmp_path, "ACC-005", data).status is Status.SKIPPED


# ---- GOV-001, 002


def test_gov001(tmp_path):
    assert_pass(verdict(tmp_path, "GOV-001"))
    data = clean_inventory()
    del data["people"][1]["policy_acknowledged"]
    assert_fail(verdict(tmp_path, "GOV-001", data), "Ben Backup (never)")
    data = clean_inventory()
    data["people"][0]["policy_acknowledged"] = dt.date(2025, 1, 1)
    assert_fail(verdict(tmp_path, "GOV-001", data), "Ana Admin (2025-01-01)")


def test_gov001_ignores_leavers_which_acc002_reports(tmp_path):
    data = clean_inventory()
    data["people"][1].update(status="departed", departed_on=dt.date(2026, 2, 1))
    del data["people"][1]["policy_acknowledged"]
    assert_pass(verdict(tmp_path, "GOV-001", data))


def test_gov002(tmp_path):
    assert_pass(verdict(tmp_path, "GOV-002"))
    assert_fail(verdict(tmp_path, "GOV-002", trademark_registered=False), "@testco")
    assert_pass(verdict(tmp_path, "GOV-002", handle="@support-desk", trademark_registered=False))


# ---- tier scaling


def test_severity_scales_with_tier():
    import checks

    own001 = checks.get("OWN-001")
    assert own001 is not None
    assert own001.severity_for(Tier.STANDARD) is Severity.HIGH
    assert own001.severity_for(Tier.CRITICAL) is Severity.CRITICAL
    assert own001.severity_for(Tier.LOW) is Severity.MEDIUM
    gov002 = checks.get("GOV-002")
    assert gov002 is not None
    assert gov002.severity_for(Tier.CRITICAL) is Severity.LOW
