"""`--format github`: GitHub Actions workflow commands, one annotation per failing finding.

`::error file=inventory.toml,line=12,title=MFA-001 critical::...` marks the account's line in
the run's summary and in the pull request's diff. Critical and high findings are errors, medium
warnings, low and info notices. GitHub shows at most 10 annotations of each kind per step and 50
per job, so the most severe come first and the list stops at MAX_ANNOTATIONS with one notice.
Values are escaped as the Actions toolkit escapes them (`%`, CR, LF; also `:` and `,` in
properties), so a message can never end the command or start another.
"""

from __future__ import annotations

from scanner.core.model import Finding, Severity
from scanner.engine.run import ScanResult
from scanner.report.interface import Report
from scanner.report.view import ReportView, relative_path, source_root

MAX_ANNOTATIONS = 50
COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReport(Report):
    name = "github"
    suffix = ".txt"

    def render(self, result: ScanResult) -> str:
        view = ReportView.of(result)
        inventory = result.context.inventory
        path = relative_path(inventory.path, source_root(inventory.path)) or inventory.path.name
        lines = {a.id: a.line or 1 for a in inventory.accounts}
        failing = view.to_fix
        out = [_annotation(f, path, lines.get(f.account, 1)) for f in failing[:MAX_ANNOTATIONS]]
        if len(failing) > MAX_ANNOTATIONS:
            more = len(failing) - MAX_ANNOTATIONS
            out.append(
                f"::notice title=posture::{more} more failing findings are not annotated; "
                "the SARIF, JSON or Markdown report lists them"
            )
        summary = view.summary
        counts = ", ".join(f"{n} {sev}" for sev, n in summary.failed_by_severity.items())
        out.append(f"posture: score {summary.score}/100; failing: {counts}")
        return "\n".join(out) + "\n"


def _annotation(finding: Finding, path: str, line: int) -> str:
    command = COMMAND[finding.severity]
    title = f"{finding.check_id} {finding.severity.value} on {finding.account}"
    properties = f"file={escape_property(path)},line={line},title={escape_property(title)}"
    return f"::{command} {properties}::{escape_data(finding.message)}"
