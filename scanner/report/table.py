"""`--format table` (default): findings grouped by account, then a summary, for a terminal.

Each account's findings are a table in tabulate's "simple" layout. With 10,000 accounts there
are 10,000 of them, and tabulate spends about half a millisecond per table guessing types,
stripping ANSI codes and wrapping each cell, so the common case, cells of plain printable ASCII,
is laid out here with the same rules (column width = widest line or header + 2, left-aligned,
two spaces between columns, trailing spaces stripped, the finding wrapped at 90 columns by
`textwrap`); any other table (wide or control characters, number-like findings) goes through
tabulate itself. Tests compare the two on generated and hostile rows.
"""

from __future__ import annotations

import functools
import textwrap
from collections import defaultdict
from collections.abc import Sequence

from tabulate import tabulate

from scanner.core.model import Finding, Severity, Status
from scanner.core.simpletable import GAP as _GAP
from scanner.core.simpletable import MIN_PADDING as _MIN_PADDING
from scanner.core.simpletable import plain as _plain
from scanner.core.text import one_line, terminal
from scanner.engine.run import ScanResult
from scanner.inventory.accounts import Account
from scanner.report.interface import Report


class TableReport(Report):
    name = "table"
    suffix = ".txt"

    def __init__(self, show_passed: bool = False, show_suppressed: bool = False) -> None:
        self.show_passed = show_passed
        self.show_suppressed = show_suppressed

    def render(self, result: ScanResult) -> str:
        inventory = result.context.inventory
        by_account = self._shown(result)
        status_of = _Status(result)
        out = [
            f"posture scan of {one_line(inventory.organization.name)} "
            f"({one_line(str(inventory.path))}), as of {result.context.today}",
            "",
        ]
        for account in inventory.accounts:
            out += _account_block(account, by_account.get(account.id, []), status_of)
        out += self._summary(result)
        out.extend(_changes(result))
        out.extend(f"Suppressions: {one_line(n.text)}" for n in result.suppression_review.notices)
        out.extend(one_line(note) for note in result.notes)
        return terminal("\n".join(out)) + "\n"

    def _shown(self, result: ScanResult) -> dict[str, list[Finding]]:
        """The findings the table lists, by account: failures and errors, passes on request."""
        by_account: dict[str, list[Finding]] = defaultdict(list)
        hidden = () if self.show_passed else (Status.PASS, Status.SKIPPED)
        for finding in result.findings:
            if finding.status in hidden or (finding.suppressed and not self.show_suppressed):
                continue
            by_account[finding.account].append(finding)
        return by_account

    def _summary(self, result: ScanResult) -> list[str]:
        summary = result.summary()
        counts = list(summary.failed_by_severity.items())
        status = ", ".join(f"{n} {s.lower()}" for s, n in summary.by_status.items() if n)
        notes = "".join(f"; {note}" for note in summary.score_notes)
        out = [
            "Summary",
            tabulate(counts, headers=["severity", "failed"], tablefmt="simple"),
            "",
            f"{summary.accounts} accounts, {summary.checks} checks: {status}",
            f"Posture score: {summary.score}/100{notes}",
        ]
        if summary.suppressed:
            shown = "shown as FAIL (suppressed)" if self.show_suppressed else "hidden"
            hint = "" if self.show_suppressed else "; --show-suppressed lists them"
            out.append(
                f"{summary.suppressed} suppressed failures {shown}: they still lower the score "
                f"but not the exit code{hint}"
            )
        if summary.incomplete:
            out.append("Scan INCOMPLETE: some checks errored (see ERROR rows).")
        return out


def _account_block(account: Account, findings: list[Finding], status_of: _Status) -> list[str]:
    rows = sorted(findings, key=lambda f: (-_RANK[f.severity], f.check_id))
    title = one_line(f"{account.label} [{account.platform}, {account.tier.value}]")
    if not rows:
        return [f"== {title}: no findings", ""]
    cells = [(status_of.of(f), f.severity.value, f.check_id, one_line(f.message)) for f in rows]
    return [f"== {title}", findings_table(cells), ""]


_RANK = {severity: severity.rank for severity in Severity}
HEADERS = ("status", "severity", "check", "finding")
FINDING_WIDTH = 90
_WRAP = textwrap.TextWrapper(width=FINDING_WIDTH)


def findings_table(rows: Sequence[tuple[str, str, str, str]]) -> str:
    """`rows` exactly as `tabulate(rows, HEADERS, "simple", maxcolwidths=[.., 90])` lays them
    out; computed here when every cell is plain, by tabulate otherwise."""
    if not rows or not all(
        _plain_label(status) and _plain_label(severity) and _plain_label(check_id) and _plain(text)
        for status, severity, check_id, text in rows
    ):
        return tabulate(
            rows, headers=HEADERS, tablefmt="simple", maxcolwidths=[None, None, None, 90]
        )
    statuses, severities, checks, texts = zip(*rows, strict=True)
    wrapped = list(map(_wrapped, texts))
    widths = [
        max(len(header) + _MIN_PADDING, *map(len, column))
        for header, column in zip(HEADERS[:3], (statuses, severities, checks), strict=True)
    ]
    widths.append(max(len(HEADERS[3]) + _MIN_PADDING, *(len(ln) for w in wrapped for ln in w)))
    lines = [
        _GAP.join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)).rstrip(),
        _GAP.join("-" * w for w in widths),
    ]
    row = f"{{:<{widths[0]}}}{_GAP}{{:<{widths[1]}}}{_GAP}{{:<{widths[2]}}}{_GAP}{{}}".format
    blank = " " * (sum(widths[:3]) + 3 * len(_GAP))
    for status, severity, check_id, finding in zip(
        statuses, severities, checks, wrapped, strict=True
    ):
        lines.append(row(status, severity, check_id, finding[0]).rstrip())
        if len(finding) > 1:
            lines.extend((blank + more).rstrip() for more in finding[1:])
    return "\n".join(lines)


@functools.lru_cache(maxsize=256)
def _plain_label(cell: str) -> bool:
    """`_plain` for the status, severity and check cells: a few distinct values per scan."""
    return _plain(cell)


def _wrapped(text: str) -> tuple[str, ...]:
    """`text` (plain: printable ASCII, no surrounding space) in lines of at most FINDING_WIDTH,
    as `textwrap` wraps it. Without a hyphen, a double space or a word too long for a line,
    textwrap's rule is the greedy one (a word goes on the line when it fits after one space),
    computed here at a tenth of the cost; anything else goes through textwrap itself."""
    if len(text) <= FINDING_WIDTH:
        return (text,)
    words = text.split(" ")
    if "-" in text or "" in words or max(map(len, words)) > FINDING_WIDTH:
        return _textwrap(text)
    lines = []
    line = words[0]
    for word in words[1:]:
        if len(line) + 1 + len(word) <= FINDING_WIDTH:
            line += " " + word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return tuple(lines)


@functools.lru_cache(maxsize=4096)
def _textwrap(text: str) -> tuple[str, ...]:
    # Cached: the findings that reach it ("sign-in", "company-held") repeat across accounts.
    return tuple(_WRAP.wrap(text))


class _Status:
    """The status cell: FAIL, PASS, ..., with " (suppressed)" and " NEW" when they apply."""

    def __init__(self, result: ScanResult) -> None:
        history = result.history
        self.history = history if history is not None and history.previous else None
        if self.history is not None and not self.history.new:
            self.history = None  # nothing is new: no finding needs the look-up

    def of(self, finding: Finding) -> str:
        text = _STATUS_TEXT[finding.status]
        if finding.suppression is not None:
            text += " (suppressed)"
        if self.history is not None and self.history.is_new(finding):
            text += " NEW"
        return text


_STATUS_TEXT = {status: status.value for status in Status}


def _changes(result: ScanResult) -> list[str]:
    history = result.history
    if history is None:
        return []
    if history.previous is None:
        return [f"First recorded scan of this inventory (scan #{history.scan_id})."]
    previous = history.previous
    lines = [
        f"Since scan #{previous.id} ({previous.finished:%Y-%m-%d %H:%M} UTC, score "
        f"{previous.score}): {len(history.new)} new, {len(history.fixed)} fixed"
    ]
    lines += [f"  new:   {f.check_id} on {f.account}: {one_line(f.message)}" for f in history.new]
    lines += [f"  fixed: {f.check_id} on {f.account}: {one_line(f.message)}" for f in history.fixed]
    return lines
