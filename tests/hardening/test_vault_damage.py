"""Every kind of damage to a real vault file is refused with the vault's own one-line error:
byte flips in each region, truncation at every length, appended bytes, and header edits whose
(unkeyed) checksum an attacker recomputed. Never accepted, never a crash, the file untouched."""

from __future__ import annotations

import hashlib
import itertools
import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.core.errors import VaultError
from scanner.core.secret import Secret
from scanner.vault import Entry, Vault, unlock
from scanner.vault import format as fmt
from scanner.vault.entries import utc_now
from tests.conftest import PASSPHRASE, SENTINEL
from tests.kdf import patches
from tests.vault.conftest import invoke

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bytes]:
    """The bytes of a small real vault (test KDF) holding one password, a TOTP seed and codes."""
    with pytest.MonkeyPatch.context() as patch:
        for attribute, value in patches(fmt).items():
            patch.setattr(fmt, attribute, value)
        path = tmp_path_factory.mktemp("vault") / "posture.vault"
        vault = Vault.create(path, Secret(PASSPHRASE))
        now = utc_now()
        entry = Entry("x-main").with_password(Secret(SENTINEL), now, "set")
        vault.update(lambda entries: entries.update({"x-main": entry}), action="set")
        yield path.read_bytes()


def regions(raw: bytes) -> dict[str, tuple[int, int]]:
    """[start, end) of every region of a vault file, key slots and nonce found inside the header."""
    header_length = struct.unpack_from(">I", raw, 6)[0]
    header_start, header_end = 10, 10 + header_length
    header = raw[header_start:header_end]
    slots_at = header_start + header.index(b'"slots":[')
    slots_end = header_start + header.index(b"]", slots_at - header_start) + 1
    nonce_at = header_start + header.index(b'"nonce":"', header.index(b'"revision"') - 60)
    payload_nonce = (nonce_at, nonce_at + len(b'"nonce":"') + 16)
    ciphertext_start = header_end + fmt.DIGEST_SIZE
    return {
        "magic": (0, 4),
        "version": (4, 6),
        "header length": (6, 10),
        "header": (header_start, header_end),
        "key slots": (slots_at, slots_end),
        "nonce": payload_nonce,
        "header checksum": (header_end, ciphertext_start),
        "ciphertext": (ciphertext_start, len(raw) - fmt.TAG_SIZE),
        "tag": (len(raw) - fmt.TAG_SIZE, len(raw)),
    }


def with_fixed_checksum(raw: bytes) -> bytes:
    """`raw` with the header checksum recomputed, as an attacker who edits the header would."""
    header_length = struct.unpack_from(">I", raw, 6)[0]
    end = 10 + header_length
    if len(raw) < end + fmt.DIGEST_SIZE:
        return raw
    return raw[:end] + hashlib.sha256(raw[:end]).digest() + raw[end + fmt.DIGEST_SIZE :]


def assert_refused(path: Path, damaged: bytes) -> VaultError:
    """Opening `path` (holding `damaged`) fails with a one-line VaultError and changes nothing."""
    path.write_bytes(damaged)
    with pytest.raises(VaultError) as caught:
        Vault.open(path, Secret(PASSPHRASE))
    message = str(caught.value)
    assert message and "\n" not in message
    assert SENTINEL not in message and PASSPHRASE not in message
    assert path.read_bytes() == damaged
    return caught.value


def test_the_fixture_is_a_real_vault_and_its_regions_tile_the_file(
    tmp_path: Path, original: bytes
) -> None:
    path = tmp_path / "posture.vault"
    path.write_bytes(original)
    entry = Vault.open(path, Secret(PASSPHRASE)).entry("x-main")
    assert entry is not None and entry.password == Secret(SENTINEL)
    spans = regions(original)
    order = ("magic", "version", "header length", "header", "header checksum", "ciphertext", "tag")
    assert spans["magic"][0] == 0 and spans["tag"][1] == len(original)
    assert all(spans[a][1] == spans[b][0] for a, b in itertools.pairwise(order))
    assert original[slice(*spans["key slots"])].startswith(b'"slots":[{"iterations":')
    assert spans["header"][0] <= spans["nonce"][0] < spans["nonce"][1] <= spans["header"][1]


REGION_NAMES = (
    "magic",
    "version",
    "header length",
    "header",
    "key slots",
    "nonce",
    "header checksum",
    "ciphertext",
    "tag",
)


@SETTINGS
@given(
    region=st.sampled_from(REGION_NAMES),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    mask=st.integers(min_value=1, max_value=255),
    extra=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=3
    ),
)
def test_random_byte_flips_in_every_region_are_refused(
    tmp_path, original, region, where, mask, extra
):
    start, end = regions(original)[region]
    raw = bytearray(original)
    first = start + int(where * (end - start))
    raw[first] ^= mask
    for offset, other_mask in extra:  # more flips elsewhere
        if offset % len(raw) != first:
            raw[offset % len(raw)] ^= other_mask
    assert_refused(tmp_path / "posture.vault", bytes(raw))


@SETTINGS
@given(
    region=st.sampled_from(("header", "key slots", "nonce")),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    mask=st.integers(min_value=1, max_value=255),
)
def test_header_flips_with_a_recomputed_checksum_are_still_refused(
    tmp_path, original, region, where, mask
):
    start, end = regions(original)[region]
    raw = bytearray(original)
    raw[start + int(where * (end - start))] ^= mask
    assert_refused(tmp_path / "posture.vault", with_fixed_checksum(bytes(raw)))


json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.text(max_size=30), st.floats(allow_nan=False)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=5,
)
HEADER_FIELDS = ("cipher", "vault_id", "revision", "nonce", "payload_length", "slots", "extra")
SLOT_FIELDS = ("kdf", "memory_kib", "iterations", "lanes", "salt", "nonce", "wrapped_key")


@SETTINGS
@given(
    field=st.sampled_from(HEADER_FIELDS + tuple(f"slot.{f}" for f in SLOT_FIELDS)),
    value=json_values,
    drop=st.booleans(),
)
def test_header_fields_rewritten_by_an_attacker_are_refused(tmp_path, original, field, value, drop):
    """Any edit of a header field (the checksum made to match) is refused before or at decryption."""
    header_length = struct.unpack_from(">I", original, 6)[0]
    header = json.loads(original[10 : 10 + header_length])
    target = header["slots"][0] if field.startswith("slot.") else header
    key = field.removeprefix("slot.")
    if drop:
        if key not in target:
            return
        del target[key]
    else:
        if target.get(key) == value:
            return
        target[key] = value
    new_header = fmt.canonical_json(header)
    prefix = original[:6] + struct.pack(">I", len(new_header)) + new_header
    raw = (
        prefix + hashlib.sha256(prefix).digest() + original[10 + header_length + fmt.DIGEST_SIZE :]
    )
    assert_refused(tmp_path / "posture.vault", raw)


def test_truncation_at_every_length_is_refused(tmp_path: Path, original: bytes) -> None:
    path = tmp_path / "posture.vault"
    kinds = set()
    for length in range(len(original)):
        kinds.add(type(assert_refused(path, original[:length])).__name__)
    assert kinds == {"VaultTruncated"}, "every cut says truncated, even inside the magic"


@SETTINGS
@given(tail=st.binary(min_size=1, max_size=200))
def test_appended_bytes_are_refused(tmp_path, original, tail):
    assert_refused(tmp_path / "posture.vault", original + tail)


# Regions small and structural enough that every one of their bits is flipped.
EVERY_BIT = ("magic", "version", "header length", "header checksum", "tag")


def single_bit_flips(raw: bytes) -> Iterator[tuple[int, int]]:
    """(offset, bit) of deterministic single-bit flips: every byte of the file at least once,
    every bit of the structural regions, and in the others the bit position rotating from byte
    to byte (each of the 8 positions in the header, the key slots, the nonce and the ciphertext),
    plus every bit of each region's first, middle and last byte."""
    spans = regions(raw)
    every = {o for name in EVERY_BIT for o in range(*spans[name])}
    for start, end in spans.values():
        every |= {start, (start + end) // 2, end - 1}
    for offset in range(len(raw)):
        bits = range(8) if offset in every else (offset % 8,)
        for bit in bits:
            yield offset, bit


def test_single_bit_flips_cover_every_byte_and_every_bit_of_each_region(original: bytes) -> None:
    flips = list(single_bit_flips(original))
    assert {offset for offset, _ in flips} == set(range(len(original)))
    for name, (start, end) in regions(original).items():
        bits = {bit for offset, bit in flips if start <= offset < end}
        assert bits == set(range(8)), name
    assert len(flips) < 2 * len(original)  # about 1,100 opens instead of 8 per byte


@pytest.mark.slow
def test_single_bit_flips_anywhere_are_refused(tmp_path: Path, original: bytes) -> None:
    path = tmp_path / "posture.vault"
    for offset, bit in single_bit_flips(original):
        raw = bytearray(original)
        raw[offset] ^= 1 << bit
        assert_refused(path, bytes(raw))


def test_a_second_copy_appended_is_refused(tmp_path: Path, original: bytes) -> None:
    assert type(assert_refused(tmp_path / "posture.vault", original + original)).__name__ == (
        "VaultTrailingData"
    )


@pytest.mark.parametrize("region", REGION_NAMES)
def test_damage_in_each_region_is_one_line_and_exit_2_through_the_cli(
    tmp_path: Path, original: bytes, region: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end = regions(original)[region]
    raw = bytearray(original)
    raw[(start + end) // 2] ^= 0x40
    path = tmp_path / "posture.vault"
    path.write_bytes(bytes(raw))
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    for command in (("vault", "list"), ("vault", "get", "x-main")):
        result = invoke(*command, "--vault", str(path), "--db", str(tmp_path / "posture.db"))
        assert result.exit_code == 2, (command, result.output)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("posture: error: "), result.stderr
        assert "Traceback" not in result.output
    assert path.read_bytes() == bytes(raw)


def test_unlock_refuses_damage_before_any_passphrase_source(
    tmp_path: Path, original: bytes
) -> None:
    """Damage is reported even with no passphrase source at all (no prompt for a broken file)."""
    path = tmp_path / "posture.vault"
    path.write_bytes(original[:-1])
    with pytest.raises(VaultError, match="truncated"):
        unlock(path, interactive=False)
