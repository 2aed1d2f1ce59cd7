import dataclasses
import json
import os
from pathlib import Path

import jsonschema
import pytest

import checks
from scanner.core.model import Severity, Status
from scanner.engine.run import ScanResult
from scanner.report.sarif import FINGERPRINT_KEY, SECURITY_SEVERITY, SarifReport

SCHEMA = (
    Path(__file__).resolve().parents[2].parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
)


def render(result: ScanResult, base: Path | None = None) -> dict:
    return json.loads(SarifReport(base=base).render(result))


@pytest.fixture(scope="module")
def schema() -> dict:
    if not SCHEMA.exists():
        pytest.skip(
            f"official SARIF schema not found at {SCHEMA} (the repo's parent holds shared/)"
        )
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_sarif_of_example_validates_against_official_schema(result, schema):
    jsonschema.Draft7Validator(schema).validate(render(result))


def test_sarif_with_suppressions_validates_and_carries_justification(suppressed_result, schema):
    document = render(suppressed_result)
    jsonschema.Draft7Validator(schema).validate(document)
    suppressed = [r for r in document["runs"][0]["results"] if "suppressions" in r]
    assert {(r["ruleId"], r["properties"]["account"]) for r in suppressed} == {
        ("MFA-002", "newsletter"),
        ("GOV-001", "youtube-channel"),
        ("GOV-002", "youtube-channel"),
    }
    entry = next(r for r in suppressed if r["ruleId"] == "MFA-002")["suppressions"][0]
    assert entry["kind"] == "external"
    assert entry["status"] == "accepted"
    assert entry["justification"].startswith("Mail platform offers only email codes")
    assert entry["properties"] == {"owner": "it-security@acme.example", "expires": "2027-01-31"}


def test_one_rule_per_selected_check_with_descriptions_help_and_severity(result):
    rules = render(result)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in result.checks]
    for rule, check in zip(rules, result.checks, strict=True):
        assert rule["shortDescription"]["text"] == check.title
        assert rule["fullDescription"]["text"] == check.rationale
        assert check.remediation in rule["help"]["text"]
        # helpUri must be a URI: the first URL reference, omitted when a check cites none.
        assert rule.get("helpUri") == (check.help_uri or None)
        assert rule["properties"]["security-severity"] == SECURITY_SEVERITY[check.severity]
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
        assert "security" in rule["properties"]["tags"]
    assert sum("helpUri" in r for r in rules) >= len(rules) - 1


def test_rules_follow_check_selection(scan):
    partial = scan(include=["MFA-*"])
    ids = [r["id"] for r in render(partial)["runs"][0]["tool"]["driver"]["rules"]]
    assert ids == [c.id for c in checks.select(["MFA-*"])]


def test_results_only_for_failing_findings_with_level_by_severity(result):
    results = render(result)["runs"][0]["results"]
    failing = [f for f in result.findings if f.status is Status.FAIL]
    assert len(results) == len(failing) > 0
    levels = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
    for sarif_result, finding in zip(results, failing, strict=True):
        assert sarif_result["ruleId"] == finding.check_id
        assert sarif_result["level"] == levels[finding.severity.value]
    assert Severity.HIGH.value in {f.severity.value for f in failing}


def test_location_is_inventory_relative_to_cwd_at_account_line(result, monkeypatch):
    inventory = result.context.inventory
    monkeypatch.chdir(inventory.path.parent.parent)
    run = render(result)["runs"][0]
    lines = {a.id: a.line for a in inventory.accounts}
    for sarif_result in run["results"]:
        location = sarif_result["locations"][0]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == f"{inventory.path.parent.name}/inventory.toml"
        account = sarif_result["properties"]["account"]
        assert physical["region"]["startLine"] == lines[account]
        text_line = inventory.path.read_text().splitlines()[lines[account] - 1]
        assert text_line.startswith("[[accounts]]")
        assert location["logicalLocations"][0]["fullyQualifiedName"] == f"accounts/{account}"


def test_location_climbs_out_of_cwd_with_a_relative_uri(result, tmp_path):
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    uri = render(result, base=elsewhere)["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"
    ]["artifactLocation"]["uri"]
    assert uri == "../../inventory.toml"
    assert not os.path.isabs(uri)


def test_partial_fingerprints_are_stable_across_runs_and_unique(scan):
    first = render(scan())["runs"][0]["results"]
    second = render(scan())["runs"][0]["results"]
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in first]
    assert prints == [r["partialFingerprints"][FINGERPRINT_KEY] for r in second]
    assert len(set(prints)) == len(prints)


def test_suppression_notices_become_tool_notifications(inventory, scan):
    path = inventory.parent / "s.toml"
    path.write_text(
        '[[suppression]]\ncheck = "MFA-001"\naccounts = ["x-main"]\nreason = "r"\n'
        'owner = "o"\nexpires = 2027-01-01\n',
        encoding="utf-8",
    )
    run = render(scan(suppressions=path))["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("matches no failing finding" in n["message"]["text"] for n in notes)
    assert run["invocations"][0]["executionSuccessful"] is True


def test_errored_check_makes_an_unsuccessful_invocation_that_still_validates(result, schema):
    broken = dataclasses.replace(result.findings[0], status=Status.ERROR, message="check failed")
    errored = dataclasses.replace(result, findings=(broken, *result.findings[1:]))
    document = render(errored)
    jsonschema.Draft7Validator(schema).validate(document)
    invocation = document["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["level"] == "error"
