"""Sentinel secrets never reach a report, the database or stderr."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.core.secret import Secret
from scanner.passwords.records import records_from_vault
from scanner.report import make_report
from scanner.services.scan import ScanRequest, VaultSecrets, perform_scan
from tests.passwords.helpers import KEY, load, write_inventory

SENTINEL = "SentinelPw-8c1f-Acme"
SEED = "SENTINELSEEDQQQQSENTINELSEEDQQQQ"
PASSWORDS = {
    "shop": SENTINEL,
    "blog": SENTINEL,
    "news": SENTINEL.lower() + "99",
    "jobs": "s" * 80 + SENTINEL,
}


@dataclass(frozen=True)
class Seed:
    secret: Secret


@dataclass(frozen=True)
class Entry:
    password: Secret | None
    password_set_at: None = None
    totp: Seed | None = None
    pending: None = None  # a rotation waiting for confirmation (none here)
    recorded: None = None  # no PWD-001 verdict recorded with the password


def forms(secret: str) -> list[str]:
    sha1 = hashlib.sha1(secret.encode(), usedforsecurity=False).hexdigest()
    return [secret, secret.lower(), sha1, sha1.upper(), sha1.upper()[5:]]


def test_sentinel_secrets_never_reach_reports_database_or_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    inventory_path = write_inventory(tmp_path, [(a, "totp") for a in PASSWORDS])
    inventory, _ = load(inventory_path)
    entries = {a: Entry(Secret(p), totp=Seed(Secret(SEED))) for a, p in PASSWORDS.items()}
    corpus = tmp_path / "pwned.txt"
    sha1 = hashlib.sha1(SENTINEL.encode(), usedforsecurity=False).hexdigest().upper()
    corpus.write_text(f"{'0' * 40}:1\n{sha1}:3\n{'F' * 40}:2\n")
    db_path = tmp_path / "posture.db"
    vault = VaultSecrets(records_from_vault(inventory, entries), KEY)
    request = ScanRequest(
        inventory=inventory_path, hibp=corpus, progress=True, workers=2, db=db_path
    )
    result = perform_scan(request, vault=vault)
    outputs = [make_report(name).render(result) for name in ("table", "json")]
    outputs.append(repr(result))
    captured = capfd.readouterr()
    database = db_path.read_bytes().decode("latin-1")
    failed = {(f.check_id, f.account) for f in result.findings if f.failed}
    assert {("PWD-002", "shop"), ("PWD-003", "shop"), ("MFA-003", "shop")} <= failed
    for text in [*outputs, captured.out, captured.err, database]:
        for secret in [*PASSWORDS.values(), SEED]:
            for form in forms(secret):
                assert form not in text


def test_secret_records_come_from_vault_entries_by_vault_entry_name(tmp_path: Path) -> None:
    inventory, _ = load(write_inventory(tmp_path, [("shop", "none"), ("blog", "none")]))
    records = records_from_vault(inventory, {"shop": Entry(Secret("x"), totp=Seed(Secret(SEED)))})
    assert [r.account_id for r in records] == ["shop"]
    assert records[0].totp_secret == Secret(SEED)
