"""Writing files so that a crash leaves either the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from scanner.core.errors import PostureError


def fsync_directory(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _no_step(_: str) -> None:
    return None


def atomic_write(
    path: Path,
    data: bytes,
    mode: int = 0o644,
    *,
    temp_prefix: str | None = None,
    error: type[PostureError] = PostureError,
    step: Callable[[str], None] = _no_step,
) -> None:
    """Write `data` to a temp file beside `path`, fsync it, rename it over `path`, fsync the folder.

    The one crash-safe write of the project: the vault and its backups use it too. `step` is
    called after each stage ("temp-created", "temp-written", "temp-synced", "replaced",
    "folder-synced") so the crash tests can stop a writer between any two of them.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=temp_prefix or f".{path.name}.", suffix=".tmp", dir=folder
        )
    except OSError as exc:
        raise error(f"cannot write here: {exc.strerror}", path=path) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            step("temp-created")
            handle.write(data)
            handle.flush()
            step("temp-written")
            os.fsync(handle.fileno())
        step("temp-synced")
        os.replace(tmp, path)
        step("replaced")
        fsync_directory(folder)
        step("folder-synced")
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise error(f"cannot write: {exc.strerror}", path=path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
