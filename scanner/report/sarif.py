"""`--format sarif`: SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

Written for what GitHub documents ("SARIF support for code scanning"), checked 2026-12-01:
- GitHub reads a result's severity from its rule's `security-severity` only, while posture scales
  severity per finding by tier; so there is one rule descriptor per check and severity
  (`MFA-001/critical`), and each result points at the one carrying its own severity.
- GitHub tracks an alert by `partialFingerprints.primaryLocationLineHash` and hashes the
  account's line itself when it is missing; posture sets it from the check and account ids, so
  editing elsewhere in the inventory keeps the alert and its dismissal.
- A result whose `suppressions` entry has status `accepted` is shown closed. Suppressed findings
  are left out unless asked for (`include_suppressed`); then every result has `suppressions`
  (an empty list when unsuppressed), as SARIF §3.27.23 wants all or none.
- URIs are relative to the repository root (`git rev-parse --show-toplevel`, else the
  inventory's folder) under `%SRCROOT%`, whose own location is left to the consumer: no
  absolute path of the scanning machine is written.
- GitHub reads at most 25,000 results per run and rejects several runs of one tool and category
  in one file, so past that the most severe 25,000 are kept and a notification says how many
  were left out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.core.model import Finding, Severity, Status, Suppression
from scanner.core.text import json_document
from scanner.engine.check import Check
from scanner.engine.run import ScanResult
from scanner.report.interface import Report
from scanner.report.view import ReportView, artifact_uri, source_root, worst_first

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "primaryLocationLineHash"
MAX_RESULTS = 25_000

# GitHub buckets security-severity 9.0+ as critical, 7.0+ high, 4.0+ medium, 0.1+ low.
# Info has no security bucket: its rules carry no security-severity and show as a note.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def rule_name(title: str) -> str:
    """A check title as the PascalCase identifier SARIF suggests for `rule.name`."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def rule_id(check_id: str, severity: Severity) -> str:
    """The rule descriptor of one check at one severity."""
    return f"{check_id}/{severity.value}"


class SarifReport(Report):
    name = "sarif"
    suffix = ".sarif"

    def __init__(
        self,
        base: Path | None = None,
        *,
        include_suppressed: bool = False,
        max_results: int = MAX_RESULTS,
    ) -> None:
        # URIs are relative to this folder; the repository root unless a caller says otherwise.
        self.base = base
        self.include_suppressed = include_suppressed
        self.max_results = max_results

    def render(self, result: ScanResult) -> str:
        view = ReportView.of(result)
        inventory = result.context.inventory
        base = self.base or source_root(inventory.path)
        failing = [
            f
            for f in result.findings
            if f.status is Status.FAIL and (self.include_suppressed or not f.suppressed)
        ]
        kept = _capped(failing, self.max_results)
        rules, index = _rules(result.checks, kept)
        review = result.suppression_review
        locate = _Locator(
            uri=artifact_uri(inventory.path, base),
            lines={a.id: a.line or 1 for a in inventory.accounts},
            suppressions_uri=artifact_uri(review.path, base) if review.path else None,
        )
        results = [self._result(f, index, locate) for f in kept]
        started, finished = view.clock
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "posture",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                SRCROOT: {
                    "description": {"text": "The root of the repository holding the inventory."}
                }
            },
            "invocations": [
                {
                    "executionSuccessful": not result.incomplete,
                    "startTimeUtc": _utc(started.isoformat()),
                    "endTimeUtc": _utc(finished.isoformat()),
                    "toolExecutionNotifications": _notifications(
                        result, index, len(failing) - len(kept), self.max_results
                    ),
                }
            ],
            "artifacts": [{"location": {"uri": locate.uri, "uriBaseId": SRCROOT}}],
            "columnKind": "utf16CodeUnits",
            "properties": {
                "organization": inventory.organization.name,
                "asOf": result.context.today.isoformat(),
                "postureScore": view.summary.score,
                "failingResults": len(failing),
                "resultsLeftOut": len(failing) - len(kept),
            },
            "results": results,
        }
        document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        return json_document(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"

    def _result(self, finding: Finding, index: dict[str, int], locate: _Locator) -> dict[str, Any]:
        rule = rule_id(finding.check_id, finding.severity)
        out: dict[str, Any] = {
            "ruleId": rule,
            "ruleIndex": index[rule],
            "level": LEVEL[finding.severity],
            "message": {"text": f"{finding.account}: {finding.message}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": locate.uri, "uriBaseId": SRCROOT, "index": 0},
                        "region": {"startLine": locate.lines.get(finding.account, 1)},
                    },
                    "logicalLocations": [
                        {
                            "name": finding.account,
                            "fullyQualifiedName": f"accounts/{finding.account}",
                            "kind": "object",
                        }
                    ],
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
            "properties": {
                "check": finding.check_id,
                "severity": finding.severity.value,
                "account": finding.account,
            },
        }
        if self.include_suppressed:
            entry = finding.suppression
            out["suppressions"] = [] if entry is None else [_suppression(entry, locate)]
        return out


class _Locator:
    """Where results point: the inventory's URI, each account's line, the suppressions file."""

    def __init__(self, uri: str, lines: dict[str, int], suppressions_uri: str | None) -> None:
        self.uri = uri
        self.lines = lines
        self.suppressions_uri = suppressions_uri


def _capped(findings: list[Finding], limit: int) -> list[Finding]:
    """At most `limit` findings, the most severe kept, in their original order."""
    if len(findings) <= limit:
        return findings
    keep = {id(f) for f in worst_first(findings)[:limit]}
    return [f for f in findings if id(f) in keep]


def _rules(
    checks: tuple[Check, ...], findings: list[Finding]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Descriptors: each check at its base severity, and at every other severity a result has."""
    used = {(f.check_id, f.severity) for f in findings}
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for check in checks:
        for severity in reversed(Severity):
            if severity is check.severity or (check.id, severity) in used:
                index[rule_id(check.id, severity)] = len(rules)
                rules.append(_rule(check, severity))
    return rules, index


def _rule(check: Check, severity: Severity) -> dict[str, Any]:
    references = "\n".join(f"- {ref}" for ref in check.references)
    properties: dict[str, Any] = {
        "tags": ["security", "account-posture", check.family],
        "precision": "very-high",
        "problem.severity": "error" if LEVEL[severity] == "error" else "warning",
        "check": check.id,
        "severity": severity.value,
    }
    if severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[severity]
    else:
        properties["tags"] = ["account-posture", check.family]
        properties["problem.severity"] = "recommendation"
    rule: dict[str, Any] = {
        "id": rule_id(check.id, severity),
        "name": rule_name(check.title),
        "shortDescription": {"text": f"{check.title} ({severity.value})"},
        "fullDescription": {"text": check.rationale[:1000]},
        "help": {
            "text": f"{check.remediation}\n\nReferences:\n{references}",
            "markdown": f"**How to fix it:** {check.remediation}\n\n**References:**\n{references}",
        },
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": properties,
    }
    if check.help_uri:
        rule["helpUri"] = check.help_uri
    return rule


def _notifications(
    result: ScanResult, index: dict[str, int], left_out: int, limit: int
) -> list[dict[str, Any]]:
    checks = {c.id: c for c in result.checks}
    out: list[dict[str, Any]] = []
    for finding in result.findings:
        check = checks.get(finding.check_id)
        if finding.status is not Status.ERROR or check is None:
            continue
        rule = rule_id(check.id, check.severity)
        out.append(
            {
                "level": "error",
                "message": {"text": f"{finding.check_id} on {finding.account}: {finding.message}"},
                "associatedRule": {"id": rule, "index": index[rule]},
            }
        )
    out += [
        {"level": "warning", "message": {"text": n.text}} for n in result.suppression_review.notices
    ]
    if left_out:
        out.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{left_out} less severe failing results were left out: code scanning "
                    f"reads at most {limit:,} results per run; the JSON, CSV or HTML report "
                    "lists every finding."
                },
            }
        )
    return out


def _suppression(entry: Suppression, locate: _Locator) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "external",
        "status": "accepted",
        "justification": entry.reason,
        "properties": {"owner": entry.owner, "expires": entry.expires.isoformat()},
    }
    if locate.suppressions_uri is not None:
        out["location"] = {
            "physicalLocation": {
                "artifactLocation": {"uri": locate.suppressions_uri, "uriBaseId": SRCROOT},
                "region": {"startLine": entry.line or 1},
            }
        }
    return out


def _utc(stamp: str) -> str:
    return stamp.replace("+00:00", "Z")
