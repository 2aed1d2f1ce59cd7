import json

import pytest

from scanner.core.errors import UsageError
from scanner.report import FORMAT_NAMES, make_report
from scanner.report.json import JsonReport
from scanner.report.table import TableReport


def test_every_format_name_makes_a_report_with_that_name():
    for name in FORMAT_NAMES:
        assert make_report(name).name == name


def test_unknown_format_is_a_usage_error_listing_the_choices():
    with pytest.raises(UsageError, match="choose from table, json, sarif"):
        make_report("xml")


def test_table_hides_suppressed_failures_unless_asked(suppressed_result):
    hidden = TableReport().render(suppressed_result)
    shown = TableReport(show_suppressed=True).render(suppressed_result)
    newsletter = hidden.split("== newsletter")[1].split("==")[0]
    assert "MFA-002" not in newsletter
    assert "3 suppressed failures hidden" in hidden
    assert "--show-suppressed lists them" in hidden
    assert "FAIL (suppressed)" in shown.split("== newsletter")[1].split("==")[0]


def test_json_keeps_suppressed_findings_failing_with_the_entry(suppressed_result):
    document = json.loads(JsonReport().render(suppressed_result))
    finding = next(
        f
        for f in document["findings"]
        if f["check_id"] == "MFA-002" and f["account"] == "newsletter"
    )
    assert finding["status"] == "FAIL"
    assert finding["suppressed"] is True
    assert finding["suppression"] == {
        "check": "MFA-002",
        "accounts": ["newsletter"],
        "reason": "Mail platform offers only email codes; login alerts go to the IT mailbox",
        "owner": "it-security@acme.example",
        "expires": "2027-01-31",
        "line": 2,
    }
    assert document["summary"]["suppressed"] == 3
    assert document["suppressions"]["applied"] == 3


def test_json_keeps_its_existing_keys(result):
    document = json.loads(JsonReport().render(result))
    assert document["schema_version"] == 1
    assert {"tool", "scan", "summary", "checks", "findings", "notes"} <= set(document)
    assert {
        "check_id",
        "status",
        "severity",
        "account",
        "message",
        "evidence",
        "fingerprint",
    } <= set(document["findings"][0])
    assert document["history"] is None


def test_suppression_leaves_score_and_failure_counts_unchanged(result, suppressed_result):
    assert suppressed_result.summary().score == result.summary().score
    assert suppressed_result.summary().failed_by_severity == result.summary().failed_by_severity


def test_table_and_json_say_what_was_fixed_since_previous_scan(history_result):
    table = TableReport().render(history_result)
    assert "1 fixed" in table
    assert "  fixed: MFA-001 on tiktok-brand: no second factor" in table
    document = json.loads(JsonReport().render(history_result))
    assert [(f["check_id"], f["account"]) for f in document["history"]["fixed"]] == [
        ("MFA-001", "tiktok-brand")
    ]
    assert document["history"]["new"] == []
    assert len(document["history"]["score_trend"]) == 2
