import json

from junitparser import Error, Failure, JUnitXml, Skipped

from scanner.engine.run import ScanResult
from scanner.report.json import JsonReport
from scanner.report.junit import JunitReport


def parse(result: ScanResult, tmp_path) -> JUnitXml:
    path = tmp_path / "report.xml"
    path.write_text(JunitReport().render(result), encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def json_counts(result: ScanResult) -> dict[str, int]:
    findings = json.loads(JsonReport().render(result))["findings"]
    return {
        "tests": len(findings),
        "failures": sum(f["status"] == "FAIL" and not f["suppressed"] for f in findings),
        "errors": sum(f["status"] == "ERROR" for f in findings),
        "skipped": sum(f["status"] == "SKIPPED" or f["suppressed"] for f in findings),
    }


def test_junit_counts_equal_json_counts(result, tmp_path):
    xml = parse(result, tmp_path)
    expected = json_counts(result)
    assert expected["failures"] > 0
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (
        expected["tests"],
        expected["failures"],
        expected["errors"],
        expected["skipped"],
    )
    # The suites' own counts add up to the root's, and match their test cases.
    cases = [case for suite in xml for case in suite]
    assert len(cases) == expected["tests"]
    assert sum(1 for c in cases if any(isinstance(r, Failure) for r in c.result)) == xml.failures


def test_one_suite_per_family_and_one_case_per_applicable_check_and_account(result, tmp_path):
    xml = parse(result, tmp_path)
    families = {c.family for c in result.checks}
    assert {suite.name for suite in xml} == {f"posture.{f}" for f in families}
    names = {(case.classname, case.name) for suite in xml for case in suite}
    # one case per check and account it applies to: critical-only checks make none elsewhere
    accounts = result.context.inventory.accounts
    applicable = sum(1 for a in accounts for c in result.checks if c.applies_to(a.tier))
    assert len(names) == applicable < len(result.checks) * len(accounts)
    for suite in xml:
        family = suite.name.removeprefix("posture.")
        assert all(case.classname.startswith(f"posture.{family}.") for case in suite)


def test_failure_carries_message_severity_and_remediation(result, tmp_path):
    xml = parse(result, tmp_path)
    case = next(c for s in xml for c in s if c.name.startswith("MFA-001 tiktok-brand"))
    failure = case.result[0]
    assert isinstance(failure, Failure)
    assert failure.type == "high"
    assert failure.message.startswith("no second factor")
    assert "How to fix it:" in failure.text


def test_suppressed_failures_are_skipped_with_reason_and_counts_match_json(
    suppressed_result, tmp_path
):
    xml = parse(suppressed_result, tmp_path)
    expected = json_counts(suppressed_result)
    assert (xml.failures, xml.skipped) == (expected["failures"], expected["skipped"])
    case = next(c for s in xml for c in s if c.name.startswith("MFA-002 newsletter"))
    skipped = case.result[0]
    assert isinstance(skipped, Skipped)
    assert "suppressed until 2027-01-31 by it-security@acme.example" in skipped.message
    assert not any(isinstance(r, Error) for s in xml for c in s for r in c.result)


def test_skipped_and_errored_tests_carry_the_reason_as_element_text(result, tmp_path):
    import dataclasses
    import xml.etree.ElementTree as ET

    from scanner.core.model import Status
    from scanner.report.junit import JunitReport

    broken = dataclasses.replace(result.findings[0], status=Status.ERROR, message="check failed")
    errored = dataclasses.replace(result, findings=(broken, *result.findings[1:]))
    root = ET.fromstring(JunitReport().render(errored))  # noqa: S314 - our own output
    skipped = root.findall(".//skipped")
    assert skipped
    assert all(element.text and element.text.strip() for element in skipped)
    (error,) = root.findall(".//error")
    assert error.text == "check failed"
    skip = next(f for f in result.findings if f.status is Status.SKIPPED)
    assert skip.message in {element.text for element in skipped}
