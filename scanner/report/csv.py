"""`--format csv`: one row per finding, for spreadsheets; safe against formula injection."""

from __future__ import annotations

import csv
import io

from scanner.core.text import xml
from scanner.engine.run import ScanResult
from scanner.report.interface import Report

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
        accounts = {a.id: a for a in result.context.inventory.accounts}
        checks = {c.id: c for c in result.checks}
        history = result.history
        fixed = {f.fingerprint for f in history.fixed} if history else set()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADER)
        for finding in result.findings:
            account = accounts.get(finding.account)
            check = checks.get(finding.check_id)
            entry = finding.suppression
            change = ""
            if history is not None and history.previous is not None:
                if history.is_new(finding):
                    change = "new"
                elif finding.fingerprint in fixed:
                    change = "fixed"
            row = (
                finding.account,
                account.platform if account else "",
                account.tier.value if account else "",
                finding.check_id,
                check.title if check else "",
                check.family if check else "",
                finding.status.value,
                finding.severity.value,
                "yes" if finding.suppressed else "no",
                change,
                finding.message,
                check.remediation if check and finding.failed else "",
                entry.reason if entry else "",
                entry.owner if entry else "",
                entry.expires.isoformat() if entry else "",
                finding.fingerprint,
            )
            writer.writerow([safe_cell(cell) for cell in row])
        return buffer.getvalue()
