import string

import pytest

from scanner.inventory.platforms import PasswordRules, catalogue
from scanner.vault.generate import generate_password


@pytest.mark.parametrize("platform", sorted(catalogue()))
def test_generated_passwords_follow_each_platforms_rules(platform: str) -> None:
    rules = catalogue()[platform].password
    allowed = set(string.ascii_letters + string.digits + rules.symbols)
    for _ in range(20):
        value = generate_password(rules).reveal()
        assert rules.accepts_length(len(value))
        expected = max(rules.generate_length, rules.min_length or 0)
        assert len(value) == min(expected, rules.max_length or expected)
        assert set(value) <= allowed
        assert any(c.isdigit() for c in value)
        assert any(c.isupper() for c in value)
        if rules.symbols:
            assert any(c in rules.symbols for c in value)


def test_platform_without_symbols_gets_none() -> None:
    rules = PasswordRules(min_length=8, max_length=16, generate_length=30, symbols="", source="")
    value = generate_password(rules).reveal()
    assert len(value) == 16
    assert value.isalnum()


def test_generated_passwords_differ() -> None:
    rules = catalogue()["x"].password
    assert len({generate_password(rules).reveal() for _ in range(50)}) == 50
