"""`--format sarif`: SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

One rule per selected check; one result per FAIL finding, located at the account's table in
the inventory file (path relative to the current folder) and logically at `accounts/<id>`.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.core.model import Finding, Severity, Status, Suppression
from scanner.core.text import json_document
from scanner.engine.check import Check
from scanner.engine.run import ScanResult
from scanner.report.interface import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "postureFinding/v1"

# Code-scanning services bucket 9.0+ as critical, 7.0+ high, 4.0+ medium, else low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def artifact_uri(path: Path, base: Path) -> str:
    """`path` as a relative URI against `base` (POSIX separators, percent-encoded)."""
    try:
        relative = os.path.relpath(path.resolve(), base.resolve())
    except ValueError:  # another drive on Windows: no relative path exists
        return path.resolve().as_uri()
    return urllib.parse.quote(Path(relative).as_posix())


def rule_name(title: str) -> str:
    """A check title as the PascalCase identifier SARIF suggests for `rule.name`."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


class SarifReport(Report):
    name = "sarif"
    suffix = ".sarif"

    def __init__(self, base: Path | None = None) -> None:
        # Locations are relative to this folder; the current one unless a test says otherwise.
        self.base = base

    def render(self, result: ScanResult) -> str:
        base = self.base or Path.cwd()
        inventory = result.context.inventory
        uri = artifact_uri(inventory.path, base)
        lines = {a.id: a.line or 1 for a in inventory.accounts}
        index = {c.id: number for number, c in enumerate(result.checks)}
        review = result.suppression_review
        suppressions_uri = artifact_uri(review.path, base) if review.path else None
        results = [
            self._result(f, index, uri, lines.get(f.account, 1), suppressions_uri)
            for f in result.findings
            if f.status is Status.FAIL
        ]
        notifications = [
            {
                "level": "error",
                "message": {"text": f"{f.check_id} on {f.account}: {f.message}"},
                "descriptor": {"id": f.check_id, "index": index[f.check_id]},
            }
            for f in result.findings
            if f.status is Status.ERROR and f.check_id in index
        ]
        notifications += [{"level": "warning", "message": {"text": n.text}} for n in review.notices]
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "posture",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "rules": [_rule(c) for c in result.checks],
                }
            },
            "originalUriBaseIds": {SRCROOT: {"uri": base.resolve().as_uri() + "/"}},
            "invocations": [
                {
                    "executionSuccessful": not result.incomplete,
                    "startTimeUtc": _utc(result.started.isoformat()),
                    "endTimeUtc": _utc(result.finished.isoformat()),
                    "toolExecutionNotifications": notifications,
                }
            ],
            "artifacts": [{"location": {"uri": uri, "uriBaseId": SRCROOT}}],
            "columnKind": "utf16CodeUnits",
            "properties": {
                "organization": inventory.organization.name,
                "asOf": result.context.today.isoformat(),
                "postureScore": result.summary().score,
            },
            "results": results,
        }
        document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        return json_document(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"

    def _result(
        self,
        finding: Finding,
        index: dict[str, int],
        uri: str,
        line: int,
        suppressions_uri: str | None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ruleId": finding.check_id,
            "level": LEVEL[finding.severity],
            "message": {"text": f"{finding.account}: {finding.message}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT, "index": 0},
                        "region": {"startLine": line},
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
            "properties": {"severity": finding.severity.value, "account": finding.account},
        }
        if finding.check_id in index:
            out["ruleIndex"] = index[finding.check_id]
        if finding.suppression is not None:
            out["suppressions"] = [_suppression(finding.suppression, suppressions_uri)]
        return out


def _rule(check: Check) -> dict[str, Any]:
    references = "\n".join(f"- {ref}" for ref in check.references)
    rule: dict[str, Any] = {
        "id": check.id,
        "name": rule_name(check.title),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.rationale},
        "help": {
            "text": f"{check.remediation}\n\nReferences:\n{references}",
            "markdown": f"**How to fix it:** {check.remediation}\n\n**References:**\n{references}",
        },
        "defaultConfiguration": {"level": LEVEL[check.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[check.severity],
            "tags": ["security", "account-posture", check.family],
            "precision": "very-high",
            "problem.severity": "error" if LEVEL[check.severity] == "error" else "warning",
        },
    }
    if check.help_uri:
        rule["helpUri"] = check.help_uri
    return rule


def _suppression(entry: Suppression, uri: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "external",
        "status": "accepted",
        "justification": entry.reason,
        "properties": {"owner": entry.owner, "expires": entry.expires.isoformat()},
    }
    if uri is not None:
        out["location"] = {
            "physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
                "region": {"startLine": entry.line or 1},
            }
        }
    return out


def _utc(stamp: str) -> str:
    return stamp.replace("+00:00", "Z")
