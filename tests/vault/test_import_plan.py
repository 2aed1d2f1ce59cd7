"""`posture vault import` on a second company's real exports: one line per row, dates kept,
ambiguous rows refused and resolved with --map, --dry-run writing nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.vault import Vault

from .conftest import PASSPHRASE, invoke

# A second company's files, copied verbatim (see its README.md; the .kdbx is not needed here).
FJORDLINE = Path(__file__).resolve().parents[1] / "data" / "fjordline"
KEEPASSXC = FJORDLINE / "keepassxc-2.7.4-export.csv"
BITWARDEN = FJORDLINE / "bitwarden-export.csv"

# Fjordline's logins in 1Password 8's CSV columns (that format has no dates), written here.
ONEPASSWORD = (
    "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
    "Instagram - brand,https://www.instagram.com/accounts/login/,hello@fjordline-bikes.example,"
    "op-ig-pw,,false,false,social,\n"
    "X (Twitter),https://twitter.com/i/flow/login,fjordlinebikes,op-x-pw,,false,false,social,\n"
    "YouTube Studio,https://studio.youtube.com/,video@fjordline-bikes.example,op-yt-pw,,false,false,,\n"
    "Shopify,https://accounts.shopify.com/store-login,shop@fjordline-bikes.example,op-shop-pw,,"
    "false,false,,\n"
    "Netflix,https://www.netflix.com/login,ola.personal@gmail.example,op-nf-pw,,false,false,,\n"
)


@pytest.fixture
def fjordline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passphrase_env: str) -> Path:
    shutil.copy(FJORDLINE / "inventory.toml", tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    assert invoke("vault", "init").exit_code == 0
    return tmp_path


def _ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _lines(out: str) -> dict[str, str]:
    return {line.split(":")[0]: line for line in out.splitlines() if line.startswith("row ")}


def _vault(folder: Path) -> Vault:
    return Vault.open(folder / "posture.vault", Secret(PASSPHRASE))


def test_keepassxc_export_one_line_per_row_with_rule_and_real_dates(fjordline: Path) -> None:
    out = _ok("vault", "import", str(KEEPASSXC), "--from", "keepassxc")
    rows = _lines(out)
    assert len(rows) == 10
    assert rows["row 1"] == (
        "row 1: Instagram - brand: stored in instagram-brand (by host + login email; set 2024-03-04)"
    )
    # twitter.com is X; the Google login URL is the YouTube channel's (video@ is its login).
    assert rows["row 2"].endswith("stored in x-brand (by host + username; set 2025-01-20)")
    assert "stored in youtube (by host + login email; set 2026-02-02)" in rows["row 5"]
    assert "stored in workspace-admin" in rows["row 7"]
    assert "stored in shopify" in rows["row 8"]
    assert rows["row 10"].startswith("row 10: Netflix: not imported: personal")
    assert out.splitlines()[-1] == "10 rows: stored 9, unchanged 0; not imported: 1 personal"
    for value in ("Fjordline2023!", "spokes&chains77", "fjordline-bikes-x-91"):
        assert value not in out
    entry = _vault(fjordline).entry("linkedin-page")
    assert entry is not None and entry.password_set_at is not None
    assert entry.password_set_at.isoformat() == "2024-09-09T11:00:00+00:00"
    # Real ages make the leavers' passwords due: Ingrid left 2026-08-31, Pedal's contract ended.
    due = _ok("vault", "rotate", "--all-due", "--as-of", "2026-12-01")
    for account in ("instagram-brand", "tiktok", "linkedin-page", "mailchimp"):
        assert f"{account}: new password stored" in due
    assert "youtube:" not in due and "x-brand:" not in due


def test_import_again_says_unchanged(fjordline: Path) -> None:
    _ok("vault", "import", str(KEEPASSXC), "--from", "keepassxc")
    out = _ok("vault", "import", str(KEEPASSXC), "--from", "keepassxc")
    assert "row 1: Instagram - brand: unchanged in instagram-brand" in out
    assert "stored 0, unchanged 9" in out


def test_bitwarden_export_has_no_dates_unknown_unless_set_on(fjordline: Path) -> None:
    out = _ok("vault", "import", str(BITWARDEN), "--from", "bitwarden")
    assert "stored in x-brand (by host + username; set unknown)" in out
    listed = _ok("vault", "list", "--as-of", "2026-12-01")
    row = next(r for r in listed.splitlines() if r.startswith("x-brand"))
    assert row.split()[1] == "unknown"
    assert "0 d" not in listed
    # Unknown dates are older than any departure: every account a leaver knew is due.
    assert "instagram-brand" in _ok("vault", "rotate", "--all-due", "--as-of", "2026-12-01")


def test_set_on_dates_rows_of_an_export_without_dates(fjordline: Path) -> None:
    out = _ok("vault", "import", str(BITWARDEN), "--from", "bitwarden", "--set-on", "2026-09-15")
    assert "stored in tiktok (by host + login email; set 2026-09-15)" in out
    assert "no account is due" in _ok("vault", "rotate", "--all-due", "--as-of", "2026-12-01")


def test_onepassword_export_studio_youtube_and_a_login_email_only_one_account_uses(
    fjordline: Path,
) -> None:
    export = fjordline / "1password.csv"
    export.write_text(ONEPASSWORD, encoding="utf-8")
    rows = _lines(_ok("vault", "import", str(export), "--from", "1password"))
    assert "stored in instagram-brand" in rows["row 1"]
    assert "stored in x-brand (by host + username; set unknown)" in rows["row 2"]
    assert "stored in youtube (by host + login email" in rows["row 3"]
    assert rows["row 4"].endswith("stored in shopify (by login email; set unknown)")
    assert "personal" in rows["row 5"]
    assert _ok("vault", "get", "shopify") == "op-shop-pw\n"


def test_gmail_and_youtube_on_one_login_email_is_ambiguous_until_mapped(fjordline: Path) -> None:
    inventory = fjordline / "inventory.toml"
    text = inventory.read_text()
    inventory.write_text(
        text.replace(
            'login_email = "video@fjordline-bikes.example"',
            'login_email = "hello@fjordline-bikes.example"',
        )
    )
    export = fjordline / "gmail.csv"
    export.write_text(
        '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"\n'
        '"Mail","Gmail - social inbox","hello@fjordline-bikes.example","gmail-pw-1",'
        '"https://accounts.google.com/","","","0","2025-05-05T10:00:00Z","2025-05-05T10:00:00Z"\n',
        encoding="utf-8",
    )
    before = (fjordline / "posture.vault").read_bytes()
    out = _ok("vault", "import", str(export), "--from", "keepassxc")
    assert out.splitlines()[0] == (
        "row 1: Gmail - social inbox: not imported: ambiguous, host + login email fits 2 "
        "accounts: youtube, hello-mailbox; choose with --map 1=ACCOUNT"
    )
    assert (fjordline / "posture.vault").read_bytes() == before
    assert "gmail-pw-1" not in out
    mapped = _ok("vault", "import", str(export), "--from", "keepassxc", "--map", "1=hello-mailbox")
    assert "stored in hello-mailbox (by --map; set 2025-05-05)" in mapped
    assert _ok("vault", "get", "hello-mailbox") == "gmail-pw-1\n"
    assert invoke("vault", "get", "youtube").exit_code == 2


def test_dry_run_prints_the_plan_and_writes_nothing(fjordline: Path) -> None:
    before = (fjordline / "posture.vault").read_bytes()
    out = _ok("vault", "import", str(KEEPASSXC), "--from", "keepassxc", "--dry-run")
    assert "row 1: Instagram - brand: would store in instagram-brand" in out
    assert out.rstrip().endswith("dry run, nothing written")
    assert (fjordline / "posture.vault").read_bytes() == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5", "is not ROW=ACCOUNT"),
        ("99=youtube", "no login row 99"),
        ("1=nope", 'no account "nope"'),
    ],
)
def test_bad_map_is_one_line_and_exit_2(fjordline: Path, value: str, message: str) -> None:
    result = invoke("vault", "import", str(KEEPASSXC), "--from", "keepassxc", "--map", value)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_last_modified_cell_names_the_line(fjordline: Path) -> None:
    export = fjordline / "bad.csv"
    export.write_text(
        KEEPASSXC.read_text(encoding="utf-8").replace("2025-06-11T16:02:00Z", "yesterday", 1)
    )
    result = invoke("vault", "import", str(export), "--from", "keepassxc")
    assert result.exit_code == 2
    assert ":5: Last Modified:" in result.stderr or ":5:" in result.stderr
