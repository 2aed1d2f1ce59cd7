"""Keyring backends for tests, installed with keyring.set_keyring or PYTHON_KEYRING_BACKEND."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    """Stands in for the Secret Service: a JSON file named by $POSTURE_TEST_KEYRING_FILE."""

    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ["POSTURE_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self._path().write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._path().write_text(json.dumps(data))


class HangingKeyring(KeyringBackend):
    """A Secret Service stuck behind an unlock prompt nobody answers."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        time.sleep(60)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        time.sleep(60)

    def delete_password(self, service: str, username: str) -> None:
        time.sleep(60)


class PlaintextKeyring(KeyringBackend):
    """Looks like keyrings.alt's plaintext file backend (module name is what posture checks)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise AssertionError("a refused backend must never be read")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("a refused backend must never be written")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("a refused backend must never be written")


PlaintextKeyring.__module__ = "keyrings.alt.file"
