"""Who is acting: the one rule for the audit log, incident ticks and case records."""

from __future__ import annotations

import getpass
import os

from scanner.core.errors import UsageError

ACTOR_ENV = "POSTURE_ACTOR"


def actor(by: str | None = None) -> str:
    """`--by NAME` when given, else $POSTURE_ACTOR, else the login name, else `uid:N`."""
    if by is not None:
        if not by.strip():
            raise UsageError("--by: give a name")
        return by.strip()
    named = os.environ.get(ACTOR_ENV, "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"
