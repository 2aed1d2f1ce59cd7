"""`--format table` (default): findings grouped by account, then a summary, for a terminal."""

from __future__ import annotations

from collections import defaultdict

from tabulate import tabulate

from scanner.model import Finding, Status
from scanner.report.interface import Report
from scanner.scan import ScanResult


class TableReport(Report):
    name = "table"
    suffix = ".txt"

    def __init__(self, show_passed: bool = False) -> None:
        self.show_passed = show_passed

    def render(self, result: ScanResult) -> str:
        inventory = result.context.inventory
        by_account: dict[str, list[Finding]] = defaultdict(list)
        for finding in result.findings:
            if finding.status is Status.PASS and not self.show_passed:
                continue
            if finding.status is Status.SKIPPED and not self.show_passed:
                continue
            by_account[finding.account].append(finding)
        out = [
            f"posture scan of {inventory.organization.name} ({inventory.path}), "
            f"as of {result.context.today}",
            "",
        ]
        for account in inventory.accounts:
            rows = sorted(
                by_account.get(account.id, []), key=lambda f: (-f.severity.rank, f.check_id)
            )
            title = f"{account.label} [{account.platform}, {account.tier.value}]"
            if not rows:
                out += [f"== {title}: no findings", ""]
                continue
            out.append(f"== {title}")
            out.append(
                tabulate(
                    [(f.status.value, f.severity.value, f.check_id, f.message) for f in rows],
                    headers=["status", "severity", "check", "finding"],
                    tablefmt="simple",
                    maxcolwidths=[None, None, None, 90],
                )
            )
            out.append("")
        summary = result.summary()
        counts = [(sev, n) for sev, n in summary.failed_by_severity.items()]
        out.append("Summary")
        out.append(tabulate(counts, headers=["severity", "failed"], tablefmt="simple"))
        out.append("")
        status = ", ".join(f"{n} {s.lower()}" for s, n in summary.by_status.items() if n)
        out.append(f"{summary.accounts} accounts, {summary.checks} checks: {status}")
        out.append(f"Posture score: {summary.score}/100")
        if summary.incomplete:
            out.append("Scan INCOMPLETE: some checks errored (see ERROR rows).")
        out.extend(result.notes)
        return "\n".join(out) + "\n"
