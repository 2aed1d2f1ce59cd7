"""Typed reads from one TOML table, each mistake an InputError naming file, line and field."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from scanner.core.errors import InputError
from scanner.core.tomlsource import TomlSource, check_keys

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
        value = self.string(key, required=True)
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
        allowed = [member.value for member in enum_type]
        if not isinstance(value, str) or value not in allowed:
            shown = repr(value) if isinstance(value, str | int | float) else _type_name(value)
            raise self.error(key, f"{shown} is not one of: {', '.join(allowed)}")
        return enum_type(value)


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
