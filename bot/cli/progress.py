"""A progress bar on the operator's terminal, for commands that stream many rows.

A few lines of our own rather than a dependency: one bar, drawn only when stderr is a terminal
(never into a pipe, a log or a test's capture), redrawn only when its percentage changes so a
million rows cost a hundred writes.
"""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class Progress:
    """``advance()`` once per row of ``total``; ``close()`` ends the line."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self._label = label
        self._stream = stream if stream is not None else sys.stderr
        self._shown = total > 0 and self._stream.isatty()
        self._percent = -1

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self._shown:
            return
        percent = min(100, self.done * 100 // self.total)
        if percent == self._percent:
            return
        self._percent = percent
        filled = WIDTH * percent // 100
        bar = "#" * filled + "." * (WIDTH - filled)
        self._stream.write(f"\r{self._label} [{bar}] {percent:3d}% {self.done}/{self.total}")
        self._stream.flush()

    def close(self) -> None:
        if self._shown and self._percent >= 0:
            self._stream.write("\n")
            self._stream.flush()
