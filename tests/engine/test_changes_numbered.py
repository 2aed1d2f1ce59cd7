"""Comparing two recorded scans by numbered issues gives what the rule on values gives."""

import random

from scanner.engine.changes import ScanRecord, changes_between

CHECKS = ["ACC-001", "MFA-001", "MFA-002", "PWD-001", "GOV-003"]
ACCOUNTS = [f"acct{n}" for n in range(12)]
STATUSES = ["FAIL", "FAIL", "SKIPPED", "ERROR", "PASS"]


def by_values(before, after):
    """The rule, on tuples of values (as `changes_between` was written before numbering)."""
    failed_before = {(i[0], i[1]) for i in before.issues if i[2] == "FAIL"}
    new = [
        i
        for i in after.issues
        if i[2] == "FAIL" and i[0] in set(before.checks) and (i[0], i[1]) not in failed_before
    ]
    issues_after = {(i[0], i[1]) for i in after.issues}
    fixed = [
        i
        for i in before.issues
        if i[2] == "FAIL"
        and i[0] in set(after.checks)
        and i[1] in set(after.accounts)
        and (i[0], i[1]) not in issues_after
    ]
    return new, fixed


def random_record(rng):
    checks = rng.sample(CHECKS, rng.randint(1, len(CHECKS)))
    accounts = rng.sample(ACCOUNTS, rng.randint(1, len(ACCOUNTS)))
    issues = []
    for account in accounts:
        for check in checks:
            status = rng.choice(STATUSES)
            if status != "PASS":
                message = rng.choice(["weak", "no second factor", f"on {account}"])
                issues.append((check, account, status, "high", message, rng.randint(0, 1)))
    return ScanRecord.of_issues(checks, accounts, issues)


def as_values(found):
    return [
        (f.check_id, f.account, f.status.value, f.severity.value, f.message, int(f.suppressed))
        for f in found
    ]


def test_numbered_comparison_is_the_rule_on_values():
    rng = random.Random(13)
    for _ in range(400):
        before, after = random_record(rng), random_record(rng)
        if rng.random() < 0.3:  # the common case: the same checks and accounts
            after = ScanRecord.of_issues(before.checks, before.accounts, after.issues)
        new, fixed = changes_between(before, after)
        assert (as_values(new), as_values(fixed)) == by_values(before, after)


def test_a_record_keeps_each_distinct_message_once():
    record = ScanRecord.of_issues(
        ["MFA-001"], ["a", "b"], [("MFA-001", a, "FAIL", "high", "same", 0) for a in "ab"]
    )
    assert record.messages == ("same",)
    assert record.issues == (
        ("MFA-001", "a", "FAIL", "high", "same", 0),
        ("MFA-001", "b", "FAIL", "high", "same", 0),
    )
