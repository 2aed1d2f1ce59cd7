"""The scan command's breach-corpus options."""

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app
from tests.passwords.helpers import write_inventory

runner = CliRunner()


def test_scan_refuses_a_malformed_corpus_with_one_line(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path, [("shop", "totp")])
    corpus = tmp_path / "pwned.txt"
    corpus.write_text(f"{'A' * 40}:1\nnot-a-hash\n")
    result = runner.invoke(app, ["scan", str(inventory), "--hibp", str(corpus)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"posture: error: {corpus}:2: malformed breach corpus line: expected 40 hex digits, "
        "':', and a count"
    ]


def test_scan_with_a_valid_corpus_and_no_vault_skips_the_password_checks(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path, [("shop", "totp")])
    corpus = tmp_path / "pwned.txt"
    corpus.write_text(f"{'A' * 40}:1\r\n{'B' * 40}:2\r\n")
    result = runner.invoke(
        app, ["scan", str(inventory), "--hibp", str(corpus), "--checks", "PWD-*", "--show-passed"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("no vault opened for this scan") == 5


def test_scan_refuses_hibp_url_without_online(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path, [("shop", "totp")])
    result = runner.invoke(app, ["scan", str(inventory), "--hibp-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "--hibp-url needs --online" in result.output


def test_posture_scan_subprocess_reports_an_unsorted_corpus(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path, [("shop", "totp")])
    corpus = tmp_path / "pwned.txt"
    corpus.write_text(f"{'B' * 40}:1\n{'A' * 40}:2\n")
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", str(inventory), "--hibp", str(corpus)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"posture: error: {corpus}:2: breach corpus is not sorted")
    assert "Traceback" not in done.stderr
