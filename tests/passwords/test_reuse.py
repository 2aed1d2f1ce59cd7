import pytest

from scanner.passwords import reuse

KEY = b"k" * 32


@pytest.mark.parametrize(
    ("variant", "base"),
    [
        ("P@ssw0rd2024!", "password"),
        ("Summer2025", "summer"),
        ("$unfl0wer!!", "sunflower"),
        ("Dragon7", "DRAGON"),
        ("l3tm3in", "letmein"),
    ],
)
def test_near_form_undoes_case_trailing_digits_symbols_and_swaps(variant: str, base: str) -> None:
    assert reuse.near_form(variant) == reuse.near_form(base)


def test_near_form_keeps_different_passwords_apart() -> None:
    assert reuse.near_form("sunflower") != reuse.near_form("sunflowers-field")


def test_groups_name_the_other_accounts_only() -> None:
    digests = {"a": b"1", "b": b"1", "c": b"2", "d": b"1"}
    assert reuse.groups(digests) == {"a": ("b", "d"), "b": ("a", "d"), "c": (), "d": ("a", "b")}


def test_near_groups_exclude_exact_copies_and_short_forms() -> None:
    pairs = [("a", "Winter2024!"), ("b", "winter"), ("c", "Winter2024!"), ("d", "123"), ("e", "9")]
    exact = {aid: reuse.keyed_digest(KEY, pw) for aid, pw in pairs}
    near = reuse.near_digests(KEY, pairs)
    assert "d" not in near  # "123" normalises to "": too short to call similar
    similar = reuse.near_groups(exact, near)
    assert similar["a"] == ("b",)
    assert similar["b"] == ("a", "c")
    assert similar.get("d", ()) == ()


def test_digests_depend_on_the_key_and_purpose() -> None:
    one = reuse.keyed_digest(reuse.subkey(KEY, "reuse-exact"), "password")
    other_purpose = reuse.keyed_digest(reuse.subkey(KEY, "reuse-near"), "password")
    other_key = reuse.keyed_digest(reuse.subkey(b"x" * 32, "reuse-exact"), "password")
    assert len({one, other_purpose, other_key}) == 3
