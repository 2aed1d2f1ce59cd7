"""Report formats, one module each behind `Report`."""

from __future__ import annotations

from scanner.errors import UsageError
from scanner.report.interface import Report

FORMAT_NAMES = ("table", "json")


def make_report(name: str, *, show_passed: bool = False) -> Report:
    """The report for format `name`; modules are imported only when asked for."""
    if name == "table":
        from scanner.report.table import TableReport

        return TableReport(show_passed=show_passed)
    if name == "json":
        from scanner.report.json import JsonReport

        return JsonReport()
    raise UsageError(f'unknown format "{name}"; choose from {", ".join(FORMAT_NAMES)}')
