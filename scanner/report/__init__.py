"""Report formats, one module each behind `Report`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.core.errors import UsageError

if TYPE_CHECKING:  # the interface imports the engine; `posture --help` should not
    from scanner.report.interface import Report

FORMAT_NAMES = ("table", "json", "sarif", "junit", "csv", "markdown", "html", "github")


def make_report(
    name: str,
    *,
    show_passed: bool = False,
    show_suppressed: bool = False,
    sarif_include_suppressed: bool = False,
) -> Report:
    """The report for format `name`; modules are imported only when asked for."""
    if name == "table":
        from scanner.report.table import TableReport

        return TableReport(show_passed=show_passed, show_suppressed=show_suppressed)
    if name == "json":
        from scanner.report.json import JsonReport

        return JsonReport()
    if name == "sarif":
        from scanner.report.sarif import SarifReport

        return SarifReport(include_suppressed=sarif_include_suppressed)
    if name == "junit":
        from scanner.report.junit import JunitReport

        return JunitReport()
    if name == "csv":
        from scanner.report.csv import CsvReport

        return CsvReport()
    if name == "markdown":
        from scanner.report.markdown import MarkdownReport

        return MarkdownReport()
    if name == "html":
        from scanner.report.html import HtmlReport

        return HtmlReport()
    if name == "github":
        from scanner.report.github import GithubReport

        return GithubReport()
    raise UsageError(f'unknown format "{name}"; choose from {", ".join(FORMAT_NAMES)}')
