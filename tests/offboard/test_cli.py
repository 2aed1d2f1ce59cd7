"""`posture offboard` end to end through the CLI, on the example inventory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app
from tests.breach.conftest import make_read_only

runner = CliRunner()


def run(*args: str, code: int = 0, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return result.stdout if code == 0 else result.stderr


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        cases = conn.execute("SELECT * FROM offboarding_cases ORDER BY id").fetchall()
        steps = conn.execute("SELECT * FROM offboarding_steps ORDER BY rowid").fetchall()
    return [*cases, *steps]


def _one_error_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("posture: error: ")
    assert "Traceback" not in text
    return lines[0]


def test_checklist_of_a_leaver_lists_only_their_account_and_records_nothing(work: Path) -> None:
    out = run("offboard", "checklist", "jordan")
    assert "Jordan Blake (jordan), leaver; 1 account tied" in out
    assert (
        "linkedin-page (acme-outdoor): standard tier on LinkedIn; owner, registered to them" in out
    )
    for other in ("x-main", "facebook-page", "tiktok-brand", "x-support"):
        assert other not in out
    assert "https://www.linkedin.com/help/lms/answer/a550647" in out  # the role page
    assert "Appoint another company admin on LinkedIn" in out  # Jordan is the only admin
    assert "jordan.blake@gmail.example" in out
    assert "(case date 2026-03-31)" in out  # the recorded departure
    assert not (work / "posture.db").exists()
    markdown = run("offboard", "checklist", "jordan", "-f", "markdown")
    assert markdown.startswith("# Offboarding checklist: Jordan Blake")
    assert "`transfer:linkedin-page`" in markdown


def test_an_agency_gets_partner_access_steps_where_the_platform_has_them(work: Path) -> None:
    out = run("offboard", "checklist", "agency:brightsocial")
    assert "2 accounts tied" in out
    assert "Remove Bright Social Ltd's partner access to facebook-page" in out
    assert "roles: partner access" in out
    # TikTok Business Center shares assets with an agency as a partner too (catalogue v2).
    assert "Remove Bright Social Ltd's partner access to tiktok-brand" in out
    assert "acme@brightsocial.example" in out  # the agency's login email on its account
    assert "contract_ends = 2027-06-30 for agency:brightsocial" in out
    assert "(case date 2027-06-30)" in out
    for other in ("x-main", "instagram-main", "linkedin-page", "x-support"):
        assert other not in out


def test_start_show_done_list_export(work: Path) -> None:
    out = run("offboard", "start", "alex", "--note", "last day", "--by", "priya")
    assert "Case #1: open. Opened" in out and "by priya: last day" in out
    assert "Counts from 2026-08-15" in out
    done = run("offboard", "done", "alex", "sessions:x-support", "--note", "logged out")
    assert "done: step 2 sessions:x-support" in done and "by ana" in done
    assert "1 of 5 steps done" in done
    shown = run("offboard", "show", "alex")
    assert "[x] Sign out every session" in shown and "logged out" in shown
    listed = run("offboard", "list")
    assert "#1" in listed and "alex" in listed and "2026-08-15" in listed
    exported = run("offboard", "export", "alex", "-o", "case.md")
    assert "wrote offboarding case #1 of alex" in exported
    text = (work / "case.md").read_text()
    assert "- 2026" in text and "ana ticked step 2 `sessions:x-support`: logged out" in text
    assert oct((work / "case.md").stat().st_mode & 0o777) == "0o600"


def test_transfer_needs_an_active_new_owner(work: Path) -> None:
    run("offboard", "start", "jordan")
    db = work / "posture.db"
    before = _rows(db)
    line = _one_error_line(run("offboard", "done", "jordan", "transfer:linkedin-page", code=2))
    assert "needs the new owner" in line and "--to PERSON" in line
    line = _one_error_line(
        run("offboard", "done", "jordan", "transfer:linkedin-page", "--to", "alex", code=2)
    )
    assert "has left" in line
    _one_error_line(run("offboard", "done", "jordan", "1", "--to", "nobody", code=2))
    _one_error_line(run("offboard", "done", "jordan", "devices", "--to", "lee", code=2))
    assert _rows(db) == before
    out = run("offboard", "done", "jordan", "transfer:linkedin-page", "--to", "lee")
    assert "(new owner lee)" in out
    assert "new owner lee" in run("offboard", "export", "jordan")


def test_refusals_are_one_line_exit_2_and_leave_the_record_unchanged(work: Path) -> None:
    line = _one_error_line(run("offboard", "start", "jordn", code=2))
    assert 'no person or agency "jordn"' in line and 'did you mean "jordan"' in line
    assert not (work / "posture.db").exists()
    run("offboard", "start", "alex")
    db = work / "posture.db"
    before = _rows(db)
    line = _one_error_line(run("offboard", "start", "alex", code=2))
    assert "already has an open offboarding case (#1" in line
    line = _one_error_line(run("offboard", "done", "alex", "rotate:x-suport", code=2))
    assert 'did you mean "rotate:x-support"' in line
    _one_error_line(run("offboard", "done", "alex", "99", code=2))
    _one_error_line(run("offboard", "done", "lee", "1", code=2))  # no case for lee
    _one_error_line(run("offboard", "close", "alex", "--force", code=2))  # no reason
    assert _rows(db) == before
    make_read_only(db)
    line = _one_error_line(run("offboard", "done", "alex", "devices", code=2))
    assert "read-only" in line
    line = _one_error_line(run("offboard", "start", "jordan", code=2))
    assert "read-only" in line
    assert "0 of 5 steps done" in run("offboard", "show", "alex")


def test_vault_rotate_ticks_the_rotate_step(work: Path) -> None:
    run("vault", "init")
    run("offboard", "start", "alex")
    out = run("vault", "rotate", "x-support", "--reason", "leaver")
    assert "offboarding" not in out  # pending: nothing is ticked until the platform took it
    confirmed = run("vault", "confirm", "x-support")
    assert "offboarding of alex: ticked rotate:x-support" in confirmed
    exported = run("offboard", "export", "alex")
    assert "[x] **Change the password of x-support" in exported
    assert "ticked by posture vault rotate" in exported
    run("vault", "rotate", "x-support")
    again = run("vault", "confirm", "x-support")
    assert "offboarding" not in again  # already done: ticked once


def _fix_inventory(work: Path) -> None:
    path = work / "inventory.toml"
    text = path.read_text()
    fixed = text.replace('password_known_by = ["tom", "alex"]', 'password_known_by = ["tom"]')
    assert fixed != text
    path.write_text(fixed)


def test_close_is_refused_until_the_inventory_and_vault_are_fixed(work: Path) -> None:
    run("vault", "init")
    run("offboard", "start", "alex")
    for step in ("sessions:x-support", "devices", "inventory", "policy-reminder"):
        run("offboard", "done", "alex", step)
    db = work / "posture.db"
    refused = _one_error_line(run("offboard", "close", "alex", code=2))
    assert "ACC-002 x-support" in refused and "Alex Moreau" in refused
    assert "rotate:x-support" in refused  # the required step still open
    _fix_inventory(work)
    refused = _one_error_line(run("offboard", "close", "alex", code=2))
    assert "ACC-002" not in refused
    # Alex knew the password and the vault holds none set since: ACC-003's rule still names them.
    assert "ACC-003 x-support" in refused
    assert "closed" not in run("offboard", "list").split("\n")[2]
    run("vault", "rotate", "x-support")
    run("vault", "confirm", "x-support")
    out = run("offboard", "close", "alex")
    assert "closed offboarding case #1 of alex" in out
    assert "verified as of" in out
    shown = run("offboard", "show", "alex")
    assert "Case #1: closed." in shown
    with sqlite3.connect(db) as conn:
        forced, verification = conn.execute(
            "SELECT forced, verification FROM offboarding_cases"
        ).fetchone()
    assert (forced, verification) == (0, "[]")


def test_close_without_a_vault_cannot_verify_the_rotation(work: Path) -> None:
    run("offboard", "start", "alex")
    _fix_inventory(work)
    refused = _one_error_line(run("offboard", "close", "alex", code=2))
    assert "ACC-003: vault not opened" in refused


def test_forced_close_records_the_reason_and_what_stayed_open(work: Path) -> None:
    run("offboard", "start", "agency:brightsocial", "--on", "2026-11-01")
    out = run(
        "offboard", "close", "agency:brightsocial", "--force", "--reason", "contract extended"
    )
    assert "forced with" in out and "contract extended" in out
    assert "inventory: agency:brightsocial" not in out  # the contract end is recorded
    shown = run("offboard", "show", "agency:brightsocial")
    assert "closed (forced)" in shown and "contract extended" in shown
    assert "Unverified at close:" in shown
    exported = run("offboard", "export", "agency:brightsocial")
    assert "closed (forced) by ana: contract extended" in exported
    # A closed case can be followed by a new one.
    run("offboard", "start", "agency:brightsocial")
    assert "#2" in run("offboard", "list")


def test_close_refuses_while_the_inventory_still_lists_the_person_as_active(work: Path) -> None:
    run("offboard", "start", "sam", "--on", "2026-11-30")
    refused = _one_error_line(run("offboard", "close", "sam", code=2))
    assert 'sam is still listed as active; set status = "departed"' in refused
