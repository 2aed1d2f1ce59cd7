import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scanner.report.html import HtmlReport
from tests.browser import CHROMIUM, chromium


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(text)
    return parser.tags


def test_html_is_self_contained_with_no_network_reference(result):
    text = HtmlReport().render(result)
    found = tags(text)
    assert not [t for t, _ in found if t in ("link", "img", "iframe", "object", "embed")]
    assert not [a for _, a in found if "src" in a]
    assert not re.search(r"""(href|src)\s*=\s*["']?(https?:)?//""", text)
    assert "url(" not in text
    assert "default-src 'none'" in text


def test_html_escapes_inventory_text(inventory, scan):
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(
        text.replace('handle = "Acme design workspace"', 'handle = "<script>alert(1)</script>"'),
        encoding="utf-8",
    )
    page = HtmlReport().render(scan())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_has_score_charts_and_a_table_per_account(result):
    page = HtmlReport().render(result)
    found = tags(page)
    assert f">{result.summary().score}<small>/100" in page
    assert ("svg", "severity-chart") in [(t, a.get("id")) for t, a in found]
    assert ("svg", "score-trend") in [(t, a.get("id")) for t, a in found]
    tables = [a for t, a in found if t == "table" and a.get("class") == "findings"]
    assert len(tables) == len(result.context.inventory.accounts)
    bars = {a["data-severity"]: int(a["data-count"]) for t, a in found if a.get("class") == "bar"}
    assert bars == result.summary().failed_by_severity


def test_html_trend_chart_draws_one_point_per_recorded_scan(history_result):
    page = HtmlReport().render(history_result)
    assert page.count('<circle class="point"') == len(history_result.history.trend) == 2
    assert '<span class="tag fixed">fixed</span>' in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_html_renders_in_headless_chromium_with_charts_and_tables(history_result, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(HtmlReport().render(history_result), encoding="utf-8")
    profile = tmp_path / "profile"
    completed = chromium(profile, "--dump-dom", page.as_uri())
    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = completed.stdout
    found = tags(dom)
    ids = {a.get("id") for _, a in found}
    assert {"severity-chart", "score-trend", "changes"} <= ids
    assert dom.count('class="bar"') == 5
    assert dom.count('<polyline class="trend"') == 1
    tables = [a for t, a in found if t == "table" and a.get("class") == "findings"]
    assert len(tables) == len(history_result.context.inventory.accounts)
    # The inline sorting script ran: the page is interactive without any network.
    assert 'data-sortable="ready"' in dom
    assert Path(page).exists()


def test_html_remediation_shows_code_spans_not_backticks(result):
    import dataclasses

    import checks
    from scanner.core.model import Status
    from scanner.report.html import code_spans

    assert code_spans("Rotate with `posture vault rotate` <now>") == (
        "Rotate with <code>posture vault rotate</code> &lt;now&gt;"
    )
    assert code_spans("an odd ` backtick") == "an odd ` backtick"
    check = next(c for c in checks.all_checks() if "`" in c.remediation)
    finding = dataclasses.replace(result.findings[0], check_id=check.id, status=Status.FAIL)
    page = HtmlReport().render(
        dataclasses.replace(result, checks=(*result.checks, check), findings=(finding,))
    )
    body = page.split("<main>")[1].split("<script>")[0]
    assert "`" not in body
    assert body.count("<code>") == check.remediation.count("`") // 2


def test_html_trend_chart_has_axis_labels_and_dates(history_result):
    page = HtmlReport().render(history_result)
    chart = page.split('<svg id="score-trend"')[1].split("</svg>")[0]
    assert ">score</text>" in chart
    assert ">scan date (UTC)</text>" in chart
    for tick in (0, 50, 100):
        assert f'text-anchor="end">{tick}</text>' in chart
    for scan in history_result.history.trend:
        assert f">{scan.finished:%Y-%m-%d}</text>" in chart
