from scanner.core.text import markdown
from scanner.report.markdown import MarkdownReport, cell


def test_markdown_has_score_summary_and_findings_table(result):
    text = MarkdownReport().render(result)
    summary = result.summary()
    assert text.startswith("# posture scan: Acme Outdoor\n")
    assert f"**Posture score: {summary.score}/100**" in text
    assert f"| high | {summary.failed_by_severity['high']} | 0 |" in text
    failing = [f for f in result.findings if f.actionable]
    finding_rows = [
        line for line in text.splitlines() if line.startswith("| ") and "| FAIL" not in line
    ]
    for finding in failing:
        assert any(
            f"| {finding.check_id} | {cell(finding.account)} |" in line for line in finding_rows
        )


def test_markdown_cells_cannot_break_the_table_or_inject_html():
    assert cell("a|b\nc<script>") == "a\\|b c\\<script\\>"


def test_markdown_lists_suppressed_with_reason_apart_from_findings_to_fix(suppressed_result):
    text = MarkdownReport().render(suppressed_result)
    to_fix, _, rest = text.partition("## Suppressed (accepted risks)")
    assert "| MFA-002 | newsletter |" not in to_fix
    assert "| MFA-002 | newsletter | Mail platform offers only email codes" in rest
    assert "Channel is being retired \\| archived in Q1" in rest


def test_markdown_shows_what_was_fixed_since_previous_scan(history_result):
    text = MarkdownReport().render(history_result)
    previous = history_result.history.previous
    assert f"## Since scan #{previous.id}" in text
    assert "0 new, 1 fixed." in text
    assert "| fixed | high | MFA-001 | tiktok-brand | no second factor" in text


def test_each_failing_checks_remediation_appears_once(result):
    text = MarkdownReport().render(result)
    failing_checks = {f.check_id for f in result.findings if f.actionable}
    for check in result.checks:
        expected = 1 if check.id in failing_checks else 0
        assert text.count(markdown(check.remediation)) == expected, check.id


def test_a_huge_scan_is_capped_with_and_n_more_and_stays_under_a_mib(result):
    import dataclasses

    from scanner.core.model import Status
    from scanner.report.markdown import MAX_FINDING_ROWS

    template = next(f for f in result.findings if f.actionable)
    many = tuple(
        dataclasses.replace(
            template, account=f"acct-{n:06d}", status=Status.FAIL, message="x" * 5000
        )
        for n in range(60_000)
    )
    notes = tuple(f"note {n} " + "y" * 2000 for n in range(5000))
    huge = dataclasses.replace(result, findings=result.findings + many, notes=notes)
    text = MarkdownReport().render(huge)
    assert len(text.encode("utf-8")) < 1024 * 1024
    total = sum(1 for f in huge.findings if f.actionable)
    assert f"…and {total - MAX_FINDING_ROWS} more; the JSON, CSV or HTML report" in text
    assert "- …and 4900 more;" in text
