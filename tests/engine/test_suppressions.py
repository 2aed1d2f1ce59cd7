import datetime as dt
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core.errors import InputError
from scanner.core.model import Finding, Severity, Status
from scanner.engine.suppressions import NoticeKind, apply_suppressions, load_suppressions

EXAMPLE = Path(__file__).resolve().parents[2] / "scanner" / "data" / "inventory.example.toml"
ENTRY = """[[suppression]]
check = "{check}"
accounts = [{accounts}]
reason = "accepted by IT"
owner = "it@acme.example"
expires = {expires}
"""


def write(tmp_path: Path, *entries: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def entry(check="MFA-002", accounts='"newsletter"', expires="2027-01-31") -> str:
    return ENTRY.format(check=check, accounts=accounts, expires=expires)


def finding(check_id: str, account: str, status: Status = Status.FAIL) -> Finding:
    return Finding(check_id, status, Severity.HIGH, account, "msg")


def apply(path: Path, findings, today=dt.date(2026, 11, 23)):
    return apply_suppressions(
        findings,
        load_suppressions(path),
        today=today,
        account_ids=["newsletter", "x-main", "youtube-channel"],
        check_ids=["MFA-001", "MFA-002", "GOV-001", "GOV-002"],
    )


def test_loads_every_field_with_its_line(tmp_path):
    path = write(tmp_path, "# accepted risks\n", entry(), entry("gov-*", '"youtube-channel"'))
    loaded = load_suppressions(path)
    first, second = loaded.entries
    assert (first.check, first.accounts, first.owner, first.expires, first.line) == (
        "MFA-002",
        ("newsletter",),
        "it@acme.example",
        dt.date(2027, 1, 31),
        3,
    )
    assert second.check == "GOV-*"


@pytest.mark.parametrize("missing", ["check", "accounts", "reason", "owner", "expires"])
def test_each_field_is_required_with_file_line_and_field_in_the_error(tmp_path, missing):
    text = "\n".join(line for line in entry().splitlines() if not line.startswith(missing))
    path = write(tmp_path, "\n", text)
    with pytest.raises(InputError) as caught:
        load_suppressions(path)
    assert str(caught.value) == f"{path}:3: suppression[0].{missing}: required field is missing"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (entry(expires='"2027-01-31"'), ":6: suppression[0].expires: must be a TOML date"),
        (entry(accounts=""), ":3: suppression[0].accounts: list at least one account id"),
        (entry(check="MFA 002"), ':2: suppression[0].check: "MFA 002" is not a check id'),
        (entry() + 'note = "x"\n', ":7: suppression[0].note: unknown key"),
        ('[suppression]\ncheck = "x"\n', ":1: suppression: must be an array of tables"),
        ("[[suppression]]\ncheck = \n", ":2:9: TOML syntax error"),
    ],
)
def test_bad_entries_are_one_line_errors(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_suppressions(path)
    assert str(caught.value).startswith(f"{path}{message}")


def test_covers_failing_finding_and_keeps_it_failing(tmp_path):
    findings, review = apply(write(tmp_path, entry()), [finding("MFA-002", "newsletter")])
    assert findings[0].status is Status.FAIL
    assert findings[0].suppressed
    assert not findings[0].actionable
    assert findings[0].suppression.reason == "accepted by IT"
    assert review.applied == 1
    assert review.notices == ()


def test_glob_matches_check_family_and_accounts_match_exactly(tmp_path):
    path = write(tmp_path, entry("GOV-*", '"youtube-channel"'))
    findings, review = apply(
        path,
        [
            finding("GOV-001", "youtube-channel"),
            finding("GOV-002", "youtube-channel"),
            finding("GOV-001", "youtube"),
            finding("MFA-001", "youtube-channel"),
        ],
    )
    assert [f.suppressed for f in findings] == [True, True, False, False]
    assert review.applied == 2


def test_entry_applies_through_its_expiry_day_then_stops_and_is_reported(tmp_path):
    path = write(tmp_path, entry(expires="2026-11-23"))
    on_the_day, review = apply(path, [finding("MFA-002", "newsletter")])
    assert on_the_day[0].suppressed
    assert review.notices == ()
    after, review = apply(path, [finding("MFA-002", "newsletter")], today=dt.date(2026, 11, 24))
    assert not after[0].suppressed
    assert after[0].actionable
    (notice,) = review.notices
    assert notice.kind is NoticeKind.EXPIRED
    assert notice.text == (
        f"{path}:1: suppression MFA-002 for newsletter: expired on 2026-11-23 "
        "(owner it@acme.example); its findings count again"
    )


def test_entry_matching_no_failing_finding_is_reported(tmp_path):
    path = write(tmp_path, entry("MFA-001", '"x-main"'), entry("MAF-001", '"x-main"'))
    findings, review = apply(path, [finding("MFA-001", "x-main", Status.PASS)])
    assert not findings[0].suppressed
    kinds = [(n.kind, n.entry.check) for n in review.notices]
    assert kinds == [(NoticeKind.UNMATCHED, "MFA-001"), (NoticeKind.UNMATCHED, "MAF-001")]
    assert "matches no failing finding; remove it if the risk is gone" in review.notices[0].text
    assert review.notices[1].text.endswith(
        ': matches no failing finding; no selected check matches MAF-001 (did you mean "MFA-001"?)'
        "; remove it if the risk is gone"
    )


def test_unknown_account_is_reported_with_a_suggestion(tmp_path):
    path = write(tmp_path, entry(accounts='"newsletter", "newsleter"'))
    _, review = apply(path, [finding("MFA-002", "newsletter")])
    assert [n.kind for n in review.notices] == [NoticeKind.UNKNOWN_ACCOUNT]
    assert 'no account "newsleter" in the inventory (did you mean "newsletter"?)' in (
        review.notices[0].text
    )


# --- the scan command ---------------------------------------------------------------------

runner = CliRunner()


def inventory_in(tmp_path: Path) -> Path:
    target = tmp_path / "inventory.toml"
    shutil.copyfile(EXAMPLE, target)
    return target


def scan(inventory: Path, *args: str):
    return runner.invoke(
        app,
        [
            "scan",
            str(inventory),
            "--as-of",
            "2026-11-23",
            "--no-history",
            "--checks",
            "MFA-*",
            *args,
        ],
    )


def test_suppressed_findings_do_not_count_toward_the_exit_code(tmp_path):
    inventory = inventory_in(tmp_path)
    # MFA findings at or above medium: MFA-002 facebook/linkedin (high), MFA-001 tiktok (high),
    # MFA-002 newsletter (medium), MFA-004 facebook (critical account that could use a passkey).
    assert scan(inventory, "--fail-on", "medium").exit_code == 1
    write(
        tmp_path,
        entry("MFA-*", '"facebook-page", "linkedin-page", "tiktok-brand", "newsletter"'),
        name="posture.suppressions.toml",
    )
    outcome = scan(inventory, "--fail-on", "medium")
    assert outcome.exit_code == 0, outcome.output
    assert "5 suppressed failures hidden" in outcome.stdout
    shown = scan(inventory, "--fail-on", "medium", "--show-suppressed")
    assert sum(line.startswith("FAIL (suppressed)") for line in shown.stdout.splitlines()) == 5


def test_expired_suppression_counts_again_and_warns_on_stderr(tmp_path):
    inventory = inventory_in(tmp_path)
    path = write(tmp_path, entry("MFA-001", '"tiktok-brand"', "2026-11-01"))
    outcome = scan(inventory, "--suppressions", str(path), "--checks", "MFA-001")
    assert outcome.exit_code == 1
    assert outcome.stderr.strip() == (
        f"posture: warning: {path}:1: suppression MFA-001 for tiktok-brand: expired on "
        "2026-11-01 (owner it@acme.example); its findings count again"
    )


def test_unmatched_suppression_warns_but_does_not_fail_the_scan(tmp_path):
    inventory = inventory_in(tmp_path)
    path = write(tmp_path, entry("MFA-001", '"x-main"'))
    outcome = scan(inventory, "--suppressions", str(path), "--fail-on", "none")
    assert outcome.exit_code == 0
    assert "matches no failing finding" in outcome.stderr
    assert "Suppressions: " in outcome.stdout


def test_missing_required_field_is_exit_2_with_one_line(tmp_path):
    inventory = inventory_in(tmp_path)
    text = "\n".join(line for line in entry().splitlines() if not line.startswith("owner"))
    path = write(tmp_path, text, name="posture.suppressions.toml")
    outcome = scan(inventory)
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert outcome.stderr == (
        f"posture: error: {path}:1: suppression[0].owner: required field is missing\n"
    )


def test_explicit_suppressions_file_must_exist(tmp_path):
    inventory = inventory_in(tmp_path)
    outcome = scan(inventory, "--suppressions", str(tmp_path / "nope.toml"))
    assert outcome.exit_code == 2
    assert (
        outcome.stderr == f"posture: error: {tmp_path / 'nope.toml'}: suppressions file not found\n"
    )


def test_a_verdicts_finding_is_the_constructors_field_for_field():
    import dataclasses

    from scanner.core.model import Finding, Severity, Status

    made = Finding.verdict("MFA-001", Status.FAIL, Severity.HIGH, "acct", "no 2FA", {"n": 1})
    built = Finding("MFA-001", Status.FAIL, Severity.HIGH, "acct", "no 2FA", {"n": 1})
    assert dataclasses.asdict(made) == dataclasses.asdict(built)
    assert all(getattr(made, f.name) == getattr(built, f.name) for f in dataclasses.fields(Finding))
    assert made.actionable and made.suppression is None
