"""Typed reads from one TOML table, each mistake an InputError naming file, line and field."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from scanner.core.errors import InputError, Problems
from scanner.core.tomlsource import TomlSource, check_keys, suggest

E = TypeVar("E", bound=enum.Enum)
_MISSING = object()


class Table:
    """One TOML table of a user file, with its location for error messages."""

    def __init__(
        self, data: Any, source: TomlSource, line: int | None, label: str, what: str = "table"
    ) -> None:
        if not isinstance(data, Mapping):
            raise InputError(
                f"must be a {what}, not {_type_name(data)}",
                path=source.path,
                line=line,
                field=label,
            )
        self.data: Mapping[str, Any] = data
        self.source = source
        self.line = line
        self.label = label

    def where(self, key: str) -> dict[str, Any]:
        return {
            "path": self.source.path,
            "line": self.source.key_line(self.line, key),
            "field": f"{self.label}.{key}" if self.label else key,
        }

    def error(self, key: str, message: str) -> InputError:
        return InputError(message, **self.where(key))

    def only(self, allowed: Iterable[str]) -> None:
        check_keys(
            self.data, allowed, self.source, self.line, f"{self.label}." if self.label else ""
        )

    def _raw(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise InputError(
                    "required field is missing",
                    path=self.source.path,
                    line=self.line,
                    field=f"{self.label}.{key}" if self.label else key,
                )
            return _MISSING
        return self.data[key]

    def string(self, key: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, not {_type_name(value)}")
        if required and not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def required_string(self, key: str) -> str:
        value = Table.string(self, key, required=True)  # the strict read, also in subclasses
        assert value is not None  # noqa: S101 - required=True never returns None
        return value

    def boolean(self, key: str, *, default: bool = False) -> bool:
        value = self._raw(key, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {_type_name(value)}")
        return value

    def integer(
        self, key: str, *, default: int | None = None, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        value = self._raw(key, False)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, not {_type_name(value)}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            raise self.error(key, f"must be {bound}, not {value}")
        return value

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.error(
                key, f"must be a TOML date such as 2026-01-31, not {_type_name(value)}"
            )
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._raw(key, False)
        if value is _MISSING:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, "must be a list of strings")
        return tuple(value)

    def choice(self, key: str, enum_type: type[E], *, default: E | None = None) -> E:
        value = self._raw(key, default is None)
        if value is _MISSING:
            assert default is not None  # noqa: S101 - _raw raised when there is no default
            return default
        allowed = _values(enum_type)
        if not isinstance(value, str) or value not in allowed:
            shown = repr(value) if isinstance(value, str | int | float) else _type_name(value)
            raise self.error(key, f"{shown} is not one of: {', '.join(allowed)}")
        return enum_type(value)


@functools.cache
def _values(enum_type: type[enum.Enum]) -> list[str]:
    """The values of `enum_type`, listed once per type (an inventory reads four per account)."""
    return [member.value for member in enum_type]


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


T = TypeVar("T")


class CollectingTable(Table):
    """A Table that records each mistake in `problems` and reads on with a stand-in value.

    Loading goes on after a mistake so that one run reports every mistake in the file; the
    caller raises `problems` at the end, so a stand-in value is never used.
    """

    def __init__(
        self,
        data: Any,
        source: TomlSource,
        line: int | None,
        label: str,
        problems: Problems,
        what: str = "table",
    ) -> None:
        super().__init__(data, source, line, label, what)
        self.problems = problems

    def relabel(self, label: str) -> None:
        """Name the table better once its id is known: `accounts[7] (mailchimp)`."""
        self.label = label

    def collect(self, read: Callable[[], T], fallback: T) -> T:
        try:
            return read()
        except InputError as exc:
            self.problems.add(exc)
            return fallback

    def record(self, key: str, message: str) -> None:
        self.problems.add(self.error(key, message))

    def only(self, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        prefix = f"{self.label}." if self.label else ""
        for key in self.data:
            if key in allowed:
                continue
            line = self.source.key_line(self.line, key)
            what = "key"
            if line == self.line:  # not `key = ...`: a mistyped [table] or [[array]] header
                line = self.source.table_line(prefix + key) or self.source.table_line(
                    prefix + key, 0
                )
                what = "table" if line is not None else what
            self.problems.add(
                InputError(
                    f"unknown {what}{suggest(key, allowed)}",
                    path=self.source.path,
                    line=line if line is not None else self.line,
                    field=prefix + key,
                )
            )

    # Each read first takes the common case, a valid value or an absent optional key, without
    # the error-collecting wrapper: an inventory of 10,000 accounts makes 180,000 reads.

    def string(self, key: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.data.get(key, _MISSING)
        if value is _MISSING and not required:
            return default
        if type(value) is str and not required:
            return value
        return self.collect(
            lambda: Table.string(self, key, required=required, default=default), default
        )

    def required_string(self, key: str) -> str:
        return self.collect(lambda: Table.required_string(self, key), "")

    def boolean(self, key: str, *, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if type(value) is bool:
            return value
        return self.collect(lambda: Table.boolean(self, key, default=default), default)

    def integer(
        self, key: str, *, default: int | None = None, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        return self.collect(
            lambda: Table.integer(self, key, default=default, minimum=minimum, maximum=maximum),
            default,
        )

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value = self.data.get(key)
        if type(value) is dt.date:
            return value
        if value is None and key not in self.data and not required:
            return None
        return self.collect(lambda: Table.date(self, key, required=required), None)

    def strings(self, key: str) -> tuple[str, ...]:
        if key not in self.data:
            return ()
        return self.collect(lambda: Table.strings(self, key), ())

    def choice(self, key: str, enum_type: type[E], *, default: E | None = None) -> E:
        value = self.data.get(key, _MISSING)
        if value is _MISSING and default is not None:
            return default
        if isinstance(value, str) and value in _values(enum_type):
            return enum_type(value)
        fallback = default if default is not None else next(iter(enum_type))
        return self.collect(lambda: Table.choice(self, key, enum_type, default=default), fallback)
