"""Every mistake of an inventory in one run: sorted, at most 20 lines, named by id; TOML syntax
errors in plain words with line and column."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core.errors import InputError, InputErrors
from scanner.inventory.accounts import load_inventory
from tests.conftest import SHARED_DATA

runner = CliRunner()
FJORDLINE = SHARED_DATA / "fjordline" / "inventory.toml"
_LINE = re.compile(
    r"^posture: error: (?P<file>[^:]+):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<rest>.*)$"
)


def scan_errors(path: Path) -> list[str]:
    result = runner.invoke(app, ["scan", str(path), "--no-history", "--no-vault"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("posture: error: ") for line in lines), lines
    return lines


def fjordline_copy(tmp_path: Path) -> Path:
    if not FJORDLINE.exists():
        pytest.skip("the fjordline sample data is not on this machine")
    target = tmp_path / "inventory.toml"
    shutil.copy(FJORDLINE, target)
    return target


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1))


def test_three_mistakes_in_a_real_inventory_come_out_in_one_run_sorted_by_line(tmp_path):
    path = fjordline_copy(tmp_path)
    # Three typos far apart in a file this suite did not write, made from the end backwards.
    replace_once(
        path, 'id = "mailchimp"\nplatform = "other"', 'id = "mailchimp"\nplatform = "othr"'
    )
    replace_once(path, 'owner = "sanna"', 'owner = "sana"')
    replace_once(path, 'mfa = "sms"', 'mfa = "sms2"')
    lines = scan_errors(path)
    assert len(lines) == 3, lines
    numbers = [int(_LINE.match(line)["line"]) for line in lines]  # type: ignore[index]
    assert numbers == sorted(numbers)
    text = path.read_text().splitlines()
    for line, number in zip(lines, numbers, strict=True):
        key = _LINE.match(line)["rest"].split(":")[0].rsplit(".", 1)[1]  # type: ignore[index]
        assert text[number - 1].startswith(key), (line, text[number - 1])
    assert "accounts[0] (instagram-brand).mfa: 'sms2' is not one of" in lines[0]
    assert 'owner: unknown person "sana" (did you mean "sanna"?)' in lines[1]
    assert '(mailchimp).platform: unknown platform "othr"' in lines[2]


def test_each_mistake_names_the_account_by_id(inventory_file):
    lines = scan_errors(inventory_file(mfa="sms2", owner="zed", last_activity="2026-11-01"))
    assert len(lines) == 3
    assert all("accounts[0] (acct)." in line for line in lines)


def test_at_most_twenty_lines_then_a_count(tmp_path):
    accounts = "".join(
        f'[[accounts]]\nid = "a{i}"\nplatform = "x"\nregistered_to = "company"\nmfa = "bad"\n\n'
        for i in range(25)
    )
    path = tmp_path / "inventory.toml"
    path.write_text('[organization]\nname = "Co"\ndomains = ["co.example"]\n\n' + accounts)
    lines = scan_errors(path)
    assert len(lines) == 21
    assert lines[-1] == f"posture: error: {path}: 5 more mistakes not shown"
    assert "accounts[0] (a0).mfa" in lines[0]
    assert "accounts[19] (a19).mfa" in lines[19]


def test_a_misspelt_array_header_has_a_line_and_a_suggestion(tmp_path):
    path = tmp_path / "inventory.toml"
    path.write_text(
        '[organization]\nname = "Co"\ndomains = ["co.example"]\n\n'
        '[[account]]\nid = "x-main"\nplatform = "x"\n'
    )
    (line,) = scan_errors(path)
    assert line == (f'posture: error: {path}:5: account: unknown table (did you mean "accounts"?)')


def test_a_misspelt_table_header_has_a_line(tmp_path):
    path = tmp_path / "inventory.toml"
    path.write_text('[organisation]\nname = "Co"\ndomains = ["co.example"]\n')
    lines = scan_errors(path)
    assert f'{path}:1: organisation: unknown table (did you mean "organization"?)' in lines[-1]
    assert "required table [organization] is missing" in lines[0]


def test_one_mistake_is_still_a_plain_input_error(inventory_file):
    with pytest.raises(InputError) as caught:
        load_inventory(inventory_file(mfa="sms2"))
    assert not isinstance(caught.value, InputErrors)
    assert caught.value.field == "accounts[0] (acct).mfa"


def test_several_mistakes_behave_as_the_first_for_callers_expecting_one(inventory_file):
    with pytest.raises(InputErrors) as caught:
        load_inventory(inventory_file(mfa="sms2", owner="zed"))
    assert len(caught.value.errors) == 2
    first = caught.value.errors[0]
    assert first.line is not None
    assert all(first.line <= (e.line or 0) for e in caught.value.errors)
    assert (caught.value.field, caught.value.line) == (first.field, first.line)
    assert str(caught.value) == str(caught.value.errors[0])


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            'name = "Acme\ndomains = []\n',
            ":1:8:",
            'unterminated string: the closing quote is missing ("..." must close on its line)',
        ),
        (
            '[organization]\nname = "Acme',
            ":2:8:",
            "unterminated string: the closing quote is missing (it runs to the end of the file)",
        ),
        ("flag = True\n", ":1:8:", "True is not a TOML value: write true or false (lower case)"),
        ("name = Acme\n", ":1:8:", 'Acme is not a TOML value: text goes in quotes ("Acme")'),
        ("name =\n", ":1:7:", "a value is missing after '='"),
        ("day = 2026-13-01\n", ":1:", "not a valid date: write it as YYYY-MM-DD"),
        ("[a]\n[a]\n", ":2:", "this table is declared twice"),
        (
            'list = ["a" "b"]\n',
            ":1:",
            "unclosed list: a ']' is missing, or a ',' between two items",
        ),
        ("name = \u201cAcme\u201d\n", ":1:8:", "curly quotes are not TOML quotes"),
        ("[organization\n", ":1:", "table header not closed: ']' is missing"),
        ('path = "c:\\data"\n', ":1:", 'a backslash in a "..." string must be doubled'),
        ("my key = 1\n", ":1:", "expected '=' after the key"),
    ],
)
def test_toml_syntax_errors_in_plain_words_with_line_and_column(tmp_path, text, where, message):
    path = tmp_path / "inventory.toml"
    path.write_text(text)
    (line,) = scan_errors(path)
    assert line.startswith(f"posture: error: {path}{where}"), line
    assert f"TOML syntax error: {message}" in line
    assert "Illegal character" not in line


def test_did_you_mean_is_never_offered_for_the_word_itself():
    from scanner.core.tomlsource import suggest

    assert suggest("instagram-main", ["instagram-main", "x-main"]) == ""
    assert suggest("instagram-mian", ["instagram-main"]) == ' (did you mean "instagram-main"?)'
