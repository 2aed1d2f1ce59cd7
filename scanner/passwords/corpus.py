"""Breach corpus look-ups: Have I Been Pwned's Pwned Passwords, offline or (opt-in) online.

Two offline layouts, as the official downloader writes them:

- one file of `40HEX:COUNT` lines sorted by hash (LF or CRLF): interpolation then binary search
  over a memory map, about 5 line reads per look-up in a 10-million-line file, never a linear
  read;
- a folder of `XXXXX.txt` files, one per 5-hex prefix, of `35HEX:COUNT` lines: only the prefix
  file of each hash is opened.

A corpus that is not sorted or has malformed lines raises InputError, never a wrong answer. What
is checked: at open, every line of the first and last 64 KiB and 256 lines spread evenly through
the file (well-formed, strictly increasing); on each look-up, every line the search touches must
be well-formed and lie strictly between the lines that bound the search so far. A prefix file is
small, so it is checked whole when opened. This catches a file that is not sorted at all
(shuffled, concatenated, another tool's order) at open, and any disorder near a looked-up hash.
What it cannot catch without a linear read: one line moved far from its place, which makes that
one hash look absent. The downloader writes the file sorted; the checks guard against the wrong
file, not against a single flipped line.

Online (`--online`): the k-anonymity range API. Only the first 5 hex digits of a hash leave the
machine; `Add-Padding: true` hides the answer's size, and its count-0 padding lines are dropped.
"""

from __future__ import annotations

import abc
import hashlib
import math
import mmap
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scanner import __version__
from scanner.core.errors import InputError, ScanIncomplete, UsageError
from scanner.core.files import open_regular, read_regular
from scanner.core.secret import Secret
from scanner.passwords import fetch

DEFAULT_RANGE_URL = "https://api.pwnedpasswords.com"
MAX_ANSWER_BYTES = 2 * 1024 * 1024  # a padded answer is about 40 KB
DEFAULT_REQUEST_SECONDS = 15.0  # one prefix, all its attempts
DEFAULT_SCAN_SECONDS = 600.0  # every prefix of one scan
_FULL_LINE = re.compile(rb"([0-9A-Fa-f]{40}):([0-9]{1,15})\r?")
_SUFFIX_LINE = re.compile(r"([0-9A-Fa-f]{35}):([0-9]{1,15})")
_HEX40 = re.compile(r"[0-9A-F]{40}")
_EDGE_BYTES = 64 * 1024
_SAMPLE_LINES = 256
_COUNT_BLOCK = 16 * 1024 * 1024
_INTERPOLATED = 8
# A real prefix file holds about 2,000 lines (80 KB); padding answers 1,000.
MAX_PREFIX_FILE = 2 * 1024 * 1024
_SPAN = 16**15  # the first 15 hex digits (60 bits) place a hash well enough to interpolate


class BreachLookupFailed(ScanIncomplete):
    """The online breach service could not answer; the scan is incomplete (exit 3)."""


def sha1_hex(password: Secret) -> str:
    """Upper-case SHA-1 of the password's UTF-8 bytes, as the corpus writes it."""
    data = password.reveal().encode("utf-8", "surrogatepass")
    return hashlib.sha1(data, usedforsecurity=False).hexdigest().upper()


class BreachSource(abc.ABC):
    """Where breach counts come from. `description` names it in reports (never a secret)."""

    description: str

    @abc.abstractmethod
    def counts(self, hashes: Iterable[str]) -> dict[str, int]:
        """The breach count of each upper-case 40-hex SHA-1 in `hashes` (0: not in the corpus)."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release files or connections."""


def open_breach_source(
    path: Path | None, *, online: bool = False, url: str | None = None, timeout: float | None = None
) -> BreachSource | None:
    """The source the scan options ask for, or None. Validates the corpus before any scoring."""
    if url is not None and not online:
        raise UsageError("--hibp-url needs --online")
    if timeout is not None and not (online and 0 < timeout <= 600):
        raise UsageError("--hibp-timeout needs --online and takes more than 0, at most 600 seconds")
    if path is not None and online:
        raise UsageError("give --hibp PATH or --online, not both")
    if online:
        return RangeApi(url or DEFAULT_RANGE_URL, timeout=timeout or DEFAULT_REQUEST_SECONDS)
    if path is None:
        return None
    if path.is_dir():
        return PrefixFolder(path)
    if not path.exists():
        raise InputError("no breach corpus file or folder here", path=path, field="--hibp")
    return SortedFile(path)


class SortedFile(BreachSource):
    """One file of sorted `40HEX:COUNT` lines, searched through a memory map."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"offline corpus {path.name}"
        try:
            fd = open_regular(path, "breach corpus", field="--hibp")
        except FileNotFoundError:
            raise InputError("no breach corpus file or folder here", path=path) from None
        try:
            if os.fstat(fd).st_size == 0:
                raise InputError("breach corpus file is empty", path=path)
            self._map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except OSError as exc:
            raise InputError(f"cannot read the breach corpus: {exc.strerror}", path=path) from None
        finally:
            os.close(fd)
        self._size = len(self._map)
        self._check_sample()

    def close(self) -> None:
        self._map.close()

    def _line(self, position: int) -> tuple[int, int, bytes, int]:
        """(start, end, upper-case hash, count) of the line holding byte `position`."""
        start = self._map.rfind(b"\n", 0, position) + 1
        end = self._map.find(b"\n", position)
        if end < 0:
            end = self._size
        match = _FULL_LINE.fullmatch(self._map, start, end)
        if match is None:
            raise InputError(
                "malformed breach corpus line: expected 40 hex digits, ':', and a count",
                path=self.path,
                line=self._line_number(start),
            )
        return start, end, match.group(1).upper(), int(match.group(2))

    def _line_number(self, offset: int) -> int:
        newlines = 0
        for block in range(0, offset, _COUNT_BLOCK):
            newlines += self._map[block : min(block + _COUNT_BLOCK, offset)].count(b"\n")
        return newlines + 1

    def _unsorted(self, start: int) -> InputError:
        return InputError(
            "breach corpus is not sorted by hash (this line is out of order); use the file "
            "the official downloader writes, or sort it",
            path=self.path,
            line=self._line_number(start),
        )

    def _check_sample(self) -> None:
        positions: list[int] = []
        position = 0
        while position < min(self._size, _EDGE_BYTES):
            positions.append(position)
            position = self._line(position)[1] + 1
        step = max(1, self._size // _SAMPLE_LINES)
        tail = max(position, self._size - _EDGE_BYTES)
        positions += range(position, tail, step)
        position = tail
        while position < self._size:
            positions.append(position)
            position = self._line(position)[1] + 1
        previous_start, previous_key = -1, b""
        for position in positions:
            start, _, key, _ = self._line(position)
            if start == previous_start:
                continue  # two samples in one line
            if key <= previous_key:
                raise self._unsorted(start)
            previous_start, previous_key = start, key

    def count(self, sha1: str) -> int:
        """The count for one upper-case 40-hex SHA-1 (0 when absent).

        SHA-1 digests are uniform, so the first probes interpolate where the hash should sit
        (about 5 line reads in 10 million lines instead of 24); after `_INTERPOLATED` probes
        the search bisects, so a skewed file costs at most that many extra reads.
        """
        target = sha1.encode("ascii")
        low, high = 0, self._size
        low_key, high_key = b"", b"G"  # 'G' sorts after every hex digit
        low_value, high_value, value = 0, _SPAN, int(sha1[:15], 16)
        probes = 0
        while low < high:
            if probes < _INTERPOLATED:
                guess = low + (value - low_value) * (high - low) // max(1, high_value - low_value)
                position = min(max(guess, low), high - 1)
            else:
                position = (low + high) // 2
            probes += 1
            start, end, key, count = self._line(position)
            if not low_key < key < high_key:
                raise self._unsorted(start)
            if key < target:
                low, low_key, low_value = end + 1, key, int(key[:15], 16)
            elif key > target:
                high, high_key, high_value = start, key, int(key[:15], 16)
            else:
                return count
        return 0

    def counts(self, hashes: Iterable[str]) -> dict[str, int]:
        return {h: self.count(h) for h in sorted(set(hashes))}


class PrefixFolder(BreachSource):
    """A folder of per-prefix files `XXXXX.txt` holding `35HEX:COUNT` lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"offline corpus folder {path.name}"

    def _file(self, prefix: str) -> Path:
        for name in (f"{prefix}.txt", f"{prefix.lower()}.txt"):
            candidate = self.path / name
            if candidate.is_file():
                return candidate
        raise InputError(
            f"no prefix file {prefix}.txt in the breach corpus folder (incomplete download?)",
            path=self.path,
        )

    def _read(self, prefix: str) -> dict[str, int]:
        file = self._file(prefix)
        try:
            text = read_regular(file, "breach corpus prefix file", cap=MAX_PREFIX_FILE).decode(
                "ascii"
            )
        except (OSError, UnicodeDecodeError):
            raise InputError("cannot read this breach corpus prefix file", path=file) from None
        return parse_suffix_lines(text, file)

    def counts(self, hashes: Iterable[str]) -> dict[str, int]:
        by_prefix: defaultdict[str, list[str]] = defaultdict(list)
        for sha1 in set(hashes):
            by_prefix[sha1[:5]].append(sha1)
        result = {}
        for prefix, members in sorted(by_prefix.items()):
            table = self._read(prefix)
            for sha1 in members:
                result[sha1] = table.get(sha1[5:], 0)
        return result


def parse_suffix_lines(text: str, path: Path | str, *, ordered: bool = True) -> dict[str, int]:
    """`35HEX:COUNT` lines (LF or CRLF) as suffix -> count; InputError on a malformed line or,
    when `ordered`, on lines out of order."""
    table: dict[str, int] = {}
    previous = ""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        match = _SUFFIX_LINE.fullmatch(raw.rstrip("\r"))
        if match is None:
            raise InputError(
                "malformed breach corpus line: expected 35 hex digits, ':', and a count",
                path=path,
                line=number,
            )
        suffix = match.group(1).upper()
        if ordered and suffix <= previous:
            raise InputError("breach corpus lines are not sorted by hash", path=path, line=number)
        previous = suffix
        table[suffix] = int(match.group(2))
    return table


class RangeApi(BreachSource):
    """The Pwned Passwords range API: k-anonymity, padded answers, bounded concurrency.

    Bounded by `fetch`: https (or loopback http), no redirects, MAX_ANSWER_BYTES per answer.
    Each prefix has one deadline of `timeout` seconds for all its attempts; the whole look-up
    has `scan_timeout` seconds. Past either, the scan is incomplete (exit 3), never waiting.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_RANGE_URL,
        *,
        concurrency: int = 4,
        attempts: int = 3,
        timeout: float = DEFAULT_REQUEST_SECONDS,
        scan_timeout: float = DEFAULT_SCAN_SECONDS,
        backoff: float = 0.5,
    ) -> None:
        self.endpoint = fetch.endpoint(base_url, "--hibp-url")
        self.base_url = base_url.rstrip("/")
        self.description = f"range API {self.base_url}"
        self.concurrency = concurrency
        self.attempts = attempts
        self.timeout = timeout
        self.scan_timeout = scan_timeout
        self.backoff = backoff
        self._scan_deadline = math.inf

    def _fetch(self, prefix: str) -> dict[str, int]:
        headers = {"Add-Padding": "true", "User-Agent": f"posture/{__version__}"}
        deadline = min(time.monotonic() + self.timeout, self._scan_deadline)
        reason = ""
        for attempt in range(self.attempts):
            try:
                body = fetch.get(
                    self.endpoint,
                    f"/range/{prefix}",
                    headers,
                    deadline=deadline,
                    max_bytes=MAX_ANSWER_BYTES,
                )
            except fetch.FetchFailed as exc:
                reason = exc.reason
                pause = max(exc.retry_after, self.backoff * 2**attempt)
                if not exc.retry or time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
                continue
            try:
                table = parse_suffix_lines(body.decode("ascii"), "range answer", ordered=False)
            except (InputError, UnicodeDecodeError):
                reason = "a malformed answer"
                break
            return {suffix: count for suffix, count in table.items() if count > 0}
        if time.monotonic() >= self._scan_deadline:
            reason = f"the scan's {self.scan_timeout:g} s budget for look-ups ran out"
        raise BreachLookupFailed(
            f"breach range API at {self.base_url} did not answer ({reason}); "
            "PWD-002 could not be checked"
        )

    def counts(self, hashes: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(hashes))
        for sha1 in wanted:
            if not _HEX40.fullmatch(sha1):
                raise ValueError("counts() takes upper-case 40-hex SHA-1 digests")
        prefixes = sorted({h[:5] for h in wanted})
        self._scan_deadline = time.monotonic() + self.scan_timeout
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            answers = dict(zip(prefixes, pool.map(self._fetch, prefixes), strict=True))
        return {h: answers[h[:5]].get(h[5:], 0) for h in wanted}
