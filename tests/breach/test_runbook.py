"""The runbook data and the checklist tailored from it for one account."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from scanner.breach.runbook import (
    ROTATE_STEP,
    Checklist,
    Origin,
    PasswordLikeness,
    SharedPassword,
    find_step,
    load_runbook,
    parse_runbook,
    tailor_checklist,
)
from scanner.core.errors import InputError, StateError
from scanner.inventory.accounts import Inventory
from scanner.inventory.platforms import PlatformStep, catalogue
from tests.breach.conftest import TODAY


def _raw() -> dict[str, Any]:
    text = resources.files("scanner").joinpath("data/runbook.toml").read_text("utf-8")
    return tomllib.loads(text)


def _ids(checklist: Checklist) -> list[str]:
    return [s.id for s in checklist.steps]


def test_runbook_has_the_five_phases_in_order():
    assert load_runbook().phase_ids() == ("contain", "eradicate", "recover", "notify", "learn")


def test_every_generic_step_says_why_and_cites_a_source_url():
    runbook = load_runbook()
    for step in runbook.steps:
        assert step.why.strip(), step.id
        assert runbook.sources[step.source].url.startswith("https://"), step.id


def test_runbook_covers_every_step_the_issue_requires():
    ids = {s.id for s in load_runbook().steps}
    assert {
        "secure-mailbox",
        "rotate-password",
        "sign-out-sessions",
        "revoke-apps",
        "remove-unknown-admins",
        "pause-ads",
        "restore-recovery-channels",
        "reenrol-mfa",
        "change-reused-passwords",
        "record-evidence",
        "remove-attacker-content",
        "check-confidential-exposure",
        "report-to-platform",
        "tell-followers",
        "brief-legal-hr",
        "post-incident-review",
        "update-inventory-policy",
    } <= ids


def test_runbook_rejects_an_unknown_placeholder():
    data = _raw()
    data["steps"][0]["title"] = "Secure {mailbox}"
    with pytest.raises(InputError, match=r"steps\[0\]\.title: unknown placeholder \{mailbox\}"):
        parse_runbook(data)


def test_runbook_rejects_a_duplicate_step_id():
    data = _raw()
    data["steps"].append(dict(data["steps"][0]))
    with pytest.raises(InputError, match='duplicate step id "secure-mailbox"'):
        parse_runbook(data)


def test_runbook_must_keep_the_rotate_step_the_vault_ticks():
    data = _raw()
    data["steps"] = [s for s in data["steps"] if s["id"] != ROTATE_STEP]
    with pytest.raises(InputError, match='must keep step "rotate-password"'):
        parse_runbook(data)


def test_runbook_rejects_an_unknown_source():
    data = _raw()
    data["steps"][1]["source"] = "blog"
    with pytest.raises(InputError, match=r'steps\[1\]\.source: unknown source "blog"'):
        parse_runbook(data)


def test_recovery_mailbox_in_the_inventory_comes_first(inventory: Inventory):
    checklist = tailor_checklist(inventory, inventory.account("x-main"), today=TODAY)
    first = checklist.steps[0]
    assert first.id == "mailbox:social-mailbox"
    assert first.phase == "contain"
    assert first.origin is Origin.INVENTORY
    assert "social-mailbox" in first.title
    assert "login" in first.title
    assert first.command == "posture breach checklist social-mailbox"


def test_accounts_that_merely_log_in_with_the_mailbox_are_not_taken_for_it(inventory: Inventory):
    # facebook-page and instagram-main also log in with social@acme.example; they are not mailboxes.
    ids = _ids(tailor_checklist(inventory, inventory.account("x-main"), today=TODAY))
    assert [i for i in ids if i.startswith("mailbox:")] == ["mailbox:social-mailbox"]


def test_mailbox_tagged_account_matches_by_login_email(inventory: Inventory):
    mailbox = dataclasses.replace(inventory.account("social-mailbox"), handle="Social mailbox")
    accounts = tuple(mailbox if a.id == mailbox.id else a for a in inventory.accounts)
    changed = dataclasses.replace(inventory, accounts=accounts)
    checklist = tailor_checklist(changed, changed.account("x-main"), today=TODAY)
    assert checklist.steps[0].id == "mailbox:social-mailbox"
    assert "(social@acme.example)" in checklist.steps[0].title


def test_no_mailbox_step_when_the_mailbox_is_not_in_the_inventory(inventory: Inventory):
    checklist = tailor_checklist(inventory, inventory.account("tiktok-brand"), today=TODAY)
    assert not any(i.startswith("mailbox:") for i in _ids(checklist))
    # The agency's addresses are not the company's to secure: each gets a "replace" step.
    assert "(none at the company)" in checklist.steps[0].title
    steps = {s.id: s.title for s in checklist.steps}
    assert "Replace the login address acme@brightsocial.example" in steps["replace-login-email"]
    assert (
        "Replace the recovery address ops@brightsocial.example" in steps["replace-recovery-email"]
    )


def test_shared_password_shows_the_other_account_by_name(inventory: Inventory):
    checklist = tailor_checklist(
        inventory,
        inventory.account("x-main"),
        shared_with=[
            SharedPassword("facebook-page", PasswordLikeness.SAME),
            SharedPassword("newsletter", PasswordLikeness.SIMILAR),
        ],
        today=TODAY,
    )
    ids = _ids(checklist)
    at = ids.index(ROTATE_STEP)
    assert ids[at + 1 : at + 3] == ["rotate:facebook-page", "rotate:newsletter"]
    same = checklist.step("rotate:facebook-page")
    similar = checklist.step("rotate:newsletter")
    assert same is not None
    assert similar is not None
    assert "facebook-page (Acme Outdoor)" in same.title
    assert "same password" in same.title
    assert "Acme newsletter (mail platform)" in similar.title
    assert "nearly identical password" in similar.title
    assert same.command == "posture vault rotate facebook-page"
    assert same.required
    assert same.phase == "contain"
    assert same.origin is Origin.VAULT


def test_shared_password_with_an_account_outside_the_inventory_keeps_its_id(inventory: Inventory):
    checklist = tailor_checklist(
        inventory,
        inventory.account("x-main"),
        shared_with=[SharedPassword("old-blog", PasswordLikeness.SAME)],
        today=TODAY,
    )
    step = checklist.step("rotate:old-blog")
    assert step is not None
    assert "old-blog" in step.title


def test_no_shared_steps_without_vault_input(inventory: Inventory):
    ids = _ids(tailor_checklist(inventory, inventory.account("x-main"), today=TODAY))
    assert not any(i.startswith("rotate:") for i in ids)


def test_people_and_agencies_who_hold_the_login_are_named(inventory: Inventory):
    checklist = tailor_checklist(inventory, inventory.account("tiktok-brand"), today=TODAY)
    checks = {s.id: s.title for s in checklist.steps if s.id.startswith("check:")}
    assert set(checks) == {"check:lee", "check:sam", "check:agency:brightsocial"}
    assert "Lee Chen (owner, admin, knows the password)" in checks["check:lee"]
    assert "Sam Okafor (knows the password)" in checks["check:sam"]
    assert "Bright Social Ltd (admin, knows the password)" in checks["check:agency:brightsocial"]


def test_departed_person_still_listed_gets_a_removal_step_not_a_briefing(inventory: Inventory):
    checklist = tailor_checklist(inventory, inventory.account("x-support"), today=TODAY)
    ids = _ids(checklist)
    assert "remove:alex" in ids
    assert "check:alex" not in ids
    step = checklist.step("remove:alex")
    assert step is not None
    assert "Alex Moreau (left 2026-08-15; knows the password)" in step.title
    assert "only admin" not in step.title  # tom and priya remain admins


def test_sole_departed_admin_needs_a_replacement_first(inventory: Inventory):
    step = tailor_checklist(inventory, inventory.account("linkedin-page"), today=TODAY).step(
        "remove:jordan"
    )
    assert step is not None
    assert "Jordan Blake (left 2026-03-31; owner, admin, knows the password)" in step.title
    assert "Appoint a company-held admin first" in step.title


def test_agency_whose_contract_ended_gets_a_removal_step(inventory: Inventory):
    later = dt.date(2027, 7, 1)
    checklist = tailor_checklist(inventory, inventory.account("facebook-page"), today=later)
    step = checklist.step("remove:agency:brightsocial")
    assert step is not None
    assert "Bright Social Ltd (contract ended 2027-06-30" in step.title
    assert checklist.step("check:agency:brightsocial") is None


def test_every_checklist_has_the_rotate_step_with_the_vault_command(inventory: Inventory):
    for account in inventory.accounts:
        step = tailor_checklist(inventory, account, today=TODAY).step(ROTATE_STEP)
        assert step is not None
        assert step.required
        assert step.command == f"posture vault rotate {account.id}"


def test_derived_steps_sit_in_their_phases_in_phase_order(inventory: Inventory):
    checklist = tailor_checklist(inventory, inventory.account("linkedin-page"), today=TODAY)
    order = [p.id for p in checklist.phases]
    ranks = [order.index(s.phase) for s in checklist.steps]
    assert ranks == sorted(ranks)
    assert checklist.step("remove:jordan").phase == "eradicate"  # type: ignore[union-attr]


@pytest.mark.parametrize("platform_id", sorted(catalogue()))
def test_platform_steps_are_placed_for_each_catalogued_platform(
    inventory: Inventory, platform_id: str
):
    platform = catalogue()[platform_id]
    assert platform.runbook, f"{platform_id} has no breach steps"
    # An account of the example on that platform, or the first one moved onto it.
    account = next(
        (a for a in inventory.accounts if a.platform == platform_id),
        dataclasses.replace(inventory.accounts[0], platform=platform_id),
    )
    checklist = tailor_checklist(inventory, account, today=TODAY)
    ids = _ids(checklist)
    for step in platform.runbook:
        assert step.id in ids
        placed = checklist.step(step.id)
        assert placed is not None
        assert placed.origin is Origin.PLATFORM
        assert placed.phase == step.phase
        if step.after:
            assert ids.index(step.after) < ids.index(step.id)
        if step.replaces:
            assert step.replaces not in ids
        if step.url:
            assert step.url.startswith("https://")
            assert placed.url == step.url
    if platform.recovery_url:
        assert platform.recovery_url in {s.url for s in checklist.steps}
    mfa = checklist.step("reenrol-mfa")
    assert mfa is not None
    assert platform.display_name in mfa.title
    assert load_runbook().mfa_names[platform.strongest_mfa] in mfa.title


def test_platform_step_placed_after_a_missing_step_is_rejected(inventory: Inventory):
    platform = catalogue()["x"]
    bad = PlatformStep("x-bad", "contain", "t", "w", None, True, after="no-such-step")
    broken = {**catalogue(), "x": dataclasses.replace(platform, runbook=(bad,))}
    with pytest.raises(InputError, match=r"x\.toml: runbook\[0\]\.after: no step \"no-such-step\""):
        tailor_checklist(inventory, inventory.account("x-main"), platforms=broken, today=TODAY)


def test_platform_step_in_an_unknown_phase_is_rejected(inventory: Inventory):
    platform = catalogue()["x"]
    bad = PlatformStep("x-bad", "panic", "t", "w", None, True)
    broken = {**catalogue(), "x": dataclasses.replace(platform, runbook=(bad,))}
    with pytest.raises(InputError, match='unknown phase "panic"'):
        tailor_checklist(inventory, inventory.account("x-main"), platforms=broken, today=TODAY)


def test_checklist_survives_the_json_record_unchanged(inventory: Inventory):
    checklist = tailor_checklist(
        inventory,
        inventory.account("facebook-page"),
        shared_with=[SharedPassword("x-main", PasswordLikeness.SIMILAR)],
        today=TODAY,
    )
    assert Checklist.from_json(checklist.to_json()) == checklist


def test_damaged_checklist_record_is_a_state_error():
    with pytest.raises(StateError, match="damaged"):
        Checklist.from_json('{"format": 1, "steps": []}')


def test_step_found_by_printed_number_or_id(inventory: Inventory):
    checklist = tailor_checklist(inventory, inventory.account("x-main"), today=TODAY)
    assert find_step(checklist, "1") == checklist.steps[0]
    assert find_step(checklist, ROTATE_STEP) == checklist.step(ROTATE_STEP)
    assert find_step(checklist, "0") is None
    assert find_step(checklist, str(len(checklist.steps) + 1)) is None


def test_a_recovery_address_outside_the_company_is_replaced_not_its_password_changed(
    tmp_path: Path,
) -> None:
    from scanner.breach.runbook import tailor_checklist
    from scanner.services.scan import load

    fjordline = Path(__file__).resolve().parents[1] / "data" / "fjordline" / "inventory.toml"
    inventory = load(fjordline)
    checklist = tailor_checklist(inventory, inventory.account("instagram-brand"))
    steps = {s.id: s for s in checklist.steps}
    replace = steps["replace-recovery-email"]
    assert replace.title.startswith(
        "Replace the recovery address ingrid.dahl@gmail.example with a company mailbox"
    )
    assert replace.required and replace.phase == "contain"
    # The mailbox step no longer asks to change the password of the leaver's Gmail.
    assert "ingrid.dahl@gmail.example" not in steps["secure-mailbox"].title
    phone = steps["replace-recovery-phone"]
    assert "held by an employee" in phone.title
    ids = [s.id for s in checklist.steps]
    assert ids.index("secure-mailbox") < ids.index("replace-recovery-email")
    # An account whose recovery channels are all the company's gets neither step.
    workspace = tailor_checklist(inventory, inventory.account("workspace-admin"))
    assert not {"replace-recovery-email", "replace-recovery-phone"} & {
        s.id for s in workspace.steps
    }
    tiktok = tailor_checklist(inventory, inventory.account("tiktok"))
    assert "held by an agency" in {s.id: s for s in tiktok.steps}["replace-recovery-phone"].title
