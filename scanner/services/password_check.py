"""What the password checks would say about a new value, before a scan: `vault set` warns at once.

The verdicts come from the real checks (PWD-001, PWD-003) on facts computed the scan's way, so the
warning and the next scan never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from checks.passwords import reused_password, weak_password
from scanner.core.model import Status
from scanner.core.secret import Secret
from scanner.engine.context import ScanContext
from scanner.engine.facts import PasswordFacts, SecretRecord
from scanner.inventory.accounts import Account, Inventory
from scanner.inventory.platforms import catalogue
from scanner.inventory.policy import load_policy
from scanner.passwords.analysis import analyse
from scanner.passwords.reuse import Grouping


def password_warnings(
    inventory: Inventory,
    account: Account,
    password: Secret,
    others: Mapping[str, Secret],
    hmac_key: bytes,
) -> list[str]:
    """ "CHECK: message" for each of PWD-001 and PWD-003 that `password` would fail on `account`;
    `others` are the other accounts' current passwords (for reuse). Messages hold no value."""
    policy = load_policy(inventory.policy_table, None)
    record = SecretRecord(account_id=account.id, password=password)
    facts = analyse(inventory, policy, [record], hmac_key=hmac_key, workers=1)
    own = facts.accounts[account.id]
    grouping = Grouping({**others, account.id: password}, hmac_key)
    own = dataclasses.replace(
        own,
        reused_with=grouping.same.get(account.id, ()),
        similar_to=grouping.similar.get(account.id, ()),
    )
    context = ScanContext(
        inventory=inventory,
        policy=policy,
        platforms=catalogue(),
        secrets=PasswordFacts({account.id: own}, None, facts.scored, facts.cached),
    )
    warnings = []
    for check_id, function in (("PWD-001", weak_password), ("PWD-003", reused_password)):
        verdict = function(account, context)
        if verdict.status is Status.FAIL:
            warnings.append(f"{check_id}: {verdict.message}")
    return warnings
