"""The test suite's cheap KDF and stand-in keyring backends, injected in-process (never through
the shipped CLI). `install` patches an imported module; the autouse fixture in conftest.py does
the same with monkeypatch, and tests/hooks/sitecustomize.py for `posture` subprocesses."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

HOOKS = Path(__file__).resolve().parent / "hooks"
REPO = Path(__file__).resolve().parents[1]

# 8 KiB, 1 pass: brute-forced in seconds; only ever in the test suite.
CHEAP = {"memory_kib": 8, "iterations": 1, "lanes": 1}
TEST_BACKENDS = frozenset(
    {
        "tests.vault.keyring_backends.FileKeyring",
        "tests.vault.keyring_backends.HangingKeyring",
    }
)


def patches(module: ModuleType) -> dict[str, object]:
    """Attribute -> test value for `module` (scanner.vault.format, .passphrase or .identity)."""
    if module.__name__ == "scanner.vault.format":
        cheap = module.KdfParams(**CHEAP)
        if os.environ.get("POSTURE_TEST_REAL_FLOOR"):  # a test of the weak-slot report
            return {"DEFAULT_KDF": cheap}
        return {"DEFAULT_KDF": cheap, "MINIMUM_KDF": cheap}
    if module.__name__ == "scanner.vault.identity":
        from tests.age_scrypt import encrypt

        return {"protect": encrypt}
    if module.__name__ == "scanner.vault.passphrase":
        return {"ALLOWED_BACKENDS": module.ALLOWED_BACKENDS | TEST_BACKENDS}
    return {}


def install(module: ModuleType) -> None:
    for name, value in patches(module).items():
        setattr(module, name, value)


# PYTHONPATH for `posture` subprocesses: the hook first, then the repository (for tests.*).
TEST_PYTHONPATH = f"{HOOKS}:{REPO}"
