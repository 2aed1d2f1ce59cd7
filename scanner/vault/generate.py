"""Random passwords a platform accepts, by its `PasswordRules` from the catalogue."""

from __future__ import annotations

import secrets
import string

from scanner.core.secret import Secret
from scanner.inventory.platforms import PasswordRules


def generate_password(rules: PasswordRules) -> Secret:
    """A uniformly random password of the platform's generate length, within its min/max
    (where the platform states them).

    It holds at least one lower-case letter, upper-case letter, digit and (when the platform
    allows symbols) one of its symbols, so composition rules some platforms still enforce pass;
    candidates lacking one are drawn again, which keeps the choice uniform among valid ones.
    """
    length = max(rules.generate_length, rules.min_length or 0, 4)
    if rules.max_length is not None:
        length = min(length, rules.max_length)
    classes = [string.ascii_lowercase, string.ascii_uppercase, string.digits]
    if rules.symbols:
        classes.append(rules.symbols)
    alphabet = "".join(classes)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(ch in group for ch in candidate) for group in classes):
            return Secret(candidate)
