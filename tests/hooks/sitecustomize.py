"""Installed only by the test suite (tests/conftest.py puts this folder on PYTHONPATH for the
`posture` processes it starts): the cheap test KDF and the stand-in keyring backends.

The shipped CLI has no switch for either. Here, once `scanner.vault.format` and
`scanner.vault.passphrase` are imported, `tests.kdf.install` patches them in that process,
exactly as the in-process fixture does.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

_PATCHED = ("scanner.vault.format", "scanner.vault.passphrase", "scanner.vault.identity")


class _AfterImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in _PATCHED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            from tests.kdf import install

            install(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, _AfterImport())
