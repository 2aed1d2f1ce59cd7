"""`--format html`: one self-contained page for people: score, charts, findings per account.

Everything is inline (CSS, SVG, a few lines of script for sorting); a Content-Security-Policy
forbids any network request, so the file opens the same from a mail attachment or a share.
"""

from __future__ import annotations

from html import escape

from scanner.core.model import Finding, Severity
from scanner.core.text import xml
from scanner.engine.run import ScanResult
from scanner.report.interface import Report
from scanner.report.view import ReportView

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
COLOURS = {
    Severity.CRITICAL: "#8b0000",
    Severity.HIGH: "#d9480f",
    Severity.MEDIUM: "#e0a100",
    Severity.LOW: "#3b7dd8",
    Severity.INFO: "#868e96",
}

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header,main{max-width:1100px;margin:0 auto;padding:16px 24px}
header{display:flex;gap:32px;align-items:center;flex-wrap:wrap}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:16px;margin:0 0 8px}
.score{font-size:44px;font-weight:700}.muted{color:#5c6670}
.charts{display:flex;gap:24px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 16px;margin:12px 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e9ed;vertical-align:top}
th{cursor:pointer;user-select:none;background:#f0f2f5;white-space:nowrap}td.check{white-space:nowrap}th:after{content:" \\2195";color:#9aa3ad}
.sev{font-weight:600;white-space:nowrap}.sev-critical{color:#8b0000}.sev-high{color:#d9480f}
.sev-medium{color:#9c6f00}.sev-low{color:#3b7dd8}.sev-info{color:#868e96}
tr.pass,tr.skipped{display:none}#show-passed:checked~main tr.pass,#show-passed:checked~main tr.skipped{display:table-row}
tr.suppressed td{color:#6c757d}.tag{font-size:12px;border-radius:4px;padding:1px 5px;background:#e9ecef;margin-left:4px}
.tag.new{background:#ffe3e3;color:#a61e1e}.tag.fixed{background:#d3f9d8;color:#2b8a3e}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f0f2f5;padding:0 3px;border-radius:3px}
input.toggle{margin:0 6px 0 max(24px,calc((100% - 1100px)/2 + 24px))}
"""

SCRIPT = """
(function(){
  var rank={critical:5,high:4,medium:3,low:2,info:1};
  function key(td){var v=td.getAttribute('data-sort');return v!==null?Number(v):td.textContent.trim().toLowerCase();}
  document.querySelectorAll('table.findings').forEach(function(table){
    table.querySelectorAll('th').forEach(function(th,col){
      th.addEventListener('click',function(){
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        var dir=th.getAttribute('data-dir')==='asc'?-1:1;th.setAttribute('data-dir',dir===1?'asc':'desc');
        rows.sort(function(a,b){var x=key(a.cells[col]),y=key(b.cells[col]);return x<y?-dir:x>y?dir:0;});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  document.documentElement.setAttribute('data-sortable','ready');
})();
"""


class HtmlReport(Report):
    name = "html"
    suffix = ".html"

    def render(self, result: ScanResult) -> str:
        inventory = result.context.inventory
        summary = result.summary()
        org = escape(inventory.organization.name)
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width,initial-scale=1">',
            f"<title>posture report: {org}</title>",
            f"<style>{STYLE}</style></head><body>",
            "<header>",
            f'<div><h1>posture report: {org}</h1><div class="muted">as of '
            f"{result.context.today} · {summary.accounts} accounts · {summary.checks} checks · "
            f"{escape(inventory.path.name)}</div></div>",
            f'<div><div class="muted">Posture score</div><div class="score" id="score">'
            f"{summary.score}<small>/100</small></div>"
            + "".join(
                f'<div class="muted score-note">{escape(n)}</div>' for n in summary.score_notes
            )
            + "</div>",
            "</header>",
            '<input type="checkbox" id="show-passed" class="toggle">'
            '<label for="show-passed">show passing and skipped checks too</label>',
            "<main>",
        ]
        if summary.incomplete:
            parts.append(
                '<p class="card"><strong>Scan incomplete:</strong> some checks errored.</p>'
            )
        parts.append('<div class="charts">')
        parts.append(_card("Failing findings by severity", severity_chart(result)))
        parts.append(_card("Posture score over past scans", trend_chart(result)))
        parts.append("</div>")
        parts.append(_changes(result))
        parts.append("<h2>Findings by account</h2>")
        parts.extend(_account_sections(result))
        notices = result.suppression_review.notices
        if notices or result.notes:
            parts.append('<h2>Notes</h2><ul id="notes">')
            parts += [f"<li>{escape(n.text)}</li>" for n in notices]
            parts += [f"<li>{escape(note)}</li>" for note in result.notes]
            parts.append("</ul>")
        parts.append(f"</main><script>{SCRIPT}</script></body></html>")
        return xml("\n".join(parts)) + "\n"  # html.escape passes control characters


def severity_chart(result: ScanResult) -> str:
    """Horizontal bars: failing findings per severity, the suppressed share paler."""
    width, bar_height, gap, label_width = 420, 22, 8, 80
    fails = dict.fromkeys(Severity, 0)
    suppressed = dict.fromkeys(Severity, 0)
    for finding in result.findings:
        if finding.failed:
            fails[finding.severity] += 1
            if finding.suppressed:
                suppressed[finding.severity] += 1
    most = max(fails.values()) or 1
    order = list(reversed(Severity))
    height = len(order) * (bar_height + gap) + gap
    out = [
        f'<svg id="severity-chart" role="img" aria-label="failing findings by severity" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    scale = (width - label_width - 40) / most
    for row, severity in enumerate(order):
        y = gap + row * (bar_height + gap)
        total = round(fails[severity] * scale)
        muted = round(suppressed[severity] * scale)
        colour = COLOURS[severity]
        out.append(
            f'<text x="0" y="{y + 16}" font-size="13">{severity.value}</text>'
            f'<rect class="bar" data-severity="{severity.value}" data-count="{fails[severity]}" '
            f'x="{label_width}" y="{y}" width="{total}" height="{bar_height}" fill="{colour}">'
            f"<title>{fails[severity]} {severity.value}</title></rect>"
        )
        if muted:
            out.append(
                f'<rect x="{label_width + total - muted}" y="{y}" width="{muted}" '
                f'height="{bar_height}" fill="#ffffff" fill-opacity="0.55">'
                f"<title>{suppressed[severity]} suppressed</title></rect>"
            )
        out.append(
            f'<text x="{label_width + total + 6}" y="{y + 16}" font-size="13">'
            f"{fails[severity]}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def trend_chart(result: ScanResult) -> str:
    """The score (0-100) over the recorded scans of this inventory, oldest left, dated."""
    width, height, left, bottom, top = 420, 180, 44, 40, 12
    history = result.history
    points = list(history.trend) if history is not None else []
    base_y = height - bottom
    out = [
        f'<svg id="score-trend" role="img" aria-label="posture score over past scans" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base_y}" stroke="#adb5bd"/>',
        f'<line x1="{left}" y1="{base_y}" x2="{width - 8}" y2="{base_y}" stroke="#adb5bd"/>',
        f'<text class="axis-title" x="12" y="{(top + base_y) / 2}" font-size="11" '
        f'text-anchor="middle" transform="rotate(-90 12 {(top + base_y) / 2})">score</text>',
        f'<text class="axis-title" x="{(left + width) / 2}" y="{height - 4}" font-size="11" '
        'text-anchor="middle">scan date (UTC)</text>',
    ]
    span = base_y - top
    for tick in (0, 50, 100):
        y = round(base_y - span * tick / 100, 1)
        out.append(
            f'<text class="tick" x="{left - 4}" y="{y + 4}" font-size="11" '
            f'text-anchor="end">{tick}</text>'
        )
    if len(points) < 2:
        note = (
            "one recorded scan so far: the trend starts with the next"
            if points
            else "no scan history recorded (scan without --no-history)"
        )
        out.append(
            f'<text class="empty" x="{left + 10}" y="{height / 2}" font-size="13">{note}</text>'
        )
        out.append("</svg>")
        return "".join(out)
    step = (width - left - 40) / (len(points) - 1)
    coords = [
        (round(left + 16 + i * step, 1), round(base_y - span * p.score / 100, 1))
        for i, p in enumerate(points)
    ]
    path = " ".join(f"{x},{yy}" for x, yy in coords)
    out.append(
        f'<polyline class="trend" points="{path}" fill="none" stroke="#1971c2" stroke-width="2"/>'
    )
    for (x, yy), scan in zip(coords, points, strict=True):
        out.append(
            f'<circle class="point" cx="{x}" cy="{yy}" r="3.5" fill="#1971c2">'
            f"<title>scan #{scan.id} {scan.finished:%Y-%m-%d %H:%M}: {scan.score}</title>"
            "</circle>"
        )
    # Dates under the first and last point, and the middle one when there is room.
    labelled = sorted({0, len(points) - 1} | ({len(points) // 2} if len(points) > 4 else set()))
    for index in labelled:
        x = coords[index][0]
        out.append(
            f'<text class="date" x="{x}" y="{base_y + 14}" font-size="10" '
            f'text-anchor="middle">{points[index].finished:%Y-%m-%d}</text>'
        )
    last_x, last_y = coords[-1]
    out.append(
        f'<text x="{min(last_x - 8, width - 30)}" y="{max(last_y - 8, 10)}" '
        f'font-size="12">{points[-1].score}</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _card(title: str, body: str) -> str:
    return f'<div class="card"><h3>{escape(title)}</h3>{body}</div>'


def _changes(result: ScanResult) -> str:
    history = result.history
    if history is None or history.previous is None:
        return ""
    previous = history.previous
    items = [
        f'<li><span class="tag new">new</span> {escape(f.check_id)} on {escape(f.account)}: '
        f"{escape(f.message)}</li>"
        for f in history.new
    ]
    items += [
        f'<li><span class="tag fixed">fixed</span> {escape(f.check_id)} on '
        f"{escape(f.account)}: {escape(f.message)}</li>"
        for f in history.fixed
    ]
    return (
        f"<h2>Since scan #{previous.id} ({previous.finished:%Y-%m-%d %H:%M} UTC, score "
        f"{previous.score})</h2>"
        f'<div class="card" id="changes"><p>{len(history.new)} new, {len(history.fixed)} fixed.'
        f"</p><ul>{''.join(items)}</ul></div>"
    )


def code_spans(text: str) -> str:
    """`text` escaped for HTML, with Markdown `code spans` shown as <code> instead of backticks."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return escape(text)
    return "".join(
        f"<code>{escape(part)}</code>" if index % 2 else escape(part)
        for index, part in enumerate(parts)
    )


def _account_sections(result: ScanResult) -> list[str]:
    view = ReportView.of(result)
    by_account = view.by_account()
    parts = []
    for number, account in enumerate(result.context.inventory.accounts):
        findings = by_account.get(account.id, [])
        failing = sum(1 for f in findings if f.actionable)
        parts.append(
            f'<section class="card account" id="account-{number}" '
            f'data-account="{escape(account.id)}"><h3>{escape(account.label)} '
            f'<span class="muted">{escape(account.platform)} · {account.tier.value} tier · '
            f"{failing} to fix</span></h3>"
        )
        parts.append(
            '<table class="findings"><thead><tr><th>severity</th><th>status</th><th>check</th>'
            "<th>finding</th><th>how to fix it</th></tr></thead><tbody>"
        )
        parts += [_row(view, finding) for finding in findings]
        parts.append("</tbody></table>")
        if not failing:
            parts.append('<p class="muted">Nothing to fix on this account.</p>')
        parts.append("</section>")
    return parts


def _row(view: ReportView, finding: Finding) -> str:
    check = view.checks.get(finding.check_id)
    classes = [finding.status.value.lower()]
    tags = ""
    if finding.suppression is not None:
        classes.append("suppressed")
        entry = finding.suppression
        tags += (
            f'<span class="tag" title="{escape(entry.reason)} (owner {escape(entry.owner)},'
            f' until {entry.expires})">suppressed</span>'
        )
    change = view.change(finding)
    if change:
        tags += f'<span class="tag {change}">{change}</span>'
    title = f"{finding.check_id}: {check.title}" if check else finding.check_id
    remedy = code_spans(check.remediation) if check and finding.failed else ""
    return (
        f'<tr class="{" ".join(classes)}">'
        f'<td class="sev sev-{finding.severity.value}" data-sort="{finding.severity.rank}">'
        f"{finding.severity.value}</td>"
        f"<td>{finding.status.value}{tags}</td>"
        f'<td class="check" title="{escape(title)}">{escape(finding.check_id)}</td>'
        f"<td>{escape(finding.message)}</td><td>{remedy}</td></tr>"
    )
