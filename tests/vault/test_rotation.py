import datetime as dt

from scanner.core.secret import Secret
from scanner.services.scan import load
from scanner.vault import Entry
from scanner.vault.rotation import due_for_rotation

from .conftest import EXAMPLE


class Entries:
    def __init__(self, **set_on: dt.date) -> None:
        self.entries = {
            name: Entry(name).with_password(
                Secret("pw"), dt.datetime.combine(day, dt.time(9), dt.UTC), "set"
            )
            for name, day in set_on.items()
        }

    def entry(self, name: str) -> Entry | None:
        return self.entries.get(name)


def _due(vault: Entries, today: dt.date) -> dict[str, str]:
    return {a.id: why for a, why in due_for_rotation(load(EXAMPLE), vault, today)}


def test_password_known_by_a_leaver_and_set_before_departure_is_due() -> None:
    due = _due(Entries(**{"x-support": dt.date(2026, 5, 1)}), dt.date(2026, 11, 23))
    assert "x-support" in due
    assert "Alex Moreau departed 2026-08-15" in due["x-support"]
    assert "password set 2026-05-01" in due["x-support"]


def test_password_set_on_or_after_departure_is_not_due() -> None:
    vault = Entries(**{"x-support": dt.date(2026, 8, 15), "linkedin-page": dt.date(2026, 4, 2)})
    due = _due(vault, dt.date(2026, 11, 23))
    assert "x-support" not in due
    assert "linkedin-page" not in due


def test_account_without_a_stored_password_counts_as_never_rotated() -> None:
    due = _due(Entries(), dt.date(2026, 11, 23))
    assert set(due) == {"linkedin-page", "x-support"}
    assert "no password set date" in due["linkedin-page"]


def test_departure_in_the_future_is_not_due_yet() -> None:
    assert "x-support" not in _due(Entries(), dt.date(2026, 8, 14))


def test_agency_is_due_once_its_contract_ended() -> None:
    vault = Entries(**{"facebook-page": dt.date(2027, 6, 30), "tiktok-brand": dt.date(2027, 7, 1)})
    assert "facebook-page" not in _due(vault, dt.date(2027, 6, 30))
    due = _due(vault, dt.date(2027, 7, 5))
    assert "Bright Social Ltd's contract ended 2027-06-30" in due["facebook-page"]
    assert "tiktok-brand" not in due  # rotated the day after the contract ended
