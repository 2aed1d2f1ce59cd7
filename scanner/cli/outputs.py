"""Where `--output` writes, decided and checked before a scan runs.

- `-` is standard output.
- A regular file, or a symlink to one, is replaced atomically: the symlink is written through
  (its target is replaced, the link stays).
- A character device (`/dev/null`), a FIFO, or a path under /dev or /proc such as /dev/stdout is
  opened and written as it is, never replaced.
- Anything else (a folder, a block device, a socket) is refused with one line, as is an output
  whose folder cannot be written: before the scan, so nothing is scanned or recorded.
"""

from __future__ import annotations

import contextlib
import enum
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scanner.core.errors import PostureError, UsageError
from scanner.core.files import atomic_write

STDOUT = "-"
_STREAM_ROOTS = ("/dev/", "/proc/")


class Kind(enum.Enum):
    STDOUT = "stdout"
    FILE = "file"  # replaced atomically at `path`, the symlink-resolved target
    STREAM = "stream"  # opened and written in place


@dataclass(frozen=True)
class Output:
    given: str
    kind: Kind
    path: Path

    @property
    def is_file(self) -> bool:
        return self.kind is not Kind.STDOUT


def plan_outputs(paths: list[Path]) -> list[Output]:
    """Each `--output` as a checked target; a UsageError for the first that cannot be written."""
    planned: list[Output] = []
    seen: set[str] = set()
    for path in paths:
        output = _plan(path)
        key = STDOUT if output.kind is Kind.STDOUT else str(output.path)
        if key in seen:
            raise UsageError(f"--output {path} is given twice")
        seen.add(key)
        planned.append(output)
    return planned


def _plan(path: Path) -> Output:
    given = str(path)
    if given == STDOUT:
        return Output(given, Kind.STDOUT, path)
    try:
        status: os.stat_result | None = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise UsageError(f"--output {given}: {exc.strerror}") from None
    if status is not None:
        if stat.S_ISDIR(status.st_mode):
            raise UsageError(f"--output {given} is a folder; name a file")
        if _is_stream(path, status):
            if not os.access(path, os.W_OK):
                raise UsageError(f"--output {given}: not writable")
            return Output(given, Kind.STREAM, path)
        if not stat.S_ISREG(status.st_mode):
            raise UsageError(
                f"--output {given} is {_describe(status.st_mode)}; posture writes files, "
                "character devices such as /dev/null, FIFOs and - (standard output)"
            )
        if not os.access(path, os.W_OK):
            raise UsageError(f"--output {given}: the file is read-only")
    elif str(path.absolute()).startswith(_STREAM_ROOTS):
        raise UsageError(
            f"--output {given} does not exist; posture creates no file under /dev or /proc"
        )
    target = path.resolve()  # a symlink, even a dangling one, is written through to its target
    _probe_folder(given, target.parent)
    return Output(given, Kind.FILE, target)


def _is_stream(path: Path, status: os.stat_result) -> bool:
    if stat.S_ISCHR(status.st_mode) or stat.S_ISFIFO(status.st_mode):
        return True
    # /dev/stdout or /proc/self/fd/1 redirected to a file: the shell owns that file, write into it.
    return str(path.absolute()).startswith(_STREAM_ROOTS) and stat.S_ISREG(status.st_mode)


def _describe(mode: int) -> str:
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _probe_folder(given: str, folder: Path) -> None:
    """Create and remove a temporary file where the atomic write will put its own."""
    if not folder.is_dir():
        raise UsageError(f"--output {given}: folder {folder} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=".posture-probe.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"--output {given}: cannot write in {folder}: {exc.strerror}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)


def write_output(output: Output, text: str) -> None:
    """Write one report to its target; a PostureError (exit 2) when the write fails."""
    if output.kind is Kind.STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    data = text.encode("utf-8")
    if output.kind is Kind.FILE:
        atomic_write(output.path, data)
        return
    try:
        fd = os.open(output.path, os.O_WRONLY | os.O_APPEND)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except OSError as exc:
        raise PostureError(f"cannot write: {exc.strerror}", path=output.path) from None
