"""The leak suite: sentinel secrets go through every command and every output format, then every
output and every file the commands left behind is searched for them, plain and encoded.

Searched: stdout and stderr of every command, and every file under the test folder (reports, the
database and any -wal/-shm/-journal file, the vault and its backups, the lock file, exports, the
keyring stand-in, temp files left behind: TMPDIR points into the test folder). Only the inputs the
test itself wrote (passphrase files, recovery-code file, CSV exports, the breach corpus) are not
searched. Forms: plain (as is, lower and upper case), UTF-16, hex, base64 (standard and urlsafe,
at every byte alignment), base32 (likewise), URL-encoded (quote and quote_plus) and SHA-1 hex
(upper and lower, and the 35-digit suffix a range API would see).

The only allowed appearances: `vault get` printing exactly the value asked for, and `vault history
--show` printing that account's values. The vault file and its backups hold ciphertext only.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import tomllib
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.core.secret import Secret
from scanner.vault import Vault
from scanner.vault.otp import _decode
from tests.kdf import TEST_PYTHONPATH
from tests.vault.conftest import posture_in_process

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scanner" / "data" / "inventory.example.toml"
DEMO_DATA = REPO / "scanner" / "data" / "demo_vault.toml"
AS_OF = "2026-11-23"

# Distinct sentinels; characters a URL or shell would encode make the encoded forms differ.
PASSPHRASE_1 = "SENTINEL passphrase/one+4b1d&e9"
PASSPHRASE_2 = "SENTINEL passphrase/two+c07f&a3"
WRONG_PASSPHRASE = "SENTINEL passphrase/wrong+5e11"
SHARED = "SENTINEL/pw+shared&7f3a 9c1e-Q"  # x-main and facebook-page; in the breach corpus
NEAR = "S3NTINEL/pw+shared&7f3a 9c1e-Q!"  # linkedin-page: near-identical to SHARED
BRAVO = "SENTINEL-pw-bravo-0c4e8f=="  # x-support: rotated, then rolled back
CHARLIE = "SENTINEL-pw-charlie-91d2%"  # instagram-careers: removed with `vault rm`
BITWARDEN_PW = "SENTINEL-pw-bitwarden-3a5e"  # instagram-main, imported
KEEPASSXC_PW = "SENTINEL-pw-keepassxc-77b1"  # newsletter, imported
ONEPASSWORD_PW = "SENTINEL-pw-1password-e20d"  # tiktok-brand, imported
NOT_BASE32 = "SENTINEL-seed-not-base32-18!"  # refused by `vault set --totp -`
SEED_STDIN = "SENTINELSEEDSTDINAAQQZZ23456ABCD"  # x-main, `--totp -` (otpauth URI on stdin)
SEED_ARGV = "SENTINELSEEDARGVBBRRYY765432DCBA"  # design-tool: refused on argv, then `--totp -`
SEED_IMPORT = "SENTINELSEEDIMPRTCCSSXX23456EFGH"  # instagram-main, from the Bitwarden export
CONTEXT_PW = "AcmeOutdoor~2026!!"  # design-tool: built on the brand, `vault set` warns
CODES = ("SENTINEL-rc-one-5d7a", "SENTINEL-rc-two-b3c9", "SENTINEL-rc-three-0f61")

SENTINELS: dict[str, str] = {
    "passphrase 1": PASSPHRASE_1,
    "passphrase 2": PASSPHRASE_2,
    "wrong passphrase": WRONG_PASSPHRASE,
    "shared password": SHARED,
    "near-identical password": NEAR,
    "bravo password": BRAVO,
    "charlie password": CHARLIE,
    "bitwarden password": BITWARDEN_PW,
    "keepassxc password": KEEPASSXC_PW,
    "1password password": ONEPASSWORD_PW,
    "seed not base32": NOT_BASE32,
    "context-word password": CONTEXT_PW,
    "seed stdin": SEED_STDIN,
    "seed argv": SEED_ARGV,
    "seed import": SEED_IMPORT,
    **{f"recovery code {n}": code for n, code in enumerate(CODES, 1)},
}
SEEDS = {"seed stdin", "seed argv", "seed import"}


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _aligned(
    encode: Callable[[bytes], bytes], data: bytes, group_bytes: int, group_chars: int
) -> list[bytes]:
    """Encodings of `data` at every byte offset inside a larger buffer: the characters that
    depend only on `data` (first and last group dropped where neighbours could change them)."""
    forms = []
    for offset in range(group_bytes):
        text = encode(b"\0" * offset + data)
        text = text.rstrip(b"=")
        start = group_chars if offset else 0
        forms.append(text[start:-group_chars])
        if offset == 0:
            forms.append(text)  # the whole encoding, when the secret is encoded on its own
    return [f for f in forms if len(f) >= 12]


def forms(value: str, *, seed: bool = False) -> dict[str, bytes]:
    """Every form of `value` the suite looks for, by name."""
    raw = value.encode("utf-8")
    found: dict[str, bytes] = {
        "plain": raw,
        "lower": value.lower().encode(),
        "upper": value.upper().encode(),
        "utf-16": value.encode("utf-16-le"),
        "hex": binascii.hexlify(raw),
        "HEX": binascii.hexlify(raw).upper(),
        "url quote": urllib.parse.quote(value, safe="").encode(),
        "url quote path": urllib.parse.quote(value).encode(),
        "url quote_plus": urllib.parse.quote_plus(value).encode(),
        "sha1": _sha1(raw).encode(),
        "SHA1": _sha1(raw).upper().encode(),
        "SHA1 range suffix": _sha1(raw).upper()[5:].encode(),
    }
    for name, encode in (
        ("base64", base64.b64encode),
        ("urlsafe base64", base64.urlsafe_b64encode),
    ):
        for n, form in enumerate(_aligned(encode, raw, 3, 4)):
            found[f"{name} #{n}"] = form
    for n, form in enumerate(_aligned(base64.b32encode, raw, 5, 8)):
        found[f"base32 #{n}"] = form
    if seed:
        key = _decode(value)
        found["seed key hex"] = binascii.hexlify(key)
        found["seed key HEX"] = binascii.hexlify(key).upper()
        for n, form in enumerate(_aligned(base64.b64encode, key, 3, 4)):
            found[f"seed key base64 #{n}"] = form
        for n, form in enumerate(_aligned(base64.urlsafe_b64encode, key, 3, 4)):
            found[f"seed key urlsafe base64 #{n}"] = form
    return found


@dataclass
class Surface:
    """One place a secret could leak to, and the sentinels allowed to appear there."""

    label: str
    data: bytes
    allowed: frozenset[str] = frozenset()  # values (not names): two accounts may share one


@dataclass
class LeakSearch:
    """Collects outputs and files, then finds every sentinel form in any of them."""

    sentinels: dict[str, str] = field(default_factory=dict)
    surfaces: list[Surface] = field(default_factory=list)

    def output(self, label: str, text: str, allowed: frozenset[str] = frozenset()) -> None:
        self.surfaces.append(Surface(label, text.encode("utf-8", "surrogatepass"), allowed))

    def files(self, root: Path, inputs: set[Path]) -> list[Path]:
        found = []
        for path in sorted(root.rglob("*")):
            if path.is_file() and path not in inputs:
                found.append(path)
                self.surfaces.append(Surface(f"file {path.relative_to(root)}", path.read_bytes()))
                if path.name == "posture.db":
                    self.history(path)
        return found

    def history(self, db: Path) -> None:
        """The scan history is stored compressed: search it decompressed too."""
        with contextlib.closing(sqlite3.connect(db)) as conn:
            columns = {row[1] for row in conn.execute("PRAGMA table_info(scans)")}
            if "findings" not in columns:
                return
            for scan_id, stored in conn.execute(
                "SELECT id, findings FROM scans WHERE findings IS NOT NULL"
            ):
                data = stored if isinstance(stored, bytes) else str(stored).encode()
                if data[:1] != b"{":
                    data = zlib.decompress(data)
                self.surfaces.append(Surface(f"history of scan #{scan_id}", data))

    def leaks(self) -> list[str]:
        hits = []
        searches = {
            name: forms(value, seed=name in SEEDS) for name, value in self.sentinels.items()
        }
        for surface in self.surfaces:
            for name, form_bytes in searches.items():
                if self.sentinels[name] in surface.allowed:
                    continue
                for form_name, needle in form_bytes.items():
                    if needle in surface.data:
                        hits.append(f"{name} ({form_name}) in {surface.label}")
        return hits


class Cli:
    """`posture ARGS` in process; every stdout and stderr goes to the search."""

    def __init__(self, search: LeakSearch) -> None:
        self.search = search
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        code: int | tuple[int, ...] = 0,
        allowed: frozenset[str] = frozenset(),
    ) -> str:
        result = self.runner.invoke(app, list(args), input=input)
        label = "posture " + " ".join(args)
        codes = code if isinstance(code, tuple) else (code,)
        assert result.exit_code in codes, (
            f"{label}: exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
        )
        assert "Traceback" not in result.stderr, label
        self.search.output(f"stdout of {label}", result.stdout, allowed)
        self.search.output(f"stderr of {label}", result.stderr)
        return result.stdout

    def get(self, *args: str, expected: list[str]) -> None:
        """`vault get`: stdout is exactly the values asked for, one a line, and nothing else."""
        out = self(*args, allowed=frozenset(expected))
        assert out == "".join(f"{value}\n" for value in expected), args


def _secret_file(path: Path, text: str) -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _corpus(path: Path, *passwords: str) -> Path:
    """A small sorted 40HEX:COUNT corpus: random filler and the SHA-1 of `passwords`."""
    hashes = {_sha1(os.urandom(16)).upper(): n + 1 for n in range(300)}
    for password in passwords:
        hashes[_sha1(password.encode()).upper()] = 4711
    path.write_text("".join(f"{h}:{c}\n" for h, c in sorted(hashes.items())), encoding="ascii")
    return path


def _otpauth(seed: str, label: str) -> str:
    return f"otpauth://totp/{urllib.parse.quote(label)}?secret={seed}&issuer=Acme&digits=6"


def _vault_secrets(path: Path, passphrase: str) -> dict[str, str]:
    """Every secret value in the vault at `path` (current, history, seeds, codes), by a label."""
    vault = Vault.open(path, Secret(passphrase))
    values: dict[str, str] = {}
    for name, entry in vault.entries().items():
        if entry.password is not None:
            values[f"{name} password"] = entry.password.reveal()
        for n, past in enumerate(entry.history, 1):
            values[f"{name} password -{n}"] = past.value.reveal()
        if entry.pending is not None:
            values[f"{name} pending"] = entry.pending.value.reveal()
        if entry.totp is not None:
            values[f"{name} seed"] = entry.totp.secret.reveal()
        for n, code in enumerate(entry.recovery_codes, 1):
            values[f"{name} recovery code {n}"] = code.reveal()
    return values


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the current folder, with every temp file the commands make inside it."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _inputs(folder: Path) -> tuple[dict[str, Path], set[Path]]:
    """The files the user hands posture: passphrases, recovery codes, exports, the corpus."""
    paths = {
        "pass1": _secret_file(folder / "pass1.txt", PASSPHRASE_1),
        "pass2": _secret_file(folder / "pass2.txt", PASSPHRASE_2),
        "wrong": _secret_file(folder / "wrong.txt", WRONG_PASSPHRASE),
        "codes": folder / "codes.txt",
        "bitwarden": folder / "bitwarden.csv",
        "keepassxc": folder / "keepassxc.csv",
        "1password": folder / "1password.csv",
        "corpus": _corpus(folder / "pwned.txt", SHARED),
    }
    paths["codes"].write_text("\n".join(CODES) + "\n", encoding="utf-8")
    paths["bitwarden"].write_text(
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"
        f"Social,,login,Instagram,,,0,https://www.instagram.com,social@acme.example,"
        f"{BITWARDEN_PW},{_otpauth(SEED_IMPORT, 'Instagram:social')}\n"
        "Home,,login,My bank,,,0,https://bank.example,me@home.example,not-ours-1,\n",
        encoding="utf-8",
    )
    paths["keepassxc"].write_text(
        '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"\n'
        f'"Root/SaaS","newsletter","","{KEEPASSXC_PW}","","","","0","2026-01-02T10:00:00Z","2025-01-02T10:00:00Z"\n',
        encoding="utf-8",
    )
    paths["1password"].write_text(
        "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
        f"TikTok,https://www.tiktok.com/login,,{ONEPASSWORD_PW},,false,false,social,\n",
        encoding="utf-8",
    )
    return paths, set(paths.values())


def _assert_no_leaks(search: LeakSearch) -> None:
    leaks = search.leaks()
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks)


FORMATS = {
    "table": "txt",
    "json": "json",
    "sarif": "sarif",
    "junit": "xml",
    "csv": "csv",
    "markdown": "md",
    "html": "html",
    "github": "annotations",
}


def test_no_secret_leaks_through_any_command_in_process(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from tests.vault.keyring_backends import FileKeyring

    search = LeakSearch(dict(SENTINELS))
    run = Cli(search)
    paths, inputs = _inputs(sandbox)
    p1, p2, wrong = (str(paths[k]) for k in ("pass1", "pass2", "wrong"))
    work = sandbox / "work"

    # init: the starter inventory and a vault under the first passphrase.
    run("init", str(work), "--passphrase-file", p1)
    monkeypatch.chdir(work)
    run("vault", "init", "--passphrase-file", p1, code=2)  # one exists: refused
    run("vault", "init", "--vault", "spare.vault", "--passphrase-file", p1)

    # set: passwords on stdin (two accounts share one, one is near-identical), seeds, codes.
    for account, password in (
        ("x-main", SHARED),
        ("facebook-page", SHARED),
        ("linkedin-page", NEAR),
        ("x-support", BRAVO),
        ("instagram-careers", CHARLIE),
    ):
        run("vault", "set", account, "--passphrase-file", p1, input=password + "\n")
    run(
        "vault",
        "set",
        "x-main",
        "--totp",
        "-",
        "--passphrase-file",
        p1,
        input=_otpauth(SEED_STDIN, "X:acmeoutdoor"),
    )
    # A seed on argv is refused (exit 2) and never echoed; then stored the supported way.
    run("vault", "set", "design-tool", "--totp", _otpauth(SEED_ARGV, "Design"), "--passphrase-file", p1, code=2)  # fmt: skip
    run("vault", "set", "design-tool", "--totp", "-", "--passphrase-file", p1, input=_otpauth(SEED_ARGV, "Design"))  # fmt: skip
    run("vault", "set", "x-main", "--recovery-codes", str(paths["codes"]), "--passphrase-file", p1)  # fmt: skip
    run("vault", "set", "x-main", "--totp", "-", "--passphrase-file", p1, input=NOT_BASE32, code=2)
    run("vault", "set", "x-main", "--passphrase-file", wrong, input=SHARED + "\n", code=2)
    # a password built on the brand: `vault set` warns at once (PWD-001), never with the value.
    run("vault", "set", "design-tool", "--set-on", "2026-11-01", "--passphrase-file", p1, input=CONTEXT_PW + "\n")  # fmt: skip
    run("vault", "set", "nobody", "--passphrase-file", p1, input=SHARED + "\n", code=2)

    # import from each manager's CSV export.
    for manager in ("bitwarden", "keepassxc", "1password"):
        out = run("vault", "import", str(paths[manager]), "--from", manager, "--passphrase-file", p1)  # fmt: skip
        assert out.startswith("row 1: ") and "stored in" in out
        dry = run("vault", "import", str(paths[manager]), "--from", manager, "--dry-run", "--passphrase-file", p1)  # fmt: skip
        assert "dry run, nothing written" in dry

    # read back: list, history (no values), get (exactly the value asked for).
    run("vault", "list", "--passphrase-file", p1, "--as-of", AS_OF)
    run("vault", "history", "x-main", "--passphrase-file", p1)
    run.get("vault", "get", "x-main", "--passphrase-file", p1, expected=[SHARED])  # fmt: skip
    run.get("vault", "get", "linkedin-page", "--passphrase-file", p1, expected=[NEAR])  # fmt: skip
    run.get("vault", "get", "x-main", "--field", "recovery", "--passphrase-file", p1, expected=list(CODES))  # fmt: skip
    totp = run("vault", "get", "x-main", "--field", "totp", "--passphrase-file", p1)
    assert re.fullmatch(r"\d{6}\n", totp), "vault get --field totp prints the code, not the seed"
    run("vault", "get", "x-main", "--passphrase-file", wrong, code=2)
    run("vault", "get", "nobody", "--passphrase-file", p1, code=2)

    # scan in every format, to stdout and to files, against a corpus holding SHARED's SHA-1.
    scan = ("scan", "--passphrase-file", p1, "--hibp", str(paths["corpus"]), "--as-of", AS_OF)
    for name in FORMATS:
        run(*scan, "--format", name, "--show-passed", code=1)
    report_args = [a for name, suffix in FORMATS.items() for a in ("-f", name, "-o", f"report.{suffix}")]  # fmt: skip
    run(*scan, *report_args, code=1)
    import json

    findings = json.loads(Path("report.json").read_text())["findings"]
    failed = {(f["check_id"], f["account"]) for f in findings if f["status"] == "FAIL"}
    # Positive controls: the secrets were really read, looked up and compared.
    assert {("PWD-002", "x-main"), ("PWD-003", "x-main"), ("PWD-003", "linkedin-page")} <= failed
    run("scan", "--passphrase-file", wrong, code=2)
    # A policy edit since the passwords were stored: the scan's one aggregate notice (every
    # format), then `vault recheck` under the edited policy.
    Path("edited-policy.toml").write_text('[policy]\nblocklist = ["penguin"]\n', encoding="utf-8")
    edited = (*scan, "--policy", "edited-policy.toml")
    for name in ("table", "html"):  # and json below: the formats that print notes
        run(*edited, "--format", name, "--show-passed", code=1)
    assert "policy or context words changed" in run(*edited, "--format", "json", code=1)
    run("vault", "recheck", "--policy", "edited-policy.toml", "--passphrase-file", p1)
    # online look-ups that fail: an endless answer and a redirect (the one-line incomplete notice).
    from tests.hardening.test_network_bounds import RawServer, endless, redirect_to

    with RawServer(endless) as server, RawServer(redirect_to(server.url)) as redirect:
        for url in (server.url, redirect.url):
            online = ("--online", "--hibp-url", url, "--hibp-timeout", "5")
            report = run("scan", "--passphrase-file", p1, *online, "--as-of", AS_OF, code=3)
            assert "did not answer" in report  # the ERROR finding names why
    # The catalogue's outputs: the listing, stale-fact warnings and notes, MFA-004, roles.
    run("platforms")
    run("platforms", "--format", "json", "--as-of", "2028-01-01")
    stale = ("scan", "--passphrase-file", p1, "--as-of", "2028-01-01")
    assert "platform catalogue" in run(*stale, "--format", "markdown", "--show-passed", code=1)
    run("explain", "MFA-004")
    run("vault", "rotate", "shopify-store", "--passphrase-file", p1)
    run("checks")
    run("explain", "PWD-002")
    run("history")

    # breach: the runbook names the account sharing x-main's password.
    started = run("breach", "start", "x-main", "--by", "tester", "--passphrase-file", p1)
    assert "facebook-page" in started
    run("breach", "show", "x-main")
    run("breach", "done", "x-main", "1", "--by", "tester", "--note", "locked the session")
    run("breach", "checklist", "x-main", "--passphrase-file", p1)
    run("breach", "checklist", "x-main", "--format", "markdown", "--passphrase-file", p1)
    # Every attack vector's checklist (session steps, app revocations, carrier lock, chains).
    for vector in ("session-theft", "sim-swap", "third-party-app", "platform", "insider"):
        run("breach", "checklist", "facebook-page", "--vector", vector, "--passphrase-file", p1)
    run("breach", "list")
    # accounts: the vault column (entries and ages) with the vault open, in every format.
    for listing in ("table", "json", "csv"):
        shown = run("accounts", "--format", listing, "--passphrase-file", p1, "--as-of", AS_OF)
        assert "stored" in shown and "incident" in shown  # positive control: vault and incident
    run("accounts", "--person", "dana", "--platform", "x")
    run("breach", "export", "x-main")
    run("breach", "export", "x-main", "-o", "incident.md")
    run("breach", "close", "x-main", "--force", "--reason", "drill", "--by", "tester")

    # offboard: alex knew x-support's password (BRAVO); the close verification opens the vault.
    run("offboard", "checklist", "alex")
    run("offboard", "checklist", "agency:brightsocial", "--format", "markdown")
    run("offboard", "start", "alex", "--by", "tester", "--note", "last day")
    run("offboard", "done", "alex", "devices", "--by", "tester", "--note", "laptop returned")
    run("offboard", "close", "alex", "--passphrase-file", p1, code=2)  # ACC-002 names alex
    run("offboard", "close", "alex", "--passphrase-file", wrong, code=2)
    run("offboard", "show", "alex")
    run("offboard", "list")
    run("offboard", "export", "alex")
    run("offboard", "export", "alex", "-o", "offboarding.md")

    # change: rotate, roll back, remove, re-encrypt under a new passphrase.
    run("vault", "rotate", "x-support", "--reason", "leaver", "--passphrase-file", p1)
    pending = _vault_secrets(Path("posture.vault"), PASSPHRASE_1)["x-support pending"]
    run.get("vault", "get", "x-support", "--passphrase-file", p1, expected=[pending])
    run.get("vault", "get", "x-support", "--field", "live", "--passphrase-file", p1, expected=[BRAVO])  # fmt: skip
    run("scan", "--passphrase-file", p1, "--as-of", AS_OF, code=1)  # notes the pending rotation
    run("vault", "list", "--passphrase-file", p1, "--as-of", AS_OF)
    run("breach", "checklist", "x-main", "--since", "2026-01-01", "--passphrase-file", p1)
    confirmed = run("vault", "confirm", "x-support", "--passphrase-file", p1)
    assert "offboarding of alex: ticked rotate:x-support" in confirmed
    closed = run("offboard", "close", "alex", "--force", "--reason", "drill", "--passphrase-file", p1)  # fmt: skip
    assert "ACC-002 x-support" in closed  # positive control: the checks ran on the vault's secrets
    run("vault", "rotate", "--all-due", "--as-of", "2027-06-01", "--passphrase-file", p1)
    run("vault", "rollback", "x-support", "--passphrase-file", p1)
    run("vault", "history", "x-support", "--passphrase-file", p1)
    own = {v for k, v in _vault_secrets(Path("posture.vault"), PASSPHRASE_1).items() if k.startswith("x-support ")}  # fmt: skip
    shown = run("vault", "history", "x-support", "--show", "--passphrase-file", p1, allowed=frozenset(own))  # fmt: skip
    assert BRAVO in shown  # documented: --show prints this account's values
    run("vault", "rm", "instagram-careers", "--passphrase-file", p1)
    run("vault", "passwd", "--passphrase-file", p1, "--new-passphrase-file", p2)
    run("vault", "list", "--passphrase-file", p1, code=2)  # the old passphrase no longer opens it
    run("vault", "list", "--passphrase-file", p2)
    run(*scan[:1], "--passphrase-file", p2, "--hibp", str(paths["corpus"]), code=1)

    # keyring: `forget` without a keyring, then remember and forget with a stand-in backend.
    run("vault", "forget", code=2)
    monkeypatch.setenv("POSTURE_TEST_KEYRING_FILE", str(sandbox / "keyring.json"))
    keyring.set_keyring(FileKeyring())
    run("vault", "list", "--remember", "--passphrase-file", p2)
    run("vault", "list")  # opened with the remembered key
    assert run("vault", "forget") == "removed the vault's key from the OS keyring\n"
    run("vault", "forget", "--vault", "spare.vault")

    # Every value the vault ever held (generated ones too) is a sentinel as well.
    for name, value in _vault_secrets(work / "posture.vault", PASSPHRASE_2).items():
        search.sentinels.setdefault(name, value)
    files = search.files(sandbox, inputs)
    names = {p.name for p in files}
    assert {"posture.vault", "posture.vault.lock", "posture.db", "report.html", "incident.md"} <= names  # fmt: skip
    assert any(p.parent.name == "posture.vault.bak" for p in files)
    _assert_no_leaks(search)


def test_rotated_passwords_leak_nowhere_but_history_show(sandbox: Path) -> None:
    """Generated passwords (rotate, --generate) appear only where asked for."""
    search = LeakSearch()
    run = Cli(search)
    paths, inputs = _inputs(sandbox)
    p1 = str(paths["pass1"])
    run("init", ".", "--passphrase-file", p1)
    run("vault", "set", "x-support", "--generate", "--passphrase-file", p1)
    run("vault", "rotate", "x-support", "--passphrase-file", p1)
    run("vault", "rotate", "x-support", "--passphrase-file", p1)  # already pending: kept
    run("vault", "confirm", "x-support", "--passphrase-file", p1)
    run("vault", "list", "--passphrase-file", p1)
    run("vault", "history", "x-support", "--passphrase-file", p1)
    run("scan", "--passphrase-file", p1, "-f", "json", "-o", "r.json", code=(0, 1))
    run("breach", "start", "x-support", "--by", "t", "--passphrase-file", p1)
    secrets = _vault_secrets(sandbox / "posture.vault", PASSPHRASE_1)
    assert set(secrets) == {"x-support password", "x-support password -1"}
    search.sentinels.update(secrets)
    run.get(
        "vault",
        "get",
        "x-support",
        "--passphrase-file",
        p1,
        expected=[secrets["x-support password"]],
    )
    search.files(sandbox, inputs)
    _assert_no_leaks(search)


def _subprocess(
    *args: str, cwd: Path, env: dict[str, str], input: str | None = None, code: int = 0
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == code, f"{args}: {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def test_no_secret_leaks_from_real_processes(sandbox: Path) -> None:
    """A representative subset, the passphrase from the environment (the source not exercised
    in process above). The commands marked `real` run as real `python -m scanner` processes (init,
    a secret on stdin, `vault get`, annotations and SARIF, passwd, a refused passphrase); the
    others in process with the same environment (a process costs about 0.8 s of CPU)."""
    search = LeakSearch(dict(SENTINELS))
    paths, inputs = _inputs(sandbox)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    env |= {
        "PYTHONPATH": TEST_PYTHONPATH,
        "TMPDIR": str(sandbox / "tmp"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "POSTURE_VAULT_PASSPHRASE": PASSPHRASE_1,
    }

    def run(
        *args: str,
        input: str | None = None,
        code: int = 0,
        allowed: frozenset[str] = frozenset(),
        real: bool = False,
    ) -> str:
        if real:
            result = _subprocess(*args, cwd=sandbox, env=env, input=input, code=code)
        else:
            result = posture_in_process(*args, cwd=sandbox, env=env, input=input)
            assert result.returncode == code, f"{args}: {result.returncode}\n{result.stderr}"
            assert "Traceback" not in result.stderr
        search.output(f"stdout of posture {' '.join(args)}", result.stdout, allowed)
        search.output(f"stderr of posture {' '.join(args)}", result.stderr)
        return result.stdout

    run("init", ".", real=True)
    run("vault", "set", "x-main", input=SHARED + "\n", real=True)
    run("vault", "set", "facebook-page", input=SHARED + "\n")
    run("vault", "set", "x-main", "--totp", "-", input=_otpauth(SEED_STDIN, "X:acme"))
    run("vault", "set", "x-main", "--recovery-codes", str(paths["codes"]))
    run("vault", "import", str(paths["1password"]), "--from", "1password")
    assert run("vault", "get", "x-main", allowed=frozenset({SHARED}), real=True) == SHARED + "\n"
    assert re.fullmatch(r"\d{6}\n", run("vault", "get", "x-main", "--field", "totp"))
    run("vault", "list")
    run("vault", "history", "x-main")
    run("accounts", "-f", "json")
    run("scan", "-f", "json", "--hibp", str(paths["corpus"]), "--as-of", AS_OF, code=1)
    run("scan", "-f", "sarif", "-o", "r.sarif", "-f", "html", "-o", "r.html", "--hibp", str(paths["corpus"]), code=1)  # fmt: skip
    # Annotations on stdout, the summary line on stderr, SARIF with suppressions kept.
    run("scan", "-f", "github", "-o", "-", "-f", "sarif", "-o", "s.sarif", "--sarif-include-suppressed", "--hibp", str(paths["corpus"]), code=1, real=True)  # fmt: skip
    assert "facebook-page" in run("breach", "start", "x-main", "--by", "tester")
    run("breach", "export", "x-main", "-o", "incident.md")
    env["POSTURE_NEW_VAULT_PASSPHRASE"] = PASSPHRASE_2
    run("vault", "passwd", real=True)
    run("vault", "list", code=2, real=True)  # the old passphrase is refused
    env["POSTURE_VAULT_PASSPHRASE"] = PASSPHRASE_2
    run("vault", "rotate", "x-main")
    run("history")
    for name, value in _vault_secrets(sandbox / "posture.vault", PASSPHRASE_2).items():
        search.sentinels.setdefault(name, value)
    search.files(sandbox, inputs)
    _assert_no_leaks(search)


def test_demo_secrets_leak_nowhere_but_the_announced_passphrase(sandbox: Path) -> None:
    """`posture demo --keep DIR`: its example secrets (generated ones included) stay in the
    vault; only its demo-only passphrase is printed, on its one announced line."""
    search = LeakSearch()
    run = Cli(search)
    passphrase = tomllib.loads(DEMO_DATA.read_text("utf-8"))["passphrase"]
    out = run("demo", "--keep", "kept", allowed=frozenset({passphrase}))
    announced = [line for line in out.splitlines() if passphrase in line]
    assert announced == [f"(demo) vault passphrase, DEMO ONLY, never reuse it: {passphrase}"]
    search.output("demo stdout without its passphrase line", out.replace(announced[0], ""))
    search.sentinels["demo passphrase"] = passphrase
    secrets = _vault_secrets(sandbox / "kept" / "posture.vault", passphrase)
    assert len(secrets) > 10
    search.sentinels.update(secrets)
    # The demo's stand-in breach corpus is an input like the real Pwned Passwords file: it holds
    # the SHA-1 of the demo passwords it marks as breached, by definition.
    search.files(sandbox, {sandbox / "kept" / "pwned-passwords-demo.txt"})
    _assert_no_leaks(search)


def test_the_search_finds_every_form_it_looks_for(tmp_path: Path) -> None:
    """The searcher itself: each encoding of a sentinel, embedded at any offset, is found."""
    secret = SHARED
    raw = secret.encode()
    embedded = [
        b"x" + base64.b64encode(b"ab" + raw + b"cd"),
        base64.urlsafe_b64encode(b"a" + raw),
        base64.b32encode(b"abc" + raw),
        urllib.parse.quote(secret).encode(),
        hashlib.sha1(raw, usedforsecurity=False).hexdigest().upper().encode(),
        binascii.hexlify(raw),
        secret.encode("utf-16-le"),
    ]
    for n, data in enumerate(embedded):
        search = LeakSearch({"s": secret})
        search.surfaces.append(Surface(f"case {n}", b"<<" + data + b">>"))
        assert search.leaks(), n
    clean = LeakSearch({"s": secret})
    clean.surfaces.append(Surface("clean", b"nothing here " + raw[:-1]))
    assert not clean.leaks()


def test_demo_without_keep_leaves_nothing_in_tmp(sandbox: Path) -> None:
    Cli(LeakSearch())("demo")
    assert not any((sandbox / "tmp").iterdir())
