import dataclasses
import json
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


def github_severity(run: dict, sarif_result: dict) -> str:
    """The severity GitHub shows: the rule's security-severity bucket, else a note is info."""
    rule = run["tool"]["driver"]["rules"][sarif_result["ruleIndex"]]
    assert rule["id"] == sarif_result["ruleId"]
    score = rule["properties"].get("security-severity")
    if score is None:
        return "info"
    value = float(score)
    return "critical" if value >= 9 else "high" if value >= 7 else "medium" if value >= 4 else "low"


def test_github_severity_equals_posture_severity_for_every_finding(result):
    run = render(result)["runs"][0]
    failing = [f for f in result.findings if f.actionable]
    assert len(run["results"]) == len(failing)
    for sarif_result, finding in zip(run["results"], failing, strict=True):
        assert github_severity(run, sarif_result) == finding.severity.value
        assert sarif_result["properties"]["check"] == finding.check_id


def test_suppressed_findings_are_left_out_and_no_result_has_suppressions(suppressed_result):
    run = render(suppressed_result)["runs"][0]
    accounts = {(r["properties"]["check"], r["properties"]["account"]) for r in run["results"]}
    assert ("MFA-002", "newsletter") not in accounts
    assert all("suppressions" not in r for r in run["results"])
    assert len(run["results"]) == sum(1 for f in suppressed_result.findings if f.actionable)


def test_included_suppressions_are_accepted_and_on_every_result(suppressed_result, schema):
    document = json.loads(SarifReport(include_suppressed=True).render(suppressed_result))
    jsonschema.Draft7Validator(schema).validate(document)
    results = document["runs"][0]["results"]
    assert all("suppressions" in r for r in results)  # SARIF 3.27.23: all or none
    suppressed = [r for r in results if r["suppressions"]]
    assert {(r["properties"]["check"], r["properties"]["account"]) for r in suppressed} == {
        ("MFA-002", "newsletter"),
        ("GOV-001", "youtube-channel"),
        ("GOV-002", "youtube-channel"),
    }
    entry = next(r for r in suppressed if r["properties"]["check"] == "MFA-002")["suppressions"][0]
    assert entry["kind"] == "external"
    assert entry["status"] == "accepted"  # GitHub closes an alert whose suppression is accepted
    assert entry["justification"].startswith("Mail platform offers only email codes")
    assert entry["properties"] == {"owner": "it-security@acme.example", "expires": "2027-01-31"}
    assert entry["location"]["physicalLocation"]["artifactLocation"]["uri"] == (
        "posture.suppressions.toml"
    )


def test_rules_cover_every_check_at_base_severity_and_each_severity_used(result):
    run = render(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for check in result.checks:
        assert f"{check.id}/{check.severity.value}" in ids
    for rule in rules:
        check = next(c for c in result.checks if c.id == rule["properties"]["check"])
        assert rule["shortDescription"]["text"].startswith(check.title)
        assert rule["fullDescription"]["text"] == check.rationale
        assert check.remediation in rule["help"]["text"]
        assert rule.get("helpUri") == (check.help_uri or None)
        severity = Severity(rule["properties"]["severity"])
        if severity is not Severity.INFO:
            assert rule["properties"]["security-severity"] == SECURITY_SEVERITY[severity]
            assert "security" in rule["properties"]["tags"]
    used = {r["ruleId"] for r in run["results"]}
    assert used <= set(ids)


def test_rules_follow_check_selection(scan):
    partial = scan(include=["MFA-*"])
    rules = render(partial)["runs"][0]["tool"]["driver"]["rules"]
    assert {r["properties"]["check"] for r in rules} == {c.id for c in checks.select(["MFA-*"])}


def test_results_only_for_failing_findings_with_level_by_severity(result):
    results = render(result)["runs"][0]["results"]
    failing = [f for f in result.findings if f.status is Status.FAIL]
    assert len(results) == len(failing) > 0
    levels = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
    for sarif_result, finding in zip(results, failing, strict=True):
        assert sarif_result["ruleId"] == f"{finding.check_id}/{finding.severity.value}"
        assert sarif_result["level"] == levels[finding.severity.value]
    assert Severity.HIGH.value in {f.severity.value for f in failing}


def test_location_is_relative_to_the_inventory_folder_outside_git_at_account_line(
    result, monkeypatch
):
    inventory = result.context.inventory
    monkeypatch.chdir(inventory.path.parent.parent)  # the current folder no longer matters
    run = render(result)["runs"][0]
    lines = {a.id: a.line for a in inventory.accounts}
    for sarif_result in run["results"]:
        location = sarif_result["locations"][0]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "inventory.toml"
        account = sarif_result["properties"]["account"]
        assert physical["region"]["startLine"] == lines[account]
        text_line = inventory.path.read_text().splitlines()[lines[account] - 1]
        assert text_line.startswith("[[accounts]]")
        assert location["logicalLocations"][0]["fullyQualifiedName"] == f"accounts/{account}"


def test_location_is_relative_to_the_git_root_and_no_absolute_path_is_written(tmp_path):
    import subprocess

    from tests.report.conftest import build_result

    repo = tmp_path / "repo"
    (repo / "security").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    from tests.report.conftest import EXAMPLE

    target = repo / "security" / "inventory.toml"
    target.write_bytes(EXAMPLE.read_bytes())
    text = SarifReport().render(build_result(target))
    run = json.loads(text)["runs"][0]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert uris == {"security/inventory.toml"}
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]
    assert str(tmp_path) not in text


def test_partial_fingerprints_are_stable_across_runs_and_unique(scan):
    first = render(scan())["runs"][0]["results"]
    second = render(scan())["runs"][0]["results"]
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in first]
    assert FINGERPRINT_KEY == "primaryLocationLineHash"  # the one key GitHub reads
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
    notification = invocation["toolExecutionNotifications"][0]
    assert notification["level"] == "error"
    # The rule it names exists (a `descriptor` would point at driver.notifications, which has none).
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert (
        rules[notification["associatedRule"]["index"]]["id"] == notification["associatedRule"]["id"]
    )


def test_fingerprints_stay_when_a_comment_is_added_above_an_account(inventory, scan):
    before = render(scan())["runs"][0]["results"]
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(text.replace("[[accounts]]", "# reviewed 2026-12\n[[accounts]]", 1))
    after = render(scan())["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after]
    assert lines != [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before]


def test_results_over_the_cap_keep_the_most_severe_and_say_how_many_were_left_out(result, schema):
    failing = [f for f in result.findings if f.actionable]
    document = json.loads(SarifReport(max_results=5).render(result))
    jsonschema.Draft7Validator(schema).validate(document)
    run = document["runs"][0]
    assert len(run["results"]) == 5
    kept = sorted((f.severity.rank for f in failing), reverse=True)[:5]
    assert (
        sorted((Severity(r["properties"]["severity"]).rank for r in run["results"]), reverse=True)
        == kept
    )
    assert run["properties"]["resultsLeftOut"] == len(failing) - 5
    texts = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(f"{len(failing) - 5} less severe failing results were left out" in t for t in texts)
