"""Reading and replacing the vault file: sidecar lock, backups, crash-safe replace.

A save, under the lock on `posture.vault.lock`, copies the current file to
`posture.vault.bak/rev-NNNNNNNN.vault` (the last 10 are kept), writes the new file to a temp file
in the same folder (mode 0600), fsyncs it, renames it over the vault, and fsyncs the folder. A
crash at any step leaves the old or the new vault whole; a leftover temp file is removed by the
next save.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from pathlib import Path

from scanner.core.errors import VaultError
from scanner.core.files import atomic_write, read_regular
from scanner.vault.errors import VaultLocked, VaultMissing

FILE_MODE = 0o600
FOLDER_MODE = 0o700
BACKUPS_KEPT = 10
LOCK_TIMEOUT_ENV = "POSTURE_VAULT_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 30.0
# Test-only fault injection: the writing process calls os._exit at the named step of a save.
CRASH_ENV = "POSTURE_TEST_VAULT_CRASH_AT"
SAVE_STEPS = (
    "locked",
    "backup-temp-written",
    "backup-written",
    "temp-created",
    "temp-written",
    "temp-synced",
    "replaced",
    "folder-synced",
    "backups-pruned",
)


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def backup_folder(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def backups(path: Path) -> list[Path]:
    """Backups of the vault at `path`, newest first."""
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("rev-*.vault"), reverse=True)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the vault's sidecar lock; VaultLocked after the timeout."""
    import filelock

    timeout = _lock_timeout()
    lock = filelock.FileLock(
        str(lock_path(path)), timeout=timeout, mode=FILE_MODE, preserve_lock_file=True
    )
    try:
        lock.acquire()
    except filelock.Timeout:
        raise VaultLocked(
            f"another posture process holds the vault lock ({lock_path(path).name}) "
            f"for more than {timeout:g} s; try again when it has finished",
            path=path,
        ) from None
    except OSError as exc:
        raise VaultError(f"cannot take the vault lock: {exc.strerror}", path=path) from None
    try:
        _crash_point("locked")
        yield
    finally:
        lock.release()


# Far above any real vault (10,000 entries with history are a few MB); a bound, not a limit.
MAX_VAULT_BYTES = 256 * 1024 * 1024


def read(path: Path) -> bytes:
    """The vault's bytes: a regular file (never a device or FIFO) of at most MAX_VAULT_BYTES."""
    try:
        return read_regular(path, "vault", cap=MAX_VAULT_BYTES, error=VaultError)
    except FileNotFoundError:
        raise VaultMissing(
            "no vault here; create one with `posture vault init`", path=path
        ) from None


def replace(path: Path, data: bytes, *, previous: bytes | None, revision: int | None) -> None:
    """Write `data` as the vault; call under `locked(path)`. `previous` is backed up first."""
    try:
        _remove_stale_temps(path)
        if previous is not None and revision is not None:
            _write_backup(path, previous, revision)
    except OSError as exc:
        raise VaultError(f"cannot write beside the vault: {exc.strerror}", path=path) from None
    _crash_point("backup-written")
    atomic_write(path, data, FILE_MODE, error=VaultError, step=_crash_point)
    _prune_backups(path)
    _crash_point("backups-pruned")


def _write_backup(path: Path, previous: bytes, revision: int) -> None:
    folder = backup_folder(path)
    folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
    os.chmod(folder, FOLDER_MODE)
    target = folder / f"rev-{revision:08d}.vault"
    steps = {"temp-synced": "backup-temp-written"}
    atomic_write(
        target,
        previous,
        FILE_MODE,
        temp_prefix=".rev-",
        error=VaultError,
        step=lambda name: _crash_point(steps.get(name, "")),
    )


def rewrite_backup(backup: Path, data: bytes) -> None:
    """Replace one backup file (crash-safe); call under the vault's lock."""
    atomic_write(backup, data, FILE_MODE, temp_prefix=".rev-", error=VaultError)


def remove_backup(backup: Path) -> None:
    """Delete one backup file; call under the vault's lock."""
    try:
        backup.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise VaultError(f"cannot remove a backup: {exc.strerror}", path=backup) from None


def _prune_backups(path: Path) -> None:
    for old in backups(path)[BACKUPS_KEPT:]:
        with contextlib.suppress(OSError):
            old.unlink()


def _remove_stale_temps(path: Path) -> None:
    # Under the lock, any temp file is the leftover of a writer that crashed.
    folder = path.parent if str(path.parent) else Path(".")
    for stale in folder.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    bak = backup_folder(path)
    if bak.is_dir():
        for stale in bak.glob(".rev-*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()


def _lock_timeout() -> float:
    text = os.environ.get(LOCK_TIMEOUT_ENV)
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # nan or inf would make filelock wait forever; a negative value means "forever" to it too.
    if not (math.isfinite(value) and value >= 0):
        raise VaultError(f"{LOCK_TIMEOUT_ENV} must be a number of seconds, 0 or more")
    return value


def _crash_point(step: str) -> None:
    if os.environ.get(CRASH_ENV) == step:
        os._exit(97)
