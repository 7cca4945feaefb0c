"""What `tracker process` reports as it goes: one update after each source lands.

The pipeline only counts; how an update is shown (a bar on a terminal, a line per N sources or
per minute in a log) is the command line's business (`agent.cli.progress`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressUpdate:
    """The run so far: `done` of `total` sources to extract (done 0: about to start)."""

    done: int
    total: int
    source: str
    claims: int
    events: int
    failed: int


Progress = Callable[[ProgressUpdate], None]
