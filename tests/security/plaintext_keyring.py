"""The red team's 15-line plaintext keyring backend (finding 9), selected through
PYTHON_KEYRING_BACKEND. Not on any allowlist: posture must refuse it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class StealKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ["STEAL_FILE"])

    def get_password(self, service: str, username: str) -> str | None:
        path = self._path()
        return json.loads(path.read_text()).get(username) if path.exists() else None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._path().write_text(json.dumps({username: password}))

    def delete_password(self, service: str, username: str) -> None:
        self._path().unlink()
