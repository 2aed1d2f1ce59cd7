from pathlib import Path

import pytest

from scanner.core.errors import InputError
from scanner.core.tomlsource import MAX_KEY_PARTS, TomlSource


@pytest.mark.parametrize(
    "key",
    [
        ".".join(["k"] * 50_000) + " = 1",
        "[" + ".".join(["t"] * 50_000) + "]",
        "x = {" + " . ".join(['"q"'] * 50_000) + " = 1}",
    ],
    ids=["dotted key", "table header", "quoted parts in an inline table"],
)
def test_a_key_too_deep_for_tomllib_is_refused_before_parsing(tmp_path: Path, key: str) -> None:
    # tomllib needs about 50 s for one such line; the refusal comes before it parses anything.
    path = tmp_path / "deep.toml"
    path.write_text(f"# fine so far\n{key}\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"more than {MAX_KEY_PARTS} dotted parts") as caught:
        TomlSource.read(path, "policy file")
    assert caught.value.line == 2


def test_ordinary_dotted_keys_and_dotted_values_still_load(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        '[policy.tiers.critical]\nmin_length = 20\nnote = "' + ". ".join(["x"] * 20) + '"\n'
        'ip = "' + ".".join(["10"] * 100) + '"\n',
        encoding="utf-8",
    )
    assert (
        TomlSource.read(path, "policy file").data["policy"]["tiers"]["critical"]["min_length"] == 20
    )


def test_a_huge_key_or_value_quoted_in_an_error_is_cut_to_a_readable_line(tmp_path: Path) -> None:
    from scanner.engine.suppressions import load_suppressions
    from scanner.inventory.policy import load_policy

    policy = tmp_path / "policy.toml"
    policy.write_text("[policy]\n" + "k" * 2_000_000 + " = 1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_policy(None, policy)
    line = str(caught.value)
    assert len(line) < 700
    assert line.startswith(f"{policy}:2: policy.kkk") and line.endswith(": unknown key")
    assert "characters)..." in line
    suppressions = tmp_path / "s.toml"
    suppressions.write_text(
        '[[suppression]]\ncheck = "' + "x_" * 1_000_000 + '"\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_suppressions(suppressions)
    assert len(str(caught.value)) < 700
    assert str(caught.value).endswith('is not a check id or a glob such as "GOV-*"')
