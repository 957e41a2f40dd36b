"""A progress bar for long runs: on stderr, only on a terminal, only after a second.

Short runs (pre-commit, a few files, a warm cache) finish before the bar would
appear, so they print nothing extra, and rich's progress machinery is not even
imported. Output that is piped or redirected never gets a bar; nor does
`--quiet`. The bar is transient: it disappears when the run ends, leaving the
report exactly as it would be without it.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

DELAY_SECONDS = 1.0


class DelayedProgress:
    """Counts checked files; draws a rich bar once the run has lasted `delay` seconds."""

    def __init__(self, *, enabled: bool, stream: TextIO | None = None, delay: float = DELAY_SECONDS) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.total = 0
        self.done = 0
        self._started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    @classmethod
    def for_terminal(cls, *, quiet: bool) -> "DelayedProgress":
        """Enabled when stderr is a terminal and the user did not ask for quiet."""
        return cls(enabled=not quiet and sys.stderr.isatty())

    def start(self, total: int) -> None:
        self.total = total
        self.done = 0

    def advance(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self._started < self.delay:
                return
            self._show()
        self._bar.update(self._task, completed=self.done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=self.stream, stderr=self.stream is sys.stderr)
        self._bar = Progress(
            TextColumn("Checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task("check", total=self.total, completed=self.done)
        self._bar.start()
