"""The inventory's `[notify]` table: what to send. Channels are credentials and never live here."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.core.fields import Table
from scanner.core.model import Severity

KEYS = ("min_severity", "vault_entry", "fixed", "remind_days")
# Keys people try to put channels under; refused with a pointer to where channels go.
_CHANNEL_KEYS = ("url", "urls", "channels", "webhook", "webhooks")


@dataclass(frozen=True)
class NotifySettings:
    min_severity: Severity = Severity.HIGH
    vault_entry: str | None = None  # a vault entry whose password holds channel URLs
    fixed: bool = True  # add a line for findings fixed since the last message
    remind_days: int = 7  # how often a standing reminder (open incident, ...) is repeated


def read_settings(table: Table | None) -> NotifySettings:
    """The `[notify]` table, validated; defaults when the inventory has none."""
    if table is None:
        return NotifySettings()
    for key in _CHANNEL_KEYS:
        if key in table.data:
            raise table.error(
                key,
                "channels are credentials: give them in $POSTURE_NOTIFY or a vault entry "
                "(vault_entry = NAME), never in the inventory",
            )
    table.only(KEYS)
    minimum = table.choice("min_severity", Severity, default=Severity.HIGH)
    remind = table.integer("remind_days", default=7, minimum=1, maximum=365)
    return NotifySettings(
        min_severity=minimum,
        vault_entry=table.string("vault_entry"),
        fixed=table.boolean("fixed", default=True),
        remind_days=remind if remind is not None else 7,
    )
