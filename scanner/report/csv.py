"""`--format csv`: one row per finding, for spreadsheets; safe against formula injection."""

from __future__ import annotations

import csv
import io

from scanner.core.model import Finding
from scanner.core.text import xml
from scanner.engine.run import ScanResult
from scanner.report.interface import Report
from scanner.report.view import ReportView

HEADER = (
    "account",
    "platform",
    "tier",
    "check_id",
    "check_title",
    "family",
    "status",
    "severity",
    "suppressed",
    "change",
    "message",
    "remediation",
    "suppression_reason",
    "suppression_owner",
    "suppression_expires",
    "fingerprint",
)

# A cell starting with one of these is run as a formula by spreadsheet apps (OWASP CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """`value` with control characters escaped, and a leading single quote when a spreadsheet
    would read it as a formula."""
    value = xml(value)  # ESC and the other controls a `cat` would run; tab, CR, LF are CSV data
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class CsvReport(Report):
    name = "csv"
    suffix = ".csv"

    def render(self, result: ScanResult) -> str:
        view = ReportView.of(result)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADER)
        for finding in result.findings:
            writer.writerow([safe_cell(cell) for cell in _row(view, finding)])
        return buffer.getvalue()


def _row(view: ReportView, finding: Finding) -> tuple[str, ...]:
    account = view.accounts.get(finding.account)
    check = view.checks.get(finding.check_id)
    entry = finding.suppression
    return (
        finding.account,
        account.platform if account else "",
        account.tier.value if account else "",
        finding.check_id,
        check.title if check else "",
        check.family if check else "",
        finding.status.value,
        finding.severity.value,
        "yes" if finding.suppressed else "no",
        view.change(finding),
        finding.message,
        check.remediation if check and finding.failed else "",
        entry.reason if entry else "",
        entry.owner if entry else "",
        entry.expires.isoformat() if entry else "",
        finding.fingerprint,
    )
