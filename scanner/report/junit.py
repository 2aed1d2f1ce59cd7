"""`--format junit`: JUnit XML for CI test tabs (Jenkins, GitLab, Azure DevOps).

One test suite per check family, one test case per check and account. FAIL is a <failure>,
ERROR an <error>; SKIPPED and suppressed failures are <skipped>, so a suppression that keeps the
exit code at 0 does not turn the CI test tab red either. The reason is the element's text as well
as its `message` (GitLab shows only the text). Each check's title and remediation are written
once, in its suite's <properties>, so 10,000 accounts stay well under GitLab's 30 MB parsing limit.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from scanner.core.model import Finding, Status
from scanner.core.text import xml
from scanner.engine.run import ScanResult
from scanner.report.interface import Report
from scanner.report.view import ReportView


class JunitReport(Report):
    name = "junit"
    suffix = ".xml"

    def render(self, result: ScanResult) -> str:
        view = ReportView.of(result)
        by_family: dict[str, list[Finding]] = {}
        for finding in result.findings:
            by_family.setdefault(view.family(finding), []).append(finding)
        started, finished = view.clock
        stamp = started.replace(microsecond=0).isoformat()
        seconds = f"{(finished - started).total_seconds():.3f}"
        root = ET.Element("testsuites", name="posture", time=seconds)
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for family in sorted(by_family):
            counts = _suite(root, view, family, by_family[family], stamp)
            for key, value in counts.items():
                totals[key] += value
        for key, value in totals.items():
            root.set(key, str(value))
        ET.indent(
            root, space=""
        )  # one element a line, unindented: 200,000 cases at 10,000 accounts
        document = xml(ET.tostring(root, "unicode"))  # ElementTree passes control characters
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + document + "\n"


def _suite(
    root: ET.Element, view: ReportView, family: str, findings: list[Finding], stamp: str
) -> dict[str, int]:
    counts = {
        "tests": len(findings),
        "failures": sum(1 for f in findings if f.actionable),
        "errors": sum(1 for f in findings if f.status is Status.ERROR),
        "skipped": sum(1 for f in findings if f.status is Status.SKIPPED or f.suppressed),
    }
    suite = ET.SubElement(root, "testsuite", name=f"posture.{family}", timestamp=stamp, time="0")
    for key, value in counts.items():
        suite.set(key, str(value))
    _properties(suite, view, findings)
    for finding in findings:
        _case(suite, view, finding, family)
    return counts


def _properties(suite: ET.Element, view: ReportView, findings: list[Finding]) -> None:
    """Each check's title once, and its remediation once when it has a failure to fix."""
    properties = ET.SubElement(suite, "properties")
    failing = {f.check_id for f in findings if f.actionable}
    for check_id in dict.fromkeys(f.check_id for f in findings):
        check = view.checks.get(check_id)
        ET.SubElement(properties, "property", name=check_id, value=check.title if check else "")
        if check_id in failing:
            remedy = check.remediation if check else ""
            ET.SubElement(properties, "property", name=f"{check_id} how to fix it", value=remedy)


def _case(suite: ET.Element, view: ReportView, finding: Finding, family: str) -> None:
    # Short on purpose: 200,000 of these at 10,000 accounts. The title is in the properties.
    case = ET.SubElement(
        suite,
        "testcase",
        name=f"{finding.check_id} {finding.account}",
        classname=f"posture.{family}.{finding.check_id}",
    )
    if finding.suppression is not None:
        entry = finding.suppression
        reason = f"suppressed until {entry.expires} by {entry.owner}: {entry.reason}"
        ET.SubElement(case, "skipped", message=reason).text = f"{reason}\n{finding.message}"
    elif finding.status is Status.FAIL:
        ET.SubElement(
            case, "failure", message=finding.message, type=finding.severity.value
        ).text = f"{finding.message}\nHow to fix it: posture explain {finding.check_id}"
    elif finding.status is Status.ERROR:
        ET.SubElement(
            case, "error", message=finding.message, type="CheckError"
        ).text = finding.message
    elif finding.status is Status.SKIPPED:
        # The reason as text only: GitLab shows the text, Jenkins falls back to it without a
        # message; one skip per account and password check makes the attribute's copy costly.
        ET.SubElement(case, "skipped").text = finding.message
