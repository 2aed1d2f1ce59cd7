"""`--format json`: a versioned envelope for machines."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from scanner import __version__
from scanner.model import Finding
from scanner.report.interface import Report
from scanner.scan import ScanResult

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "check_id": finding.check_id,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "account": finding.account,
        "message": finding.message,
        "evidence": dict(finding.evidence),
        "fingerprint": finding.fingerprint,
    }


class JsonReport(Report):
    name = "json"
    suffix = ".json"

    def render(self, result: ScanResult) -> str:
        inventory = result.context.inventory
        envelope = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "posture", "version": __version__},
            "scan": {
                "started": result.started.isoformat(),
                "finished": result.finished.isoformat(),
                "as_of": result.context.today.isoformat(),
                "inventory": str(inventory.path),
                "inventory_sha256": inventory.digest,
                "organization": inventory.organization.name,
            },
            "summary": dataclasses.asdict(result.summary()),
            "checks": [
                {"id": c.id, "title": c.title, "family": c.family, "severity": c.severity.value}
                for c in result.checks
            ],
            "findings": [finding_dict(f) for f in result.findings],
            "notes": list(result.notes),
        }
        return json.dumps(envelope, indent=2, ensure_ascii=False) + "\n"
