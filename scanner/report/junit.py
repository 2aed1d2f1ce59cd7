"""`--format junit`: JUnit XML for CI test tabs (Jenkins, GitLab, Azure DevOps).

One test suite per check family, one test case per check and account. FAIL is a <failure>,
ERROR an <error>; SKIPPED and suppressed failures are <skipped> with the reason, so a
suppression that keeps the exit code at 0 does not turn the CI test tab red either.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from scanner.core.model import Finding, Status
from scanner.core.text import xml
from scanner.engine.check import Check
from scanner.engine.run import ScanResult
from scanner.report.interface import Report


class JunitReport(Report):
    name = "junit"
    suffix = ".xml"

    def render(self, result: ScanResult) -> str:
        checks = {c.id: c for c in result.checks}
        by_family: dict[str, list[Finding]] = defaultdict(list)
        for finding in result.findings:
            check = checks.get(finding.check_id)
            by_family[check.family if check else "other"].append(finding)
        stamp = result.started.replace(microsecond=0).isoformat()
        seconds = f"{(result.finished - result.started).total_seconds():.3f}"
        root = ET.Element("testsuites", name="posture", time=seconds)
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for family in sorted(by_family):
            findings = by_family[family]
            counts = {
                "tests": len(findings),
                "failures": sum(1 for f in findings if f.actionable),
                "errors": sum(1 for f in findings if f.status is Status.ERROR),
                "skipped": sum(1 for f in findings if f.status is Status.SKIPPED or f.suppressed),
            }
            suite = ET.SubElement(
                root,
                "testsuite",
                name=f"posture.{family}",
                timestamp=stamp,
                time="0",
            )
            for key, value in counts.items():
                suite.set(key, str(value))
            for finding in findings:
                _case(suite, finding, checks.get(finding.check_id), family)
            for key, value in counts.items():
                totals[key] += value
        for key, value in totals.items():
            root.set(key, str(value))
        ET.indent(root)
        document = xml(ET.tostring(root, "unicode"))  # ElementTree passes control characters
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + document + "\n"


def _case(suite: ET.Element, finding: Finding, check: Check | None, family: str) -> None:
    title = check.title if check else finding.check_id
    case = ET.SubElement(
        suite,
        "testcase",
        name=f"{finding.check_id} {finding.account}: {title}",
        classname=f"posture.{family}.{finding.check_id}",
        time="0",
    )
    remediation = check.remediation if check else ""
    if finding.suppression is not None:
        entry = finding.suppression
        ET.SubElement(
            case,
            "skipped",
            message=f"suppressed until {entry.expires} by {entry.owner}: {entry.reason}",
        ).text = finding.message
    elif finding.status is Status.FAIL:
        ET.SubElement(
            case, "failure", message=finding.message, type=finding.severity.value
        ).text = f"{finding.message}\n\nHow to fix it: {remediation}"
    elif finding.status is Status.ERROR:
        ET.SubElement(case, "error", message=finding.message, type="CheckError")
    elif finding.status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=finding.message)
