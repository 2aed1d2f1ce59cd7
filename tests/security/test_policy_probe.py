"""Issue 14, finding 1 (the last part): whoever may edit the policy or the inventory must not
learn what a stored password contains by watching its PWD-001 verdict flip. Attacks as tests.

`Emperorpenguin7#` on linkedin-page (standard tier) passes PWD-001 as stored; evaluated live with
"penguin" as a blocklist or brand word it would fail, and with a minimum length of 17 it would
fail too. Each edit is tried with the word in the password (penguin) and without (zebra): the
scan must say the same thing for both.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.engine.changes import ScanRecord
from scanner.state.scans import decode_findings
from scanner.vault import Entry
from tests.conftest import EXAMPLE, PASSPHRASE

runner = CliRunner()
ACCOUNT = "linkedin-page"
PROBED = "Emperorpenguin7#"
OTHER = "tgV7#pQ2!mZr9$Lw4@xB"
AS_OF = ("--as-of", "2026-12-01")
NOTICE = "The password policy or context words changed since "


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert invoke("vault", "init").exit_code == 0
    for account, password in ((ACCOUNT, PROBED), ("instagram-main", OTHER)):
        stored = invoke("vault", "set", account, "--set-on", "2026-11-01", input=password)
        assert stored.exit_code == 0, stored.output
    return tmp_path


def invoke(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


def scan(fmt: str, *extra: str) -> str:
    args = ("--format", fmt) if "-f" not in extra else ()
    result = invoke("scan", *args, "--fail-on", "none", *AS_OF, *extra)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def pwd001(report: str) -> dict[str, object]:
    found = json.loads(report)["findings"]
    return next(f for f in found if f["check_id"] == "PWD-001" and f["account"] == ACCOUNT)


def sarif_pwd001(report: str) -> list[dict[str, object]]:
    results = json.loads(report)["runs"][0]["results"]
    return [r for r in results if r["ruleId"] == "PWD-001" and ACCOUNT in json.dumps(r)]


def edit(old: str, new: str) -> None:
    inventory = Path("inventory.toml")
    text = inventory.read_text(encoding="utf-8")
    assert old in text
    inventory.write_text(text.replace(old, new, 1), encoding="utf-8")


def db_state() -> tuple[list[object], list[tuple[object, ...]]]:
    """The last recorded scan's PWD-001 issues and every score-cache row (key and score)."""
    with sqlite3.connect("posture.db") as conn:
        stored = conn.execute("SELECT findings FROM scans ORDER BY id DESC LIMIT 1").fetchone()[0]
        cache = conn.execute("SELECT key, score FROM score_cache ORDER BY key").fetchall()
    document = decode_findings(stored if isinstance(stored, bytes) else stored.encode())
    record = ScanRecord(
        checks=tuple(document["checks"]),
        accounts=tuple(document["accounts"]),
        rows=document["rows"],
        messages=tuple(document["messages"]),
        statuses=tuple(document["statuses"]),
        severities=tuple(document["severities"]),
    )
    issues: list[object] = [list(i) for i in record.issues if "PWD-001" in json.dumps(i)]
    return issues, cache


def outputs(*extra: str) -> dict[str, object]:
    """What each sink says: the account's PWD-001 in JSON and SARIF, the whole JSON findings and
    notes, the table (without its history line) and the database."""
    files = ("-f", "json", "-o", "r.json", "-f", "sarif", "-o", "r.sarif", "-f", "table", "-o", "r.txt")  # fmt: skip
    scan("json", *files, *extra)  # one scan, three reports, one history row
    as_json = Path("r.json").read_text(encoding="utf-8")
    table = Path("r.txt").read_text(encoding="utf-8")
    return {
        "finding": pwd001(as_json),
        "sarif": sarif_pwd001(Path("r.sarif").read_text(encoding="utf-8")),
        "findings": json.loads(as_json)["findings"],
        "notes": json.loads(as_json)["notes"],
        "table": table[: table.index("\nSince scan")] if "\nSince scan" in table else table,
        "db": db_state(),
    }


EDITS = {
    "blocklist": ("dormant_days = 60", 'dormant_days = 60\nblocklist = ["{word}"]'),
    "holder name": ('name = "Jordan Blake"', 'name = "Jordan {word}"'),
}


@pytest.mark.parametrize("edited", sorted(EDITS))
def test_a_word_added_by_an_edit_cannot_probe_a_stored_password(folder: Path, edited: str) -> None:
    before = outputs()
    assert before["finding"]["status"] == "PASS"  # type: ignore[index]
    assert not any("context words changed" in n for n in before["notes"])  # type: ignore[attr-defined]
    old, new = EDITS[edited]
    seen = {}
    for word in ("penguin", "zebra"):
        shutil.copy(EXAMPLE, "inventory.toml")
        edit(old, new.format(word=word))
        seen[word] = outputs()
        # The account's verdict is byte for byte the one before the edit, in every sink.
        assert seen[word]["finding"] == before["finding"]
        assert seen[word]["sarif"] == before["sarif"]
        assert seen[word]["db"][0] == before["db"][0]  # type: ignore[index]
        # Nothing was scored under the edited words: no new cached score to compare either.
        assert seen[word]["db"][1] == before["db"][1]  # type: ignore[index]
        assert any(n.startswith(NOTICE) for n in seen[word]["notes"])  # type: ignore[attr-defined]
    # The word in the password and a word in no password give the same scan, whole (where the
    # edit itself shows, as a holder's name in ACC findings, it reads the same but for the word).
    for sink in ("findings", "notes", "table", "db"):
        penguin, zebra = (json.dumps(seen[w][sink]).replace(w, "WORD") for w in seen)
        assert penguin == zebra, sink


def test_a_min_length_edit_cannot_binary_search_a_length(folder: Path) -> None:
    before = pwd001(scan("json", "--no-history"))
    assert before["evidence"]["length_band"] == "15 or more"  # type: ignore[index]
    seen = {}
    for length in (16, 17):  # PROBED has 16 characters: 17 would flip it live
        shutil.copy(EXAMPLE, "inventory.toml")
        edit("dormant_days = 60", f"dormant_days = 60\nmin_length = {length}\nmin_length_with_mfa = {length}")  # fmt: skip
        assert pwd001(scan("json", "--no-history")) == before
        seen[length] = scan("table", "--no-history", "--show-passed")
    assert seen[16] == seen[17]
    assert NOTICE in seen[17]


def test_recheck_and_rotation_apply_the_new_rules(folder: Path) -> None:
    edit("dormant_days = 60", 'dormant_days = 60\nblocklist = ["penguin"]')
    assert pwd001(scan("json", "--no-history"))["status"] == "PASS"  # held
    done = invoke("vault", "recheck")
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "rechecked 2 stored passwords under the current policy and context words; "
        "scans evaluate them under these rules from now on\n"
    )
    assert PROBED not in done.output
    report = scan("json", "--no-history")
    assert pwd001(report)["status"] == "FAIL"
    assert "built on a blocklist word" in str(pwd001(report)["message"])
    assert "context words changed" not in report
    history = invoke("audit", "verify")
    assert history.exit_code == 0, history.output
    # A password stored after the edit is judged under the edited rules at once.
    edit('blocklist = ["penguin"]', 'blocklist = ["penguin", "quokka"]')
    assert invoke("vault", "set", ACCOUNT, input="Quokkaemperor7#x").exit_code == 0
    report = scan("json", "--no-history")
    assert pwd001(report)["status"] == "FAIL"
    assert "built on a blocklist word" in str(pwd001(report)["message"])
    assert "since 1 stored password was set" in report  # instagram-main only is held


def test_an_entry_without_a_record_is_judged_live_and_recorded_at_the_next_save(
    folder: Path,
) -> None:
    from scanner.vault import unlock

    # An entry as a vault older than these records holds it: no verdict recorded.
    vault = unlock(Path("posture.vault"), interactive=False)
    vault.update(
        lambda entries: entries.update({ACCOUNT: _unrecorded(entries[ACCOUNT])}), action="test"
    )
    edit("dormant_days = 60", 'dormant_days = 60\nblocklist = ["penguin"]')
    report = scan("json", "--no-history")
    assert pwd001(report)["status"] == "FAIL"  # the window SECURITY.md names: judged live
    assert "since 1 stored password was set" in report  # instagram-main is held
    # Any save with the inventory records it; the next edit is then held like any other.
    assert invoke("vault", "set", "x-main", input=OTHER + "x").exit_code == 0
    edit('blocklist = ["penguin"]', 'blocklist = ["zebra"]')
    assert pwd001(scan("json", "--no-history"))["status"] == "FAIL"


def _unrecorded(entry: Entry) -> Entry:
    return dataclasses.replace(entry, verdict=None)


IMPORT = (
    '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"\n'
    f'"Root/Social","LinkedIn page","jordan.blake@gmail.example","{PROBED}",'
    '"https://www.linkedin.com/company/acme-outdoor","","","0","2026-11-02T10:00:00Z",'
    '"2025-01-02T10:00:00Z"\n'
)


@pytest.mark.parametrize("word", ["penguin", "zebra"])
def test_an_imported_password_records_its_basis_unscored_and_an_edit_cannot_probe_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, word: str
) -> None:
    """`vault import` scores nothing (issue 13: linear and cheap) yet closes the window: it
    records each password's basis with a PENDING verdict. Same rules: judged live. Edited
    rules: skipped for penguin and zebra alike, until `vault recheck`."""
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert invoke("vault", "init").exit_code == 0
    Path("export.csv").write_text(IMPORT, encoding="utf-8")
    done = invoke("vault", "import", "export.csv", "--from", "keepassxc", "--map", f"1={ACCOUNT}")
    assert done.exit_code == 0, done.output
    with sqlite3.connect("posture.db") as conn:  # the import scored nothing
        assert conn.execute("SELECT count(*) FROM score_cache").fetchone()[0] == 0
    assert pwd001(scan("json", "--no-history"))["status"] == "PASS"  # same rules: live
    edit("dormant_days = 60", f'dormant_days = 60\nblocklist = ["{word}"]')
    held = scan("json", "--no-history")
    assert pwd001(held)["status"] == "SKIPPED"
    assert "changed since this password was imported" in str(pwd001(held)["message"])
    assert "since 1 stored password was set" in held
    assert invoke("vault", "recheck").exit_code == 0
    status = pwd001(scan("json", "--no-history"))["status"]
    assert status == ("FAIL" if word == "penguin" else "PASS")
