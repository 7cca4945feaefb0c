"""How `tracker process` shows its progress: always on stderr, never on stdout.

On a terminal, one redrawn line: a bar, sources done, the rate, the time left, the claims and
events so far and the source just landed. Anywhere else (a pipe, a file, cron's mail) a bar
would be one endless line of carriage returns, so a plain line is written instead: when the
run starts, after every `every` sources or `interval` seconds, whichever comes first, and at
the end, e.g.

    tracker: 40/404 sources, 212 claims, 530 events, 1m52s elapsed, about 16m59s left

`--json` runs keep stdout to the one JSON document; the progress still goes to stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from agent.extract.progress import ProgressUpdate

EVERY = 10
INTERVAL = 60.0
BAR = 24


def duration(value: float) -> str:
    """3s, 1m52s, 2h05m: short enough for a progress line."""
    seconds = max(0, round(value))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class ProgressReporter:
    """Turns pipeline updates into a bar (terminal) or log lines (anything else)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        tty: bool | None = None,
        every: int = EVERY,
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = max(1, every)
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.last_line = self.start

    def __call__(self, update: ProgressUpdate) -> None:
        now = self.clock()
        if update.done == 0:
            self.start = self.last_line = now
            if not self.tty:
                self._write(f"tracker: {update.total} new or changed sources to process\n")
            return
        elapsed = now - self.start
        rate = update.done / elapsed if elapsed > 0 else 0.0
        left = (update.total - update.done) / rate if rate else 0.0
        if self.tty:
            self._bar(update, rate, left)
            return
        finished = update.done == update.total
        if finished or update.done % self.every == 0 or now - self.last_line >= self.interval:
            self.last_line = now
            self._write(self.line(update, elapsed, left))

    @staticmethod
    def line(update: ProgressUpdate, elapsed: float, left: float) -> str:
        failed = f", {update.failed} failed" if update.failed else ""
        tail = "done" if update.done == update.total else f"about {duration(left)} left"
        return (
            f"tracker: {update.done}/{update.total} sources, {update.claims} claims, "
            f"{update.events} events{failed}, {duration(elapsed)} elapsed, {tail}\n"
        )

    def _bar(self, update: ProgressUpdate, rate: float, left: float) -> None:
        filled = int(BAR * update.done / max(update.total, 1))
        bar = "#" * filled + "-" * (BAR - filled)
        per = f"{rate:.2f} src/s" if rate < 10 else f"{rate:.0f} src/s"
        when = "done" if update.done == update.total else f"{duration(left)} left"
        text = (
            f"\r[{bar}] {update.done}/{update.total} {per}, {when}; {update.claims} claims, "
            f"{update.events} events  {update.source[:30]:<30}"
        )
        self._write(text + ("\n" if update.done == update.total else ""))

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
