import dataclasses
import datetime as dt
import json

from scanner.core.secret import Secret
from scanner.vault import Entry
from scanner.vault.entries import HISTORY_LIMIT, decode_payload, encode_payload, utc_now
from scanner.vault.otp import TotpSeed

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def test_new_password_moves_the_old_one_into_history_newest_first() -> None:
    entry = Entry("a").with_password(Secret("one"), _at(0), "set")
    entry = entry.with_password(Secret("two"), _at(1), "because")
    assert entry.password == Secret("two")
    assert entry.password_set_at == _at(1)
    (past,) = entry.history
    assert (past.value, past.set_at, past.retired_at, past.reason) == (
        Secret("one"),
        _at(0),
        _at(1),
        "because",
    )


def test_history_keeps_at_most_ten_earlier_values() -> None:
    entry = Entry("a")
    for day in range(15):
        entry = entry.rotated(Secret(f"pw{day}"), _at(day), f"r{day}")
    assert len(entry.history) == HISTORY_LIMIT
    assert entry.history[0].value == Secret("pw13")
    assert entry.history[-1].value == Secret("pw4")
    assert entry.rotations == 15
    assert entry.last_rotation_reason == "r14"


def test_rollback_restores_the_previous_value_and_keeps_the_refused_one() -> None:
    entry = Entry("a").with_password(Secret("old"), _at(0), "set")
    entry = entry.rotated(Secret("refused"), _at(1), "leaver")
    back = entry.rolled_back(_at(2))
    assert back is not None
    assert back.password == Secret("old")
    assert back.password_set_at == _at(0)
    assert back.history[0].value == Secret("refused")
    assert "rolled back" in back.history[0].reason
    again = back.rolled_back(_at(3))
    assert again is not None
    assert again.password == Secret("refused")


def test_rollback_without_history_is_none() -> None:
    assert Entry("a").with_password(Secret("x"), _at(0), "s").rolled_back(_at(1)) is None


def test_payload_round_trip_keeps_every_field() -> None:
    entry = Entry(
        "a",
        totp=TotpSeed(Secret("JBSWY3DPEHPK3PXP"), "X", "acme", 8, 60, "SHA256"),
        recovery_codes=(Secret("c1"), Secret("c2")),
    )
    entry = entry.with_password(Secret("one"), _at(0), "set").rotated(Secret("two"), _at(1), "why")
    decoded = decode_payload(encode_payload({"a": entry}))
    assert decoded == {"a": entry}


def test_a_pending_rotation_round_trips_and_older_payloads_read_as_none_pending() -> None:
    import datetime as dt
    import json

    from scanner.core.secret import Secret
    from scanner.vault.entries import Entry, decode_payload, encode_payload

    at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    entry = Entry("x", password=Secret("live-1"), password_set_at=at).with_pending(
        Secret("new-2"), at, "alex left"
    )
    again = decode_payload(encode_payload({"x": entry}))["x"]
    assert again == entry
    assert again.password == Secret("live-1")
    assert again.pending is not None and again.pending.value == Secret("new-2")
    confirmed = again.confirmed(at + dt.timedelta(hours=1))
    assert confirmed is not None and confirmed.pending is None
    assert confirmed.password == Secret("new-2") and confirmed.rotations == 1
    assert confirmed.history[0].value == Secret("live-1")
    # A vault written before pending rotations existed has no "pending" key at all.
    payload = json.loads(encode_payload({"x": Entry("x", password=Secret("v"))}))
    del payload["entries"]["x"]["pending"]
    old = decode_payload(json.dumps(payload).encode())["x"]
    assert old.pending is None and old.password == Secret("v")


def test_a_recorded_verdict_rides_along_and_belongs_to_its_password() -> None:
    from scanner.engine.facts import HeldVerdict

    held = HeldVerdict("b" * 64, "PASS", "strength score 4 of 4, 15 or more characters",
                       {"score": 4, "min_length": 15, "length_band": "15 or more"})  # fmt: skip
    entry = Entry(name="x", password=Secret("Emperorpenguin7#")).with_verdict(held)
    back = decode_payload(encode_payload({"x": entry}))["x"]
    assert back.recorded == held
    assert back.recorded is not None
    assert list(back.recorded.evidence) == ["score", "min_length", "length_band"]  # order kept
    assert back.verdict is not None and "penguin" not in back.verdict.tag
    # A new value clears the record; a value swapped in by any other path does not match it.
    assert back.with_password(Secret("other"), utc_now(), "set").recorded is None
    assert dataclasses.replace(back, password=Secret("other")).recorded is None
    # A payload from before records (no "verdict" key) reads as "no record".
    record = json.loads(encode_payload({"x": Entry(name="x", password=Secret("p"))}))
    assert "verdict" not in record["entries"]["x"]
    assert decode_payload(json.dumps(record).encode())["x"].recorded is None
