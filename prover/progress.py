"""Progress output: a one-line bar on a terminal, silent otherwise (CI, pipes, tests)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts finished units of one phase; draws ``label [####    ] 50% note`` on a TTY."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label, self.total, self.done = label, max(total, 1), 0
        self.start = time.perf_counter()

    def advance(self, units: int = 1, note: str = "") -> None:
        self.done = min(self.total, self.done + units)
        if self.enabled:
            frac = self.done / self.total
            bar = "#" * int(24 * frac)
            self.stream.write(f"\r{self.label:<10} [{bar:<24}] {100 * frac:5.1f}% {note:<24}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write(f"\r{self.label:<10} done in {time.perf_counter() - self.start:.2f}s{' ' * 40}\n")
            self.stream.flush()
