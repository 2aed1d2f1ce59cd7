"""`bench/cli.py` (make bench) still runs: a tiny size, every figure printed."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_cli_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, str(REPO / "bench" / "cli.py"), "--sizes", "14", "--breach-size",
            "14", "--import-size", "8", "--corpus-hashes", "300", "--runs", "1", "--days", "2",
            "--no-keepassxc", "--keep", str(tmp_path / "bench"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for figure in (
        "posture --help / import typer",
        "posture checks / import typer",
        "first scan, 14 accounts / naive zxcvbn loop",
        "re-scan / first scan, 14 accounts",
        "cold breach-only scan, 14 accounts",
        "vault import of 8 logins",
        "state db after 2 daily scans of 14 accounts",
        "| figure | CPU | target |",
    ):
        assert figure in out, out
    assert "(0 scored)" in out  # the breach-only scan scored nothing
