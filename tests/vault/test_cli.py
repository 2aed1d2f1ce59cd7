"""`posture vault ...` through the CLI: every command's round trip, errors, and secrecy."""

import sqlite3
import struct
from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.vault import Vault

from .conftest import PASSPHRASE, SENTINEL, invoke, run_posture

SEED_SENTINEL = "SENTINELSEEDQQQQ"  # base32, 80 bits
CODE_SENTINEL = "SENTINEL-RECOVERY-CODE-1"
PASSPHRASE_SENTINEL = "SENTINEL-PASSPHRASE-of-the-vault"


@pytest.fixture
def vault_dir(workdir: Path, passphrase_env: str) -> Path:
    result = invoke("vault", "init")
    assert result.exit_code == 0, result.output
    return workdir


def _ok(*args: str, input: str | None = None) -> str:
    result = invoke(*args, input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_init_creates_an_empty_vault_beside_the_inventory(vault_dir: Path) -> None:
    vault = Vault.open(vault_dir / "posture.vault", Secret(PASSPHRASE))
    assert dict(vault.entries()) == {}
    again = invoke("vault", "init")
    assert again.exit_code == 2
    assert "already exists" in again.stderr


def test_set_from_stdin_then_get_prints_it(vault_dir: Path) -> None:
    assert "x-main: stored the password" in _ok("vault", "set", "x-main", input="s3cret-Value\n")
    assert _ok("vault", "get", "x-main") == "s3cret-Value\n"


def test_set_checks_the_account_against_the_inventory(vault_dir: Path) -> None:
    result = invoke("vault", "set", "x-mian", input="pw\n")
    assert result.exit_code == 2
    assert 'no account "x-mian"' in result.stderr


def test_set_uses_the_accounts_vault_entry_name(vault_dir: Path) -> None:
    inventory = vault_dir / "inventory.toml"
    inventory.write_text(
        inventory.read_text().replace(
            'id = "newsletter"\n', 'id = "newsletter"\nvault_entry = "mail-platform"\n'
        )
    )
    _ok("vault", "set", "newsletter", input="pw-1\n")
    vault = Vault.open(vault_dir / "posture.vault", Secret(PASSPHRASE))
    assert set(vault.entries()) == {"mail-platform"}
    assert _ok("vault", "get", "newsletter") == "pw-1\n"


def test_set_generate_follows_the_platform_rules(vault_dir: Path) -> None:
    out = _ok("vault", "set", "x-main", "--generate")
    assert "generated password" in out
    password = _ok("vault", "get", "x-main").strip()
    assert len(password) == 24  # X's generate_length in the catalogue (v2)
    assert password not in out


def test_set_totp_and_get_the_current_code(vault_dir: Path) -> None:
    _ok(
        "vault",
        "set",
        "x-support",
        "--totp",
        "-",
        input=f"otpauth://totp/X:h?secret={SEED_SENTINEL}\n",
    )
    code = _ok("vault", "get", "x-support", "--field", "totp").strip()
    assert code.isdigit()
    assert len(code) == 6


def test_set_recovery_codes_from_a_file(vault_dir: Path) -> None:
    codes = vault_dir / "codes.txt"
    codes.write_text("aaaa-1111\n\nbbbb-2222\n")
    assert "2 recovery codes" in _ok("vault", "set", "x-main", "--recovery-codes", str(codes))
    assert _ok("vault", "get", "x-main", "--field", "recovery") == "aaaa-1111\nbbbb-2222\n"


def test_get_reports_a_missing_entry_or_field(vault_dir: Path) -> None:
    missing = invoke("vault", "get", "x-main")
    assert missing.exit_code == 2
    assert 'no vault entry "x-main"' in missing.stderr
    _ok("vault", "set", "x-main", input="pw\n")
    no_totp = invoke("vault", "get", "x-main", "--field", "totp")
    assert no_totp.exit_code == 2
    assert "has no TOTP seed" in no_totp.stderr


def test_a_password_set_without_a_date_is_listed_as_unknown_not_zero_days(
    vault_dir: Path,
) -> None:
    result = invoke("vault", "set", "x-support", input="typed-in-from-memory\n")
    assert result.exit_code == 0, result.output
    assert "set date is unknown" in result.stderr
    row = next(r for r in _ok("vault", "list").splitlines() if r.startswith("x-support"))
    assert row.split()[1] == "unknown"
    assert " 0 d" not in row
    # Unknown counts as older than any departure: Alex (a holder) left, so it is due.
    out = _ok("vault", "rotate", "--all-due", "--as-of", "2026-11-23")
    assert "x-support: new password stored" in out
    assert "no password set date" in out


def test_set_on_dates_the_password_so_a_later_departure_makes_it_due(vault_dir: Path) -> None:
    _ok("vault", "set", "x-support", "--set-on", "2026-08-20", input="after-alex-left\n")
    listed = _ok("vault", "list", "--as-of", "2026-08-30").splitlines()
    row = next(r for r in listed if r.startswith("x-support"))
    assert row.split()[1:3] == ["10", "d"]
    assert "yes" not in row  # set after Alex left on 2026-08-15: not due
    _ok("vault", "set", "x-support", "--set-on", "2026-08-01", input="after-alex-left\n")
    listed = _ok("vault", "list", "--as-of", "2026-08-30").splitlines()
    assert next(r for r in listed if r.startswith("x-support")).rstrip().endswith("yes")
    result = invoke("vault", "set", "x-main", "--set-on", "2999-01-01", input="x\n")
    assert result.exit_code == 2
    assert "in the future" in result.stderr


def test_list_shows_ages_rotations_and_totp_but_no_value(vault_dir: Path) -> None:
    _ok("vault", "set", "x-main", "--set-on", "today", input=f"{SENTINEL}\n")
    _ok("vault", "set", "x-main", "--totp", "-", input=SEED_SENTINEL)
    out = _ok("vault", "list")
    row = next(line for line in out.splitlines() if line.startswith("x-main"))
    assert row.split()[1:5] == ["0", "d", "0", "0"]
    assert "yes" in row
    assert "linkedin-page" in out  # inventory accounts without an entry are listed too
    assert SENTINEL not in out


def test_rotate_keeps_history_and_says_where_to_change_it(vault_dir: Path) -> None:
    _ok("vault", "set", "x-support", input="old-password\n")
    out = _ok("vault", "rotate", "x-support", "--reason", "alex left")
    assert "https://x.com/i/flow/login" in out
    assert "posture vault rollback x-support" in out
    assert "pending" in out
    assert "posture vault confirm x-support" in out
    new = _ok("vault", "get", "x-support").strip()
    assert new != "old-password"
    assert len(new) == 24  # X generate_length (catalogue v2)
    # Until confirmed, the old value is the live one.
    assert _ok("vault", "get", "x-support", "--field", "live") == "old-password\n"
    assert "0 rotations" in _ok("vault", "history", "x-support")
    assert "rotation confirmed" in _ok("vault", "confirm", "x-support")
    history = _ok("vault", "history", "x-support")
    assert "alex left" in history
    assert "old-password" not in history
    assert "1 rotations" in history
    assert _ok("vault", "get", "x-support", "--field", "live").strip() == new


def test_rollback_restores_the_previous_password(vault_dir: Path) -> None:
    _ok("vault", "set", "x-support", input="old-password\n")
    _ok("vault", "rotate", "x-support")
    assert "pending rotation is cancelled" in _ok("vault", "rollback", "x-support")
    assert _ok("vault", "get", "x-support") == "old-password\n"
    _ok("vault", "rotate", "x-support")
    _ok("vault", "rotate", "x-support", "--confirm")
    assert "previous password is current again" in _ok("vault", "rollback", "x-support")
    assert _ok("vault", "get", "x-support") == "old-password\n"


def test_confirm_without_a_pending_rotation_is_an_error(vault_dir: Path) -> None:
    _ok("vault", "set", "x-support", input="old-password\n")
    result = invoke("vault", "confirm", "x-support")
    assert result.exit_code == 2
    assert "no rotation is pending" in result.stderr


def test_a_second_rotate_keeps_the_pending_value(vault_dir: Path) -> None:
    _ok("vault", "rotate", "x-support")
    first = _ok("vault", "get", "x-support")
    assert "already pending" in _ok("vault", "rotate", "x-support")
    assert _ok("vault", "get", "x-support") == first


def test_rollback_without_history_is_an_error(vault_dir: Path) -> None:
    _ok("vault", "set", "x-support", input="only\n")
    result = invoke("vault", "rollback", "x-support")
    assert result.exit_code == 2
    assert "no earlier password" in result.stderr


def test_history_show_prints_the_values(vault_dir: Path) -> None:
    _ok("vault", "set", "x-main", input="first-pw\n")
    _ok("vault", "set", "x-main", input="second-pw\n")
    out = _ok("vault", "history", "x-main", "--show")
    assert "first-pw" in out
    assert "second-pw" in out


def test_rotate_all_due_rotates_accounts_a_leaver_knew(vault_dir: Path) -> None:
    _ok("vault", "set", "x-main", input="keep-me\n")
    out = _ok("vault", "rotate", "--all-due", "--as-of", "2026-11-23")
    assert "linkedin-page: new password stored" in out
    assert "x-support: new password stored" in out
    assert "Alex Moreau departed 2026-08-15" in out
    assert "x-main" not in out
    assert _ok("vault", "get", "x-main") == "keep-me\n"
    # Pending until confirmed: still due, and a second run keeps the values being typed.
    assert "already pending" in _ok("vault", "rotate", "--all-due", "--as-of", "2026-11-23")
    confirmed = _ok("vault", "rotate", "--all-due", "--confirm", "--as-of", "2026-11-23")
    assert "x-support: rotation confirmed" in confirmed
    assert "no account is due" in _ok("vault", "rotate", "--all-due", "--as-of", "2026-11-23")


def test_rotate_needs_an_account_or_all_due(vault_dir: Path) -> None:
    result = invoke("vault", "rotate")
    assert result.exit_code == 2
    assert "give one ACCOUNT or --all-due" in result.stderr


def test_rm_removes_the_entry(vault_dir: Path) -> None:
    _ok("vault", "set", "x-main", input="pw\n")
    assert "removed" in _ok("vault", "rm", "x-main")
    assert invoke("vault", "get", "x-main").exit_code == 2
    assert invoke("vault", "rm", "x-main").exit_code == 2


def test_passwd_from_a_file_changes_the_passphrase(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok("vault", "set", "x-main", input="pw\n")
    new = vault_dir / "new.txt"
    new.write_text("the new passphrase\n")
    new.chmod(0o600)
    _ok("vault", "passwd", "--new-passphrase-file", str(new))
    assert invoke("vault", "get", "x-main").exit_code == 2
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", "the new passphrase")
    assert _ok("vault", "get", "x-main") == "pw\n"


def test_passwd_from_the_environment(vault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTURE_NEW_VAULT_PASSPHRASE", "env new passphrase")
    _ok("vault", "passwd")
    Vault.open(vault_dir / "posture.vault", Secret("env new passphrase"))


def test_passwd_without_a_new_passphrase_source_changes_nothing(vault_dir: Path) -> None:
    before = (vault_dir / "posture.vault").read_bytes()
    result = invoke("vault", "passwd")
    assert result.exit_code == 2
    assert "--new-passphrase-file" in result.stderr
    assert (vault_dir / "posture.vault").read_bytes() == before


def test_import_bitwarden_stores_matched_and_lists_unmatched(vault_dir: Path) -> None:
    export = vault_dir / "bitwarden.csv"
    export.write_text(
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"
        f"Social,,login,X,,,0,https://x.com,social@acme.example,{SENTINEL},{SEED_SENTINEL}\n"
        "Home,,login,My bank,,,0,https://bank.example,me@home.example,bank-pw,\n"
    )
    out = _ok("vault", "import", str(export), "--from", "bitwarden")
    assert "row 1: X: stored in x-main (by host + login email; set unknown)" in out
    assert "row 2: My bank: not imported: personal" in out
    assert "2 rows: stored 1, unchanged 0; not imported: 1 personal" in out
    assert SENTINEL not in out
    assert "bank-pw" not in out
    assert _ok("vault", "get", "x-main") == f"{SENTINEL}\n"
    assert _ok("vault", "get", "x-main", "--field", "totp").strip().isdigit()


def test_import_rejects_an_unknown_manager(vault_dir: Path) -> None:
    result = invoke("vault", "import", "x.csv", "--from", "lastpass")
    assert result.exit_code == 2
    assert "bitwarden, keepassxc, 1password" in result.stderr


def test_every_change_writes_an_audit_row_without_values(vault_dir: Path) -> None:
    _ok("vault", "set", "x-main", input=f"{SENTINEL}\n")
    _ok("vault", "rotate", "x-main")
    _ok("vault", "get", "x-main")
    rows = (
        sqlite3.connect(vault_dir / "posture.db")
        .execute("SELECT entry, action, actor FROM vault_audit ORDER BY id")
        .fetchall()
    )
    assert [(entry, action) for entry, action, _ in rows] == [
        (None, "init"),
        ("x-main", "set"),
        ("x-main", "rotate"),
        ("x-main", "get password"),
    ]
    assert all(actor for _, _, actor in rows)


def test_no_passphrase_source_is_one_line_and_exit_2(workdir: Path) -> None:
    Vault.create(workdir / "posture.vault", Secret(PASSPHRASE))
    result = invoke("vault", "list")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "POSTURE_VAULT_PASSPHRASE" in result.stderr


def test_init_asks_twice_on_a_terminal(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["typed passphrase", "typed passphrase"])
    monkeypatch.setattr("scanner.vault.passphrase.stdin_is_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    _ok("vault", "init")
    Vault.open(workdir / "posture.vault", Secret("typed passphrase"))


def test_init_refuses_two_different_passphrases(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["one", "two"])
    monkeypatch.setattr("scanner.vault.passphrase.stdin_is_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    result = invoke("vault", "init")
    assert result.exit_code == 2
    assert "differ" in result.stderr
    assert not (workdir / "posture.vault").exists()


def test_vault_option_and_environment_choose_the_file(
    workdir: Path, passphrase_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok("vault", "init", "--vault", str(workdir / "a.vault"))
    monkeypatch.setenv("POSTURE_VAULT", str(workdir / "b.vault"))
    _ok("vault", "init")
    assert (workdir / "a.vault").exists()
    assert (workdir / "b.vault").exists()
    assert not (workdir / "posture.vault").exists()


# ---- damaged files: a distinct one-line error each, exit 2, the file unchanged


def _damage(path: Path, how: str) -> None:
    raw = bytearray(path.read_bytes())
    if how == "truncated":
        del raw[-20:]
    elif how == "appended":
        raw += b"junk"
    elif how == "version":
        raw[4:6] = struct.pack(">H", 9)
    elif how == "header":
        raw[20] ^= 0x01
    elif how == "payload":
        raw[-30] ^= 0x01
    elif how == "magic":
        raw[0] ^= 0x01
    path.write_bytes(bytes(raw))


EXPECTED = {
    "missing": "no vault here",
    "wrong passphrase": "wrong passphrase",
    "truncated": "truncated",
    "appended": "unexpected bytes after its end",
    "version": "format version 9 is not supported",
    "header": "header is damaged",
    "payload": "contents failed authentication",
    "magic": "not a posture vault",
}


def test_each_kind_of_damage_has_its_own_one_line_error_and_changes_nothing(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok("vault", "set", "x-main", input="pw\n")
    path = vault_dir / "posture.vault"
    good = path.read_bytes()
    seen = {}
    for case, expected in EXPECTED.items():
        path.write_bytes(good)
        monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
        if case == "missing":
            path.unlink()
        elif case == "wrong passphrase":
            monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", "not the passphrase")
        else:
            _damage(path, case)
        before = path.read_bytes() if path.exists() else None
        result = invoke("vault", "set", "x-main", input="new\n")
        assert result.exit_code == 2, case
        assert result.stderr.startswith("posture: error: "), case
        assert result.stderr.count("\n") == 1, result.stderr
        assert expected in result.stderr, (case, result.stderr)
        assert "Traceback" not in result.output
        assert (path.read_bytes() if path.exists() else None) == before, case
        seen[case] = result.stderr
    assert len(set(seen.values())) == len(EXPECTED)


# ---- secrecy


def test_sentinel_secrets_reach_no_file_and_no_output_but_vault_get(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE_SENTINEL)
    codes = workdir / "codes.txt"
    codes.write_text(CODE_SENTINEL + "\n")
    export = workdir / "export.csv"
    export.write_text(
        "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
        f"TikTok,https://www.tiktok.com,,{SENTINEL}-imported,,false,false,,\n"
    )
    new_pass = workdir / "new-pass.txt"
    new_pass.write_text(PASSPHRASE_SENTINEL + "-2\n")
    new_pass.chmod(0o600)
    outputs = []

    def run(*args: str, input: str | None = None) -> str:
        result = invoke(*args, input=input)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
        return result.output

    run("vault", "init")
    run("vault", "set", "x-main", input=f"{SENTINEL}\n")
    run("vault", "set", "x-main", "--totp", "-", input=SEED_SENTINEL)
    run("vault", "set", "x-main", "--recovery-codes", str(codes))
    run("vault", "set", "x-support", "--generate")
    run("vault", "list")
    run("vault", "rotate", "x-main", "--reason", "test")
    run("vault", "history", "x-main")
    run("vault", "rollback", "x-main")
    run("vault", "rotate", "--all-due")
    run("vault", "import", str(export), "--from", "1password")
    run("vault", "set", "design-tool", input=f"{SENTINEL}-doomed\n")
    run("vault", "rm", "design-tool")
    run("vault", "passwd", "--new-passphrase-file", str(new_pass))
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE_SENTINEL + "-2")
    failed = invoke("vault", "get", "nowhere")
    outputs.append(failed.output)
    for output in outputs:
        for sentinel in (SENTINEL, SEED_SENTINEL, CODE_SENTINEL, PASSPHRASE_SENTINEL):
            assert sentinel not in output
    files = [
        p
        for p in workdir.rglob("*")
        if p.is_file() and p.name not in {"codes.txt", "export.csv", "new-pass.txt"}
    ]
    names = {p.name for p in files}
    assert {"posture.vault", "posture.vault.lock", "posture.db"} <= names
    assert any(p.parent.name == "posture.vault.bak" for p in files)
    for path in files:
        data = path.read_bytes()
        for sentinel in (SENTINEL, SEED_SENTINEL, CODE_SENTINEL, PASSPHRASE_SENTINEL):
            assert sentinel.encode() not in data, path
            assert sentinel.encode("utf-16-le") not in data, path
    # The positive control: `vault get` does print them, so the checks above can fail.
    assert _ok("vault", "get", "x-main") == f"{SENTINEL}\n"
    assert CODE_SENTINEL in _ok("vault", "get", "x-main", "--field", "recovery")


def test_posture_vault_commands_run_as_a_real_process(workdir: Path) -> None:
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE}
    assert run_posture("vault", "init", cwd=workdir, env=env).returncode == 0
    stored = run_posture("vault", "set", "x-main", cwd=workdir, env=env, input="proc-pw\n")
    assert stored.returncode == 0, stored.stderr
    got = run_posture("vault", "get", "x-main", cwd=workdir, env=env)
    assert (got.returncode, got.stdout) == (0, "proc-pw\n")
    listed = run_posture("vault", "list", cwd=workdir, env=env)
    assert listed.returncode == 0
    assert "proc-pw" not in listed.stdout
    wrong = run_posture(
        "vault", "get", "x-main", cwd=workdir, env={"POSTURE_VAULT_PASSPHRASE": "nope"}
    )
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("posture: error: ")
    assert "wrong passphrase" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_remember_then_forget_through_a_real_process(workdir: Path) -> None:
    keyring_env = {
        "PYTHON_KEYRING_BACKEND": "tests.vault.keyring_backends.FileKeyring",
        "POSTURE_TEST_KEYRING_FILE": str(workdir / "keyring.json"),
    }
    env = {"POSTURE_VAULT_PASSPHRASE": PASSPHRASE, **keyring_env}
    assert run_posture("vault", "init", cwd=workdir, env=env).returncode == 0
    remembered = run_posture("vault", "list", "--remember", cwd=workdir, env=env)
    assert remembered.returncode == 0, remembered.stderr
    assert PASSPHRASE not in (workdir / "keyring.json").read_text()
    from_keyring = run_posture("vault", "list", cwd=workdir, env=keyring_env)
    assert from_keyring.returncode == 0, from_keyring.stderr
    forgot = run_posture("vault", "forget", cwd=workdir, env=keyring_env)
    assert "removed" in forgot.stdout
    after = run_posture("vault", "list", cwd=workdir, env=keyring_env)
    assert after.returncode == 2
    assert "no vault passphrase" in after.stderr


def test_headless_without_keyring_daemon_works_with_the_environment(workdir: Path) -> None:
    env = {
        "POSTURE_VAULT_PASSPHRASE": PASSPHRASE,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    assert run_posture("vault", "init", cwd=workdir, env=env).returncode == 0
    listed = run_posture("vault", "list", cwd=workdir, env=env)
    assert listed.returncode == 0
    assert listed.stderr == ""


def test_entry_of_an_account_removed_from_the_inventory_can_still_be_read_and_removed(
    vault_dir: Path,
) -> None:
    _ok("vault", "set", "design-tool", input="orphan-pw\n")
    inventory = vault_dir / "inventory.toml"
    inventory.write_text(inventory.read_text().replace('id = "design-tool"', 'id = "design-app"'))
    assert "design-tool (not in inventory)" in _ok("vault", "list")
    assert _ok("vault", "get", "design-tool") == "orphan-pw\n"
    _ok("vault", "rm", "design-tool")
    typo = invoke("vault", "get", "design-tol")
    assert typo.exit_code == 2
    assert 'no account "design-tol"' in typo.stderr
