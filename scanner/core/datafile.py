"""One validated load path for the data files posture ships (platforms, runbook, policy, demo).

A schema is a mapping of key names to `Key`s. `load_data_file` reads a file through `TomlSource`
and walks it with `core.fields.Table`, so an unknown key, a wrong type or a missing required key
is an `InputError` naming the file, the line and the key, exactly as for the files users write.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from scanner.core.errors import InputError
from scanner.core.fields import Table
from scanner.core.tomlsource import TomlSource, suggest


class Kind(enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    STRINGS = "list of strings"
    TABLE = "table"
    TABLES = "array of tables"
    TABLE_MAP = "table of tables"  # [sources.ID] with any ID
    STRING_MAP = "table of strings"  # { sms = "..." } with keys from `choices`


Schema = Mapping[str, "Key"]


@dataclass(frozen=True)
class Key:
    """What one key of a data file must hold."""

    kind: Kind
    required: bool = False
    fields: Schema = field(default_factory=dict)  # TABLE, TABLES, TABLE_MAP
    choices: tuple[str, ...] = ()  # allowed values (STRING, STRINGS) or keys (STRING_MAP)
    minimum: int = 0
    maximum: int | None = None


def shipped_path(relative: str) -> Path:
    """The path of a data file shipped in the `scanner` package (e.g. `data/runbook.toml`)."""
    return Path(str(resources.files("scanner").joinpath(relative)))


def load_data_file(path: Path, schema: Schema, what: str) -> TomlSource:
    """Read `path` and validate it against `schema`; the data is then safe to index."""
    source = TomlSource.read(path, what)
    validate(Table(source.data, source, None, ""), schema, "")
    return source


def validate(table: Table, schema: Schema, name: str) -> None:
    """Check every key of `table` against `schema`. `name` is the table's dotted TOML name."""
    table.only(schema)
    for key, spec in schema.items():
        if key not in table.data:
            if spec.required:
                raise InputError(
                    "required field is missing",
                    path=table.source.path,
                    line=table.line,
                    field=f"{table.label}.{key}" if table.label else key,
                )
            continue
        _check(table, key, spec, f"{name}.{key}" if name else key)


def _check(table: Table, key: str, spec: Key, name: str) -> None:
    if spec.kind is Kind.STRING:
        value = table.string(key, required=spec.required)
        _choice(table, key, spec, () if value is None else (value,))
    elif spec.kind is Kind.INTEGER:
        table.integer(key, minimum=spec.minimum, maximum=spec.maximum)
    elif spec.kind is Kind.BOOLEAN:
        table.boolean(key)
    elif spec.kind is Kind.DATE:
        table.date(key, required=spec.required)
    elif spec.kind is Kind.STRINGS:
        _choice(table, key, spec, table.strings(key))
    elif spec.kind is Kind.STRING_MAP:
        _string_map(table, key, spec)
    elif spec.kind is Kind.TABLE:
        validate(_sub(table, key, name, table.data[key], None), spec.fields, name)
    elif spec.kind is Kind.TABLES:
        _tables(table, key, spec, name)
    else:
        _table_map(table, key, spec, name)


def _sub(table: Table, key: str, name: str, data: Any, index: int | None) -> Table:
    """A nested table: its own header's line, or (inline) the line of the key holding it."""
    source = table.source
    line = source.table_line(name, index) or source.key_line(table.line, key)
    label = f"{table.label}.{key}" if table.label else key
    if index is not None:
        label += f"[{index}]"
    return Table(data, source, line, label)


def _choice(table: Table, key: str, spec: Key, values: tuple[str, ...]) -> None:
    for value in values:
        if spec.choices and value not in spec.choices:
            raise table.error(
                key,
                f'"{value}" is not one of: {", ".join(spec.choices)}{suggest(value, spec.choices)}',
            )


def _string_map(table: Table, key: str, spec: Key) -> None:
    value = table.data[key]
    if not isinstance(value, Mapping):
        raise table.error(key, 'must be a table of strings, such as { sms = "..." }')
    for item, text in value.items():
        if spec.choices and item not in spec.choices:
            raise table.error(key, f'unknown key "{item}"; use one of: {", ".join(spec.choices)}')
        if not isinstance(text, str) or not text.strip():
            raise table.error(key, f'"{item}" must be a non-empty string')


def _tables(table: Table, key: str, spec: Key, name: str) -> None:
    items = table.data[key]
    if not isinstance(items, list):
        raise table.error(key, f"must be an array of tables ([[{name}]])")
    for index, item in enumerate(items):
        validate(_sub(table, key, name, item, index), spec.fields, name)


def _table_map(table: Table, key: str, spec: Key, name: str) -> None:
    sub = _sub(table, key, name, table.data[key], None)
    for item, data in sub.data.items():
        validate(_sub(sub, item, f"{name}.{item}", data, None), spec.fields, f"{name}.{item}")


def error_at(source: TomlSource, name: str, key: str, message: str) -> InputError:
    """An error about `key` of the table `[name]` (dotted; "" for the top level) of `source`."""
    line = source.key_line(source.table_line(name) if name else None, key)
    return InputError(message, path=source.path, line=line, field=f"{name}.{key}" if name else key)
