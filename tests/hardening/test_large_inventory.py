"""An inventory of 100,000 accounts loads and scans, and the scan's memory stays proportionate.

Peak memory is the `ru_maxrss` of the `posture scan` process alone (measured by a fresh parent
whose only child it is). Figures on 2 cores (Python 3.11): 100,000 accounts (a 36 MB inventory,
2,000,000 findings), no vault, table report, `--no-history`: 0.83 GiB peak, 42 s. Bound: 2 GiB.
(Recording that scan in the history database as well: 1.57 GiB and 74 s; left out to keep the
suite's time.)

The JSON report is the largest (about 7 KB of text per account). Rendered in one `json.dumps`
call it kept millions of small chunks alive: 1.2 GB for 20,000 accounts and 6 GB for 100,000.
Bound: what the JSON report adds over the table report stays under 3 times the size of the
JSON text (measured about 2.2 times).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kdf import TEST_PYTHONPATH

REPO = Path(__file__).resolve().parents[2]
GIB = 1024**3

HEAD = """[organization]
name = "Big Co"
domains = ["big.example"]
brand_terms = ["bigco"]

[[people]]
id = "ana"
name = "Ana Admin"
email = "ana@big.example"
policy_acknowledged = 2026-06-01

[[people]]
id = "ben"
name = "Ben Backup"
email = "ben@big.example"
policy_acknowledged = 2026-06-01
"""
ACCOUNT = """
[[accounts]]
id = "acct-{n:06d}"
platform = "{platform}"
handle = "@bigco{n}"
tier = "{tier}"
owner = "ana"
registered_to = "company"
login_email = "social{n}@big.example"
recovery_email = "it@big.example"
recovery_phone_holder = "company"
mfa = "{mfa}"
admins = ["ana", "ben"]
password_known_by = ["ana"]
last_activity = 2026-11-20
trademark_registered = true
"""
PLATFORMS = ("x", "facebook", "instagram", "linkedin", "youtube", "tiktok", "other")
TIERS = ("critical", "standard", "low")
MFA = ("totp", "fido2", "sms", "none")

# Runs `posture ARGS` as its only child and prints that child's exit code and peak RSS (KiB).
MEASURE = """
import resource, subprocess, sys
code = subprocess.call([sys.executable, "-m", "scanner", *sys.argv[1:]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def write_inventory(path: Path, accounts: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEAD)
        for n in range(accounts):
            handle.write(
                ACCOUNT.format(n=n, platform=PLATFORMS[n % 7], tier=TIERS[n % 3], mfa=MFA[n % 4])
            )
    return path


def scan_peak(folder: Path, *args: str) -> int:
    """Peak RSS in bytes of `posture scan --no-vault ARGS` in `folder`; asserts exit 1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    env |= {"PYTHONPATH": TEST_PYTHONPATH}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, "scan", "--no-vault", "--as-of", "2026-11-23", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    code, peak_kib = (int(word) for word in result.stdout.split())
    assert code == 1, f"posture scan {args}: exit {code}"  # every 4th account has no MFA
    return peak_kib * 1024


@pytest.mark.slow
def test_an_inventory_of_100000_accounts_scans_within_2_gib(tmp_path: Path) -> None:
    write_inventory(tmp_path / "inventory.toml", 100_000)
    peak = scan_peak(tmp_path, "--no-history", "--format", "table", "--output", "report.txt")
    assert peak < 2 * GIB, f"peak RSS {peak / GIB:.2f} GiB"
    report = (tmp_path / "report.txt").read_text("utf-8")
    assert "acct-099999" in report  # the last account was scanned


@pytest.mark.slow
def test_the_json_report_needs_memory_proportionate_to_its_size(tmp_path: Path) -> None:
    # 5,000 accounts: the fault was proportional (1.2 GB at 20,000, 6 GB at 100,000), so the
    # ratio shows at any size large enough for the JSON text to dwarf the interpreter.
    write_inventory(tmp_path / "inventory.toml", 5_000)
    table = scan_peak(tmp_path, "--no-history", "-f", "table", "-o", "r.txt")
    json_peak = scan_peak(tmp_path, "--no-history", "-f", "json", "-o", "r.json")
    size = (tmp_path / "r.json").stat().st_size
    assert size > 25_000_000
    extra = json_peak - table
    assert extra < 3 * size, f"JSON adds {extra / size:.1f} times its own size"
