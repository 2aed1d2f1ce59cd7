"""A progress bar on stderr, shown only on a terminal and only once the work takes a moment."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """Counts `total` steps; draws itself after `delay` seconds, at most ten times a second."""

    def __init__(
        self, total: int, label: str, *, stream: TextIO | None = None, delay: float = 0.5
    ) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.started = time.monotonic()
        self.delay = delay
        self.done = 0
        self._drawn_at = 0.0
        self._shown = False

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        now = time.monotonic()
        if not self.enabled or now - self.started < self.delay or now - self._drawn_at < 0.1:
            return
        self._drawn_at = now
        self._shown = True
        filled = WIDTH * self.done // self.total
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total}"
        )
        self.stream.flush()

    def close(self) -> None:
        """Erase the bar, leaving the terminal line clean."""
        if self._shown:
            self.stream.write("\r" + " " * (len(self.label) + WIDTH + 30) + "\r")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
