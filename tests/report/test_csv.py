import csv
import io

import pytest

from scanner.report.csv import HEADER, CsvReport, safe_cell


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_header_and_one_row_per_finding(result):
    text = CsvReport().render(result)
    reader = csv.reader(io.StringIO(text, newline=""))
    assert tuple(next(reader)) == HEADER
    parsed = rows(text)
    assert len(parsed) == len(result.findings)
    for row, finding in zip(parsed, result.findings, strict=True):
        assert (row["account"], row["check_id"], row["status"], row["severity"]) == (
            finding.account,
            finding.check_id,
            finding.status.value,
            finding.severity.value,
        )
        assert row["fingerprint"] == finding.fingerprint


def test_csv_round_trips_through_the_csv_module(suppressed_result):
    text = CsvReport().render(suppressed_result)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    again = io.StringIO()
    csv.writer(again, lineterminator="\r\n").writerows(parsed)
    assert again.getvalue() == text
    row = next(
        r for r in rows(text) if r["account"] == "youtube-channel" and r["check_id"] == "GOV-001"
    )
    assert row["suppressed"] == "yes"
    assert row["suppression_reason"] == "Channel is being retired | archived in Q1"


@pytest.mark.parametrize("dangerous", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_as_formulas_get_a_quote(dangerous):
    assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("plain " + dangerous) == "plain " + dangerous


def test_formula_as_an_inventory_id_is_refused_at_load(inventory, scan):
    """Ids are `[A-Za-z0-9._-]` (issue 14): a formula never reaches the account column; other
    cells starting like a formula get the quote (above)."""
    from scanner.core.errors import InputError

    text = inventory.read_text(encoding="utf-8")
    text = text.replace('id = "design-tool"', 'id = "=HYPERLINK(\\"http://evil.example\\")"')
    inventory.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="is not a valid id"):
        scan()


def test_csv_marks_new_and_fixed_since_previous_scan(history_result):
    parsed = rows(CsvReport().render(history_result))
    fixed = [r for r in parsed if r["change"] == "fixed"]
    assert [(r["account"], r["check_id"], r["status"]) for r in fixed] == [
        ("tiktok-brand", "MFA-001", "PASS")
    ]
