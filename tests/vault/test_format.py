import json
import struct
from pathlib import Path

import pytest

from scanner.core.errors import VaultError
from scanner.core.secret import Secret
from scanner.vault import Entry, KdfParams, Vault
from scanner.vault import format as fmt
from scanner.vault.entries import utc_now
from scanner.vault.errors import (
    VaultDamaged,
    VaultExists,
    VaultKdfRefused,
    VaultMissing,
    VaultNotAVault,
    VaultTrailingData,
    VaultTruncated,
    VaultVersionUnsupported,
    WrongPassphrase,
)

from .conftest import PASSPHRASE, SENTINEL


def _vault_with_secret(path: Path) -> Vault:
    vault = Vault.create(path, Secret(PASSPHRASE))
    now = utc_now()
    vault.update(
        lambda entries: entries.update(
            {"x-main": Entry("x-main").with_password(Secret(SENTINEL), now, "set")}
        ),
        action="set",
    )
    return vault


def _regions(raw: bytes) -> dict[str, int]:
    """An offset inside each region of the file."""
    header_length = struct.unpack_from(">I", raw, 6)[0]
    return {
        "magic": 1,
        "version": 5,
        "header length": 7,
        "header": 10 + header_length // 2,
        "header checksum": 10 + header_length + 5,
        "ciphertext": 10 + header_length + 32 + 3,
        "tag": len(raw) - 2,
    }


def test_round_trip_keeps_entries_and_increments_revision(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    created = _vault_with_secret(path)
    opened = Vault.open(path, Secret(PASSPHRASE))
    entry = opened.entry("x-main")
    assert entry is not None
    assert entry.password == Secret(SENTINEL)
    assert opened.revision == created.revision == 2
    assert opened.vault_id == created.vault_id
    assert set(opened.entries()) == {"x-main"}


def test_file_holds_magic_version_and_canonical_header_without_secrets(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    raw = path.read_bytes()
    magic, version, length = struct.unpack_from(">4sHI", raw)
    assert (magic, version) == (b"PSTV", 1)
    header = json.loads(raw[10 : 10 + length])
    assert header["cipher"] == "AES-256-GCM"
    assert header["revision"] == 2
    assert set(header["slots"][0]) == {
        "kdf",
        "memory_kib",
        "iterations",
        "lanes",
        "salt",
        "nonce",
        "wrapped_key",
    }
    assert SENTINEL.encode() not in raw


def test_each_save_uses_a_fresh_nonce(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    vault = _vault_with_secret(path)
    first = fmt.parse(path.read_bytes(), path).header.nonce
    vault.update(lambda entries: None, action="noop")
    assert fmt.parse(path.read_bytes(), path).header.nonce != first


def test_wrong_passphrase_is_its_own_error(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        Vault.open(path, Secret("not it"))


def test_missing_file_is_its_own_error(tmp_path: Path) -> None:
    with pytest.raises(VaultMissing, match="posture vault init"):
        Vault.open(tmp_path / "nope.vault", Secret(PASSPHRASE))


@pytest.mark.parametrize(
    ("region", "error"),
    [
        ("magic", VaultNotAVault),
        ("version", VaultVersionUnsupported),
        ("header length", VaultDamaged),
        ("header", VaultDamaged),
        ("header checksum", VaultDamaged),
        ("ciphertext", VaultDamaged),
        ("tag", VaultDamaged),
    ],
)
def test_a_flipped_byte_in_any_region_is_refused(
    tmp_path: Path, region: str, error: type[VaultError]
) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    raw = bytearray(path.read_bytes())
    raw[_regions(bytes(raw))[region]] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises((error, VaultTruncated)) as caught:
        Vault.open(path, Secret(PASSPHRASE))
    assert "\n" not in str(caught.value)
    assert path.read_bytes() == bytes(raw)


def test_flips_in_header_and_payload_say_damaged_not_wrong_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    original = path.read_bytes()
    messages = set()
    for offset in range(10, len(original)):
        raw = bytearray(original)
        raw[offset] ^= 0x01
        path.write_bytes(bytes(raw))
        with pytest.raises(VaultError) as caught:
            Vault.open(path, Secret(PASSPHRASE))
        assert not isinstance(caught.value, WrongPassphrase), offset
        messages.add(type(caught.value).__name__)
    assert "VaultDamaged" in messages


def test_truncated_file_is_its_own_error(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    raw = path.read_bytes()
    for cut in (len(raw) - 1, len(raw) - 40, 60, 8, 3):
        path.write_bytes(raw[:cut])
        with pytest.raises(VaultTruncated, match="truncated"):
            Vault.open(path, Secret(PASSPHRASE))


def test_empty_file_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    path.write_bytes(b"")
    with pytest.raises(VaultTruncated):
        Vault.open(path, Secret(PASSPHRASE))


def test_appended_bytes_are_their_own_error(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    path.write_bytes(path.read_bytes() + b"extra")
    with pytest.raises(VaultTrailingData, match="5 unexpected bytes"):
        Vault.open(path, Secret(PASSPHRASE))


def test_unknown_version_names_the_version(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    raw = bytearray(path.read_bytes())
    raw[4:6] = struct.pack(">H", 7)
    path.write_bytes(bytes(raw))
    with pytest.raises(VaultVersionUnsupported, match="version 7 is not supported"):
        Vault.open(path, Secret(PASSPHRASE))


def _rewrite_header(path: Path, edit: object) -> None:
    raw = path.read_bytes()
    length = struct.unpack_from(">I", raw, 6)[0]
    header = json.loads(raw[10 : 10 + length])
    edit(header)  # type: ignore[operator]
    new_header = fmt.canonical_json(header)
    prefix = raw[:4] + raw[4:6] + struct.pack(">I", len(new_header)) + new_header
    import hashlib

    path.write_bytes(prefix + hashlib.sha256(prefix).digest() + raw[10 + length + 32 :])


@pytest.mark.parametrize(
    ("field", "value"),
    [("memory_kib", 2 * 1024 * 1024), ("iterations", 11), ("lanes", 17)],
)
def test_kdf_parameters_past_the_caps_are_refused_before_deriving(
    tmp_path: Path, field: str, value: int
) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    _rewrite_header(path, lambda header: header["slots"][0].__setitem__(field, value))
    with pytest.raises(VaultKdfRefused, match="outside the caps"):
        Vault.open(path, Secret(PASSPHRASE))


def test_header_edited_with_a_fixed_checksum_still_fails_authentication(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    _rewrite_header(path, lambda header: header.__setitem__("revision", 99))
    with pytest.raises(VaultDamaged, match="failed authentication"):
        Vault.open(path, Secret(PASSPHRASE))


@pytest.mark.parametrize("vault_id", ["\u00e9" * 32, "a|b", "ABCDEF" * 6, ""])
def test_a_vault_id_that_is_not_32_hex_digits_is_a_damaged_header(
    tmp_path: Path, vault_id: str
) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    _rewrite_header(path, lambda header: header.__setitem__("vault_id", vault_id))
    with pytest.raises(VaultDamaged, match="header is malformed"):
        Vault.open(path, Secret(PASSPHRASE))


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    _vault_with_secret(path)
    before = path.read_bytes()
    with pytest.raises(VaultExists):
        Vault.create(path, Secret("other"))
    assert path.read_bytes() == before


@pytest.fixture
def real_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped OWASP floor and default KDF (the suite swaps in a cheap KDF by default)."""
    monkeypatch.setattr(fmt, "MINIMUM_KDF", KdfParams(19 * 1024, 2, 1))
    monkeypatch.setattr(fmt, "DEFAULT_KDF", KdfParams(64 * 1024, 3, 4))


def test_the_shipped_cli_has_no_test_kdf_switch() -> None:
    """Finding 2: POSTURE_VAULT_INSECURE_TEST_KDF made 8 KiB / 1 pass slots, silently."""
    import scanner

    root = Path(scanner.__file__).parent
    for source in root.rglob("*.py"):
        assert "INSECURE_TEST_KDF" not in source.read_text(encoding="utf-8"), source


def test_weak_kdf_cannot_be_requested(tmp_path: Path, real_floor: None) -> None:
    with pytest.raises(VaultError, match="below the OWASP minimum"):
        Vault.create(tmp_path / "a.vault", Secret(PASSPHRASE), kdf=KdfParams(8, 1, 1))
    assert not (tmp_path / "a.vault").exists()


def test_a_passphrase_change_cannot_ask_for_a_weak_kdf(tmp_path: Path, real_floor: None) -> None:
    path = tmp_path / "posture.vault"
    vault = _vault_with_secret(path)
    before = path.read_bytes()
    with pytest.raises(VaultError, match="below the OWASP minimum"):
        vault.change_passphrase(Secret("new passphrase"), kdf=KdfParams(8, 1, 1))
    assert path.read_bytes() == before


def test_passphrase_change_rewraps_the_key_and_keeps_contents(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    vault = _vault_with_secret(path)
    cache_key = vault.derive_key("score-cache")
    vault.change_passphrase(Secret("a new passphrase"), kdf=KdfParams(19 * 1024, 2, 1))
    with pytest.raises(WrongPassphrase):
        Vault.open(path, Secret(PASSPHRASE))
    reopened = Vault.open(path, Secret("a new passphrase"))
    entry = reopened.entry("x-main")
    assert entry is not None
    assert entry.password == Secret(SENTINEL)
    assert reopened.derive_key("score-cache") == cache_key  # same data key


def test_derive_key_is_32_bytes_and_differs_by_purpose(tmp_path: Path) -> None:
    vault = _vault_with_secret(tmp_path / "posture.vault")
    assert len(vault.derive_key("a")) == 32
    assert vault.derive_key("a") != vault.derive_key("b")
    other = Vault.create(tmp_path / "other.vault", Secret(PASSPHRASE))
    assert other.derive_key("a") != vault.derive_key("a")


def test_update_returns_the_change_result_and_writes_nothing_when_it_raises(
    tmp_path: Path,
) -> None:
    path = tmp_path / "posture.vault"
    vault = _vault_with_secret(path)
    assert vault.update(len, action="count") == 1
    before = path.read_bytes()

    def failing(entries: dict[str, Entry]) -> None:
        entries.clear()
        raise VaultError("stop")

    with pytest.raises(VaultError, match="stop"):
        vault.update(failing, action="fail")
    assert path.read_bytes() == before
    assert vault.entry("x-main") is not None


def test_update_builds_on_a_change_saved_by_another_handle(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    first = _vault_with_secret(path)
    second = Vault.open(path, Secret(PASSPHRASE))
    now = utc_now()
    second.update(
        lambda e: e.update({"b": Entry("b").with_password(Secret("x"), now, "s")}), action="set"
    )
    first.update(
        lambda e: e.update({"c": Entry("c").with_password(Secret("y"), now, "s")}), action="set"
    )
    assert set(Vault.open(path, Secret(PASSPHRASE)).entries()) == {"x-main", "b", "c"}
    assert first.revision == 4


def test_secret_values_do_not_show_in_reprs(tmp_path: Path) -> None:
    vault = _vault_with_secret(tmp_path / "posture.vault")
    assert SENTINEL not in repr(vault.entry("x-main"))
    assert SENTINEL not in repr(vault)


def test_update_refuses_a_file_damaged_since_it_was_opened(tmp_path: Path) -> None:
    path = tmp_path / "posture.vault"
    vault = _vault_with_secret(path)
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(VaultDamaged):
        vault.update(lambda entries: entries.clear(), action="rm")
    assert path.read_bytes() == bytes(raw)
