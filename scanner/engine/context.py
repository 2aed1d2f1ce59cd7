"""What a check may look at: the inventory, the policy, the catalogue, and facts gathered before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.engine.facts import (
    EntryCustody,
    HandbookFacts,
    OpenIncident,
    OpenOffboarding,
    PasswordFacts,
)
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import Platform, platform_for
from scanner.inventory.policy import Policy, Rules


@dataclass(frozen=True)
class ScanContext:
    """Everything the checks read. Built once per scan; checks never read files themselves."""

    inventory: Inventory
    policy: Policy
    platforms: Mapping[str, Platform]
    today: dt.date = field(default_factory=dt.date.today)
    # Open breach incidents by account id, from the state database (INC-001).
    incidents: Mapping[str, OpenIncident] = field(default_factory=dict)
    # Open offboarding cases by who leaves (person id or `agency:ID`), from the database (GOV-003).
    offboardings: Mapping[str, OpenOffboarding] = field(default_factory=dict)
    # Facts about the vault's secrets; None when the scan has no vault (password checks skip).
    secrets: PasswordFacts | None = None
    # The generated handbook's version and its recorded acknowledgements (GOV-001).
    handbook: HandbookFacts | None = None
    # Team vault custody by account id; None when the vault is not a team vault (VLT-001 skips).
    custody: Mapping[str, EntryCustody] | None = None

    def rules(self, account: Account) -> Rules:
        return self.policy.for_tier(account.tier)

    def platform(self, account: Account) -> Platform:
        return platform_for(account.platform, self.platforms)
