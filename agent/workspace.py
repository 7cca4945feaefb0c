"""Opening a workspace: settings, belief register, database, and the process lock.

Read-only commands (`beliefs`, `history`, `audit`, `claims`) come through here too, so nothing in
this module may import torch, chromadb or langchain.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from agent.config import Settings
from agent.errors import TrackerError
from beliefs.register import Register
from beliefs.rule import RuleSettings
from store.database import open_database
from store.registers import ensure_register, load_register


class WorkspaceBusy(TrackerError):
    """Another `tracker process` holds this workspace; running both would race on the ledger."""

    exit_code = 2


@dataclass
class Workspace:
    settings: Settings
    register: Register
    db: Database
    rule: RuleSettings


def load_workspace_register(settings: Settings) -> Register:
    """The register in force; the default one is copied into the workspace on first use."""
    if settings.beliefs_is_default:
        ensure_register(settings.beliefs_path)
    return load_register(settings.beliefs_path)


def open_workspace(settings: Settings) -> Workspace:
    register = load_workspace_register(settings)
    settings.home.mkdir(parents=True, exist_ok=True)
    db = open_database(settings.database_path)
    return Workspace(settings, register, db, settings.rule)


@contextlib.contextmanager
def process_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the workspace (`Settings.lock_path`) for one `process` run.

    flock is released by the kernel when the process dies, so a `kill -9` never leaves a stale
    lock behind.
    """
    home = path.parent
    home.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WorkspaceBusy(
                f"workspace {home} is busy: `tracker process` is already running there "
                f"(pid {holder}); try again when it ends"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
