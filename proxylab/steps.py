"""A step counter for the long runs: every line says how far the run got and since when.

What: `Steps(total, log)` prefixes each line it logs with `[k/N m:ss]`: k steps of N done, the
time since the run began. `done(what)` counts a step that just ended; `note(what)` says what is
happening now without counting (a step that takes minutes is announced when it begins, so a log
never sits on a silent line).
When: the drift grid (suites/drift/grid.py), the bench (bench/run.py) and the doctor (doctor/cli.py)
count their steps with it; the Go builds have their own live line (native/go_progress.py), and
`make images` prints the same prefix from bash (scripts/debian-images.sh).
Why plain lines, not a redrawn bar: the same output must read in a terminal and in a CI log, and
these runs already print one line per step; the prefix makes each of them a progress report.
Threads may count at once (the doctor probes configurations side by side): one line at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Steps:
    """`[k/N m:ss] what` lines for a run of `total` steps."""

    def __init__(
        self, total: int, log: Callable[[str], object] = print, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total, self.log, self.clock = total, log, clock
        self.count = 0
        self.began = clock()
        self._lock = threading.Lock()

    def done(self, what: str) -> None:
        """A step has ended: count it and say what it was (its figures, its verdict)."""
        with self._lock:
            self.count += 1
            self.log(self._prefix() + what)

    def note(self, what: str) -> None:
        """Say what is happening now, without counting a step."""
        with self._lock:
            self.log(self._prefix() + what)

    def _prefix(self) -> str:
        minutes, seconds = divmod(int(self.clock() - self.began), 60)
        width = len(str(self.total))
        return f"[{self.count:>{width}}/{self.total} {minutes}:{seconds:02d}] "
