from pathlib import Path

import pytest

from scanner.core.errors import InputError
from scanner.inventory.platforms import catalogue
from scanner.services.scan import load
from scanner.vault.importers import Manager, match_logins, read_export

from .conftest import EXAMPLE

# Headers exactly as each manager writes them (see REFERENCES.md and the importers docstring).
BITWARDEN = (
    "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"
    "Social,1,login,X main,,,0,https://x.com,social@acme.example,bw-x-pw,otpauth://totp/X:acme?secret=JBSWY3DPEHPK3PXP&issuer=X\n"
    'Social,,login,Facebook,,,0,"https://www.facebook.com/,https://m.facebook.com",social@acme.example,bw-fb-pw,\n'
    "Cards,,card,Company card,,,0,,,,\n"
    "Personal,,login,My bank,,,0,https://bank.example,me@home.example,bw-bank-pw,\n"
)
KEEPASSXC = (
    '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"\n'
    '"Root/Social","Support handle","support@acme.example","kp-support-pw","https://x.com/login","","","0","2026-01-02T10:00:00Z","2025-01-02T10:00:00Z"\n'
    '"Root/SaaS","newsletter","","kp-news-pw","","","","0","2026-01-02T10:00:00Z","2025-01-02T10:00:00Z"\n'
    '"Root","Wifi","","kp-wifi-pw","","","","0","2026-01-02T10:00:00Z","2025-01-02T10:00:00Z"\n'
)
ONEPASSWORD = (
    "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
    "TikTok,https://www.tiktok.com/login,,op-tiktok-pw,,false,false,social,\n"
    "Instagram careers,https://www.instagram.com,careers@acme.example,op-ig-pw,,false,false,,\n"
    "Instagram unknown,https://www.instagram.com,someone@else.example,op-other-pw,,false,false,,\n"
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _matched(tmp_path: Path, text: str, manager: Manager) -> tuple[dict[str, str], list[str]]:
    logins = read_export(_write(tmp_path, text), manager)
    matches, unmatched = match_logins(logins, load(EXAMPLE), dict(catalogue()))
    return (
        {m.account.id: m.login.password.reveal() for m in matches if m.login.password},
        [u.login.name for u in unmatched],
    )


def test_bitwarden_export_matches_by_host_and_username_and_skips_non_logins(
    tmp_path: Path,
) -> None:
    matched, unmatched = _matched(tmp_path, BITWARDEN, Manager.BITWARDEN)
    assert matched == {"x-main": "bw-x-pw", "facebook-page": "bw-fb-pw"}
    assert unmatched == ["My bank"]


def test_bitwarden_totp_column_is_kept(tmp_path: Path) -> None:
    logins = read_export(_write(tmp_path, BITWARDEN), Manager.BITWARDEN)
    assert logins[0].totp is not None
    assert logins[0].totp.reveal().startswith("otpauth://")


def test_keepassxc_export_matches_by_username_or_by_name(tmp_path: Path) -> None:
    matched, unmatched = _matched(tmp_path, KEEPASSXC, Manager.KEEPASSXC)
    assert matched == {"x-support": "kp-support-pw", "newsletter": "kp-news-pw"}
    assert unmatched == ["Wifi"]


def test_onepassword_export_matches_unique_host_and_refuses_strangers(tmp_path: Path) -> None:
    matched, unmatched = _matched(tmp_path, ONEPASSWORD, Manager.ONEPASSWORD)
    assert matched == {"tiktok-brand": "op-tiktok-pw", "instagram-careers": "op-ig-pw"}
    assert unmatched == ["Instagram unknown"]


def test_columns_are_read_by_name_in_any_order(tmp_path: Path) -> None:
    text = "Password,Title,Url,Username,OTPAuth,Notes\nop-news,newsletter,,,,\n"
    matched, _ = _matched(tmp_path, text, Manager.ONEPASSWORD)
    assert matched == {"newsletter": "op-news"}


def test_a_second_row_for_the_same_account_is_not_imported(tmp_path: Path) -> None:
    text = KEEPASSXC + '"Root","newsletter","","kp-news-2","","","","0","",""\n'
    logins = read_export(_write(tmp_path, text), Manager.KEEPASSXC)
    matches, unmatched = match_logins(logins, load(EXAMPLE), dict(catalogue()))
    assert [m.account.id for m in matches].count("newsletter") == 1
    assert any("already goes to newsletter" in u.why for u in unmatched)


def test_wrong_manager_header_is_an_input_error_on_line_one(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"export.csv:1: header: not a keepassxc CSV export"):
        read_export(_write(tmp_path, BITWARDEN), Manager.KEEPASSXC)


def test_bom_at_the_start_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(ONEPASSWORD, encoding="utf-8-sig")
    assert len(read_export(path, Manager.ONEPASSWORD)) == 3
