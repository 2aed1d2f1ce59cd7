"""Open breach incidents recorded with `posture breach`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.core.model import Severity
from scanner.engine.check import Verdict, check, fail, passed

if TYPE_CHECKING:  # the catalogue lists checks without loading the inventory model
    from scanner.engine.context import ScanContext
    from scanner.inventory.accounts import Account


@check(
    id="INC-001",
    title="Account has an open breach incident",
    severity=Severity.HIGH,
    rationale=(
        "An open incident means the account was compromised and the response is not finished: "
        "until every required step is done the attacker may still hold a session, an app token, "
        "an admin role or the recovery mailbox (NIST SP 800-61)."
    ),
    remediation=(
        "Work through the checklist (posture breach show ACCOUNT), tick each step with posture "
        "breach done ACCOUNT STEP, then close it with posture breach close ACCOUNT."
    ),
    references=(
        "https://csrc.nist.gov/pubs/sp/800/61/r3/final",
        "https://www.ncsc.gov.uk/guidance/recovering-a-hacked-account",
    ),
    scales_with_tier=False,
)
def open_incident(account: Account, ctx: ScanContext) -> Verdict:
    incident = ctx.incidents.get(account.id)
    if incident is None:
        return passed("no open breach incident")
    open_required = len(incident.required_open)
    return fail(
        f"breach incident #{incident.incident_id} open since {incident.opened_at}: "
        f"{open_required} required step{'s' if open_required != 1 else ''} open "
        f"({incident.done} of {incident.steps} steps done)",
        incident=incident.incident_id,
        opened_at=incident.opened_at,
        required_open=list(incident.required_open),
        steps=incident.steps,
        done=incident.done,
    )
