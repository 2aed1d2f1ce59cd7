"""`posture handbook`: generated from the company's own inventory and policy, versioned, acknowledged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.browser import CHROMIUM, chromium
from tests.conftest import EXAMPLE

runner = CliRunner()
FJORDLINE = Path(__file__).resolve().parents[3] / "shared" / "data" / "fjordline" / "inventory.toml"


@pytest.fixture
def inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "inventory.toml"
    shutil.copy(EXAMPLE, path)
    monkeypatch.chdir(tmp_path)
    return path


def handbook(*args: str) -> str:
    result = runner.invoke(app, ["handbook", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def version(*args: str) -> str:
    first = handbook(*args).splitlines()[2]
    assert first.startswith("Version ")
    return first.split()[1].rstrip(",")


def test_the_example_company_handbook_has_every_section_with_its_own_accounts_and_rules(
    inventory: Path,
) -> None:
    text = handbook("--as-of", "2026-11-23")
    assert text.startswith("# Acme Outdoor social media handbook\n")
    for section in (
        "## 1. Who owns which account",
        "## 2. The rules",
        "## 3. If an account looks hacked",
        "## 4. Your personal accounts",
        "## 5. When you leave",
        "## Sources",
    ):
        assert section in text
    assert "| x-main | X \\(Twitter\\) | @acmeoutdoor | critical | Dana Ruiz" in text
    assert "Passwords are at least 15 characters \\(8 where a second factor is on\\)" in text
    assert "A login is known by at most 1 person" in text
    assert "**IT: Priya Natarajan \\<priya@acme.example\\>.**" in text
    assert "https://www.facebook.com/hacked" in text
    assert "FTC Endorsement Guides, 16 CFR 255.5" in text
    assert "policy `min_length`" in text
    assert "generated 2026-11-23" in text


def test_a_second_company_gets_its_own_handbook(tmp_path: Path) -> None:
    path = tmp_path / "inventory.toml"
    shutil.copy(FJORDLINE, path)
    text = handbook("-i", str(path), "--as-of", "2026-09-15")
    assert text.startswith("# Fjordline Bikes social media handbook\n")
    assert "| workspace-admin |" in text and "| shopify |" in text
    assert "Ola Berg" in text
    assert "IT: Sanna Holm" in text  # her role is "IT and bookkeeping"
    assert '"fjordline"' in text  # brand terms as context words
    assert "Acme" not in text


def test_the_version_changes_with_a_policy_key_and_not_with_other_fields(inventory: Path) -> None:
    before = version()
    text = inventory.read_text()
    inventory.write_text(
        text.replace("last_activity = 2026-11-20", "last_activity = 2026-11-21", 1)
        .replace('handle = "@acmehelp"', 'handle = "@acme_help"')
        .replace('email = "tom@acme.example"', 'email = "tom.becker@acme.example"')
    )
    assert version() == before
    assert version("--as-of", "2027-03-01") == before
    inventory.write_text(
        inventory.read_text().replace("dormant_days = 60\n", "dormant_days = 60\nmin_length = 16\n")
    )
    changed = version()
    assert changed != before
    assert "at least 16 characters" in handbook()


def test_ack_and_gov001_say_which_acknowledgement_counts(inventory: Path) -> None:
    def gov001(account: str, *extra: str) -> str:
        result = runner.invoke(
            app, ["scan", "--checks", "GOV-001", "-f", "json", "--fail-on", "none", *extra]
        )
        assert result.exit_code == 0, result.output
        import json

        found = {f["account"]: f for f in json.loads(result.stdout)["findings"]}
        return f"{found[account]['status']}: {found[account]['message']}"

    as_of = ("--as-of", "2026-11-23")
    # x-main: owner dana, admins dana and lee, password dana; both acknowledged in the inventory
    assert gov001("x-main", *as_of).endswith("(policy_acknowledged in the inventory)")
    for who in ("dana", "lee"):
        recorded = runner.invoke(app, ["handbook", "ack", who, "--on", "2026-11-20", "--by", "it"])
        assert recorded.exit_code == 0, recorded.output
    current = version()
    assert gov001("x-main", *as_of) == (
        f"PASS: everyone with access acknowledged the policy (handbook {current})"
    )
    status = runner.invoke(app, ["handbook", "status"])
    assert "dana" in status.stdout and "current" in status.stdout

    # A year and a day later the acknowledgement is too old.
    assert "handbook acknowledged 2026-11-20" in gov001("x-main", "--as-of", "2027-11-21")

    # The policy changes: the handbook's version changes, and GOV-001 says who has not seen it.
    inventory.write_text(
        inventory.read_text().replace("dormant_days = 60\n", "dormant_days = 60\nmax_admins = 8\n")
    )
    message = gov001("x-main", *as_of)
    assert message.startswith("FAIL")
    assert f"Dana Ruiz (has not seen handbook {version()}; acknowledged {current})" in message
    status = runner.invoke(app, ["handbook", "status"])
    assert "has not seen the current version" in status.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["handbook", "ack", "nobody"], 'no person or agency "nobody"'),
        (["handbook", "ack", "dana", "--on", "2099-01-01"], "cannot be in the future"),
        (["handbook", "ack", "dana", "--on", "yesterday"], "--on"),
        (["handbook", "--format", "pdf"], '"pdf" is not one of markdown, html'),
    ],
)
def test_bad_handbook_input_is_one_line_and_exit_2(
    inventory: Path, args: list[str], expected: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (inventory.parent / "posture.db").exists()


def test_the_html_handbook_is_one_page_and_inventory_text_is_escaped(inventory: Path) -> None:
    inventory.write_text(
        inventory.read_text().replace('name = "Acme Outdoor"', 'name = "Acme <script>x</script>"')
    )
    result = runner.invoke(app, ["handbook", "-f", "html", "-o", "handbook.html"])
    assert result.exit_code == 0, result.output
    page = (inventory.parent / "handbook.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "@media print" in page and "http://" not in page.replace("http://www.w3.org", "")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_the_html_handbook_prints_to_pdf_in_headless_chromium(
    inventory: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["handbook", "-f", "html", "-o", "handbook.html"]).exit_code == 0
    pdf = tmp_path / "handbook.pdf"
    completed = chromium(
        tmp_path / "profile",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        (inventory.parent / "handbook.html").as_uri(),
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10_000
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2  # several A4 pages
