"""Files in and out: the one hardened reader of every input, and the one crash-safe write.

Reading: regular files only (a symlink to `/dev/zero`, a device, a FIFO or a socket is refused
with one line, and a FIFO never makes posture wait), at most a cap of bytes. Writing: a crash
leaves either the old file or the new one, never half of one; new files are private (0600 less
the umask) unless a caller asks for more.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path

from scanner.core.errors import InputError, PostureError

# What posture writes is derived from the vault or from findings: private unless asked otherwise.
PRIVATE_MODE = 0o600
DATA_FILE_CAP = 4 * 1024 * 1024
_CHUNK = 1024 * 1024


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
    mode: int = PRIVATE_MODE,
    *,
    temp_prefix: str | None = None,
    error: type[PostureError] = PostureError,
    step: Callable[[str], None] = _no_step,
) -> None:
    """Write `data` to a temp file beside `path`, fsync it, rename it over `path`, fsync the folder.

    The one crash-safe write of the project: the vault and its backups use it too. `step` is
    called after each stage ("temp-created", "temp-written", "temp-synced", "replaced",
    "folder-synced") so the crash tests can stop a writer between any two of them. The file
    gets `mode` less the process umask, as `open(2)` would give a new file.
    """
    mode &= ~current_umask()
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


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode is refused as input, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def open_regular(
    path: Path, what: str, *, error: type[PostureError] = InputError, field: str | None = None
) -> int:
    """A read-only descriptor on `path`, which must be a regular file (after symlinks).

    `stat` first, so a device or a FIFO is never opened; `O_NONBLOCK`, so a FIFO swapped in
    after the `stat` cannot make the open wait for a writer; `fstat` on the descriptor, so what
    is read is what was checked. FileNotFoundError is left to the caller (each says it its way);
    every other problem is one `error` naming the file.
    """
    try:
        why = _not_regular(os.stat(path).st_mode)
        if why is not None:
            raise error(f"{what} {why}", path=path, field=field)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise
    except PermissionError:
        raise error(f"{what} is not readable (permission denied)", path=path, field=field) from None
    except OSError as exc:
        raise error(f"{what} cannot be read: {exc.strerror}", path=path, field=field) from None
    try:
        why = _not_regular(os.fstat(fd).st_mode)
        if why is not None:
            raise error(f"{what} {why}", path=path, field=field)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(
    path: Path,
    what: str,
    *,
    cap: int,
    error: type[PostureError] = InputError,
    field: str | None = None,
) -> bytes:
    """The bytes of `path`, a regular file of at most `cap` bytes: the one reader of user input.

    Refuses directories, devices, FIFOs and sockets (also behind a symlink) with one line, and
    reads at most `cap + 1` bytes, so a file that grows while read, or lies about its size,
    cannot exhaust memory. FileNotFoundError is left to the caller.
    """
    fd = open_regular(path, what, error=error, field=field)
    too_big = f"{what} is larger than {_size(cap)}; refusing to read it"
    try:
        if os.fstat(fd).st_size > cap:
            raise error(too_big, path=path, field=field)
        chunks: list[bytes] = []
        total = 0
        while total <= cap:
            chunk = os.read(fd, min(_CHUNK, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise error(f"{what} cannot be read: {exc.strerror}", path=path, field=field) from None
    finally:
        os.close(fd)
    if total > cap:
        raise error(too_big, path=path, field=field)
    return b"".join(chunks)


def read_data_file(resource: Traversable, what: str, *, cap: int = DATA_FILE_CAP) -> str:
    """A data file shipped in the package, read with the same checks as user input."""
    path = Path(str(resource)) if isinstance(resource, Path) else None
    if path is None:  # a zip import: no file system object to check
        data = resource.read_bytes()
        if len(data) > cap:
            raise InputError(f"{what} is larger than {_size(cap)}")
    else:
        try:
            data = read_regular(path, what, cap=cap)
        except FileNotFoundError:
            raise InputError(f"{what} is missing from the installed package", path=path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8 text", path=path) from None


def _size(cap: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if cap >= 1 << shift and cap % (1 << shift) == 0:
            return f"{cap >> shift} {unit}"
    return f"{cap} bytes"


def current_umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o077)  # no /proc: set and restore (the CLI is single-threaded here)
    os.umask(mask)
    return mask
