"""`kill -9` at any moment, then a re-run, ends with exactly the credences of one clean run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS

DRIVER = """
import sys
import store.embedder as embedder
from tests.doubles import HashingEmbedder
embedder.MiniLMEmbedder = HashingEmbedder
from agent.cli import main
sys.argv = ["tracker", "process", *sys.argv[1:]]
main()
"""

ROOT = Path(__file__).resolve().parent.parent


def tracker(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TRACKER_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def state(home: Path) -> tuple[dict, list]:
    import sqlite3

    conn = sqlite3.connect(home / "tracker.db")
    credences = dict(conn.execute("SELECT belief, credence FROM credences"))
    events = conn.execute(
        "SELECT belief, source, claim, stance, weight FROM events WHERE superseded_at IS NULL "
        "ORDER BY belief, source, claim, stance"
    ).fetchall()
    conn.close()
    return credences, events


def assert_replay_passes(home: Path) -> None:
    """`tracker replay --check` in its own process: the ledger gives the stored credences."""
    check = subprocess.run(
        [sys.executable, "-m", "agent.cli", "replay", "--check"],
        env={**os.environ, "TRACKER_HOME": str(home)},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.slow
def test_kill_nine_then_rerun_equals_clean_run(tmp_path: Path) -> None:
    source = CORPUS / "sources" if CORPUS.exists() else ROOT / "archive"
    clean_archive = tmp_path / "clean-archive"
    shutil.copytree(source, clean_archive)
    clean = tracker(tmp_path / "clean-home", str(clean_archive), "--json")
    clean.communicate(timeout=600)
    expected = state(tmp_path / "clean-home")
    assert expected[1], "the clean run should record evidence"

    archive = tmp_path / "archive"
    shutil.copytree(source, archive)
    home = tmp_path / "home"
    kills = 0
    for delay in (2.0, 3.0, 4.0, 5.0, 6.5):
        proc = tracker(home, str(archive), "--json")
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=600)
    final = tracker(home, str(archive), "--json")
    final.communicate(timeout=600)
    assert final.returncode in (0, 1)
    assert kills >= 1, "no run was interrupted; the test proved nothing"
    assert state(home) == expected
    assert_replay_passes(home)


@pytest.mark.slow
def test_second_process_on_the_same_workspace_is_refused(tmp_path: Path) -> None:
    source = CORPUS / "sources" if CORPUS.exists() else ROOT / "archive"
    archive = tmp_path / "archive"
    shutil.copytree(source, archive)
    home = tmp_path / "home"
    first = tracker(home, str(archive), "--json")
    deadline = time.monotonic() + 60
    while not (home / "process.lock").exists() or not (home / "process.lock").read_text():
        assert time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.05)
    second = tracker(home, str(archive), "--json")
    _, err = second.communicate(timeout=120)
    running = first.poll() is None
    first.communicate(timeout=600)
    assert running, "the first run ended before the second started; nothing was tested"
    assert second.returncode == 2
    assert b"busy" in err and str(home).encode() in err
    assert first.returncode == 0
    assert_replay_passes(home)
