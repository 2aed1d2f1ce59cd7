import base64
import datetime as dt

import pytest

from scanner.core.errors import InputError
from scanner.core.secret import Secret
from scanner.vault.otp import TotpSeed, parse_otpauth

RFC_KEY = base64.b32encode(b"12345678901234567890").decode().rstrip("=")


@pytest.mark.parametrize(
    ("timestamp", "code"),
    [(59, "94287082"), (1111111109, "07081804"), (2000000000, "69279037")],
)
def test_codes_match_rfc_6238_sha1_vectors(timestamp: int, code: str) -> None:
    seed = TotpSeed(Secret(RFC_KEY), digits=8)
    at = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    assert seed.code(at).reveal() == code


def test_an_80_bit_seed_still_gives_the_rfc_code() -> None:
    import hmac
    import struct

    short = "JBSWY3DPEHPK3PXP"  # 80 bits: pyotp refuses it
    seed = TotpSeed(Secret(short))
    assert seed.bits == 80
    at = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    key = base64.b32decode(short)
    digest = hmac.digest(key, struct.pack(">Q", int(at.timestamp()) // 30), "sha1")
    offset = digest[-1] & 0x0F
    expected = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6
    assert seed.code(at).reveal() == f"{expected:06d}"


def test_parse_otpauth_reads_every_field() -> None:
    seed = parse_otpauth(
        "otpauth://totp/Acme%3Asocial%40acme.example?secret=jbsw y3dp ehpk 3pxp"
        "&issuer=Acme&digits=8&period=60&algorithm=sha256"
    )
    assert seed.secret == Secret("JBSWY3DPEHPK3PXP")
    assert (seed.issuer, seed.account_name, seed.digits, seed.period, seed.algorithm) == (
        "Acme",
        "social@acme.example",
        8,
        60,
        "SHA256",
    )


def test_a_bare_base32_secret_is_a_seed() -> None:
    assert parse_otpauth("JBSWY3DPEHPK3PXP").bits == 80


@pytest.mark.parametrize(
    "uri",
    [
        "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp/x?issuer=nosecret",
        "otpauth://totp/x?secret=not*base32",
        "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
    ],
)
def test_bad_uris_are_input_errors_without_the_secret(uri: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_otpauth(uri)
    assert "JBSWY3DPEHPK3PXP" not in str(caught.value)
