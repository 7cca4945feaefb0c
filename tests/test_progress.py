"""`tracker process` progress: a bar with rate and time left on a terminal, log lines
elsewhere (every N sources or every minute), always on stderr, never on stdout."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from agent.cli.progress import ProgressReporter, duration
from agent.extract.progress import ProgressUpdate

runner = CliRunner()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def update(done: int, total: int = 25) -> ProgressUpdate:
    return ProgressUpdate(done, total, f"source-{done}", claims=2 * done, events=3 * done, failed=0)


def test_without_a_terminal_a_line_every_n_sources_or_minute_and_at_the_end() -> None:
    out, clock = io.StringIO(), Clock()
    report = ProgressReporter(out, tty=False, every=10, interval=60, clock=clock)
    report(update(0))
    for done in range(1, 26):
        clock.now += 2 if done != 13 else 70  # source 13 took over a minute
        report(update(done))
    lines = out.getvalue().splitlines()
    assert lines[0] == "tracker: 25 new or changed sources to process"
    assert [line.split()[1] for line in lines[1:]] == ["10/25", "13/25", "20/25", "25/25"]
    assert lines[1] == ("tracker: 10/25 sources, 20 claims, 30 events, 20s elapsed, about 30s left")
    assert lines[-1].endswith("events, 1m58s elapsed, done")
    assert "\r" not in out.getvalue()


def test_on_a_terminal_a_bar_with_rate_and_time_left() -> None:
    out, clock = io.StringIO(), Clock()
    report = ProgressReporter(out, tty=True, clock=clock)
    report(update(0, 4))
    clock.now = 10
    report(update(1, 4))
    assert out.getvalue().startswith("\r[######------------------] 1/4 0.10 src/s, 30s left;")
    assert "2 claims, 3 events  source-1" in out.getvalue()
    clock.now = 40
    report(update(4, 4))
    assert out.getvalue().endswith("\n") and "done; 8 claims" in out.getvalue()


def test_durations_read_short() -> None:
    assert [duration(s) for s in (0, 59.4, 61, 3725)] == ["0s", "59s", "1m01s", "1h02m"]


def test_process_writes_progress_to_stderr_and_one_document_to_stdout(
    fake_embedder, sample_archive: Path, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["process", str(sample_archive), "--json", "--no-write-back"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout is the one JSON document
    assert data["processed"] == 4 and data["evidence_events"] >= 0
    assert "tracker: 4 new or changed sources to process" in result.stderr
    assert "tracker: 4/4 sources" in result.stderr and "done" in result.stderr
    other = str(tmp_path / "other-home")
    quiet = runner.invoke(app, ["process", str(sample_archive), "-q", "--home", other])
    assert quiet.exit_code == 0 and "sources," not in quiet.stderr
