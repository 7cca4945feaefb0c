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
from agent.errors import ConfigError, TrackerError
from beliefs.register import Register
from beliefs.rule import RuleSettings
from store.database import open_database
from store.registers import RecordedRegister, ensure_register, load_register, recorded_register


class WorkspaceBusy(TrackerError):
    """Another `tracker process` holds this workspace; running both would race on the ledger."""

    exit_code = 2


@dataclass
class Workspace:
    """An open workspace: its settings, the register in force, the database and the rule.

    `recorded` is the register the ledger was last built with (None before the first `process`);
    `register_path` is the file `register` was read from (None when it is that snapshot).
    """

    settings: Settings
    register: Register
    db: Database
    rule: RuleSettings
    recorded: RecordedRegister | None = None
    register_path: str | None = None


def load_workspace_register(settings: Settings) -> Register:
    """The register file in force; the default one is copied into the workspace on first use."""
    if settings.beliefs_is_default:
        ensure_register(settings.beliefs_path)
    return load_register(settings.beliefs_path)


def _register_for(
    settings: Settings, recorded: RecordedRegister | None, for_process: bool
) -> tuple[Register, str | None]:
    """Which register a command uses, and the file it came from.

    A register named on the command line or in TRACKER_BELIEFS is always used. Otherwise read
    commands use the register the ledger was built with (its recorded snapshot), so they show
    the credences the ledger gives, whatever happened to the file since; `process` reads the
    file that register came from (so an edit to it is applied, and reported), or, if that file
    is gone, the snapshot.
    """
    if not settings.beliefs_is_default or recorded is None:
        return load_workspace_register(settings), str(settings.beliefs_path)
    if for_process and recorded.path and Path(recorded.path).is_file():
        return load_register(Path(recorded.path)), recorded.path
    return recorded.register, None


def open_existing_workspace(settings: Settings) -> Workspace:
    """The workspace of a read command: it must exist, and nothing is created if it does not.

    A mistyped TRACKER_HOME must not look like a result (an empty workspace printing the priors
    with exit 0): it is a configuration error naming the folder.
    """
    if not settings.database_path.is_file():
        where = "does not exist" if not settings.home.exists() else "holds no tracker.db"
        raise ConfigError(
            f"no tracker workspace at {settings.home} (the folder {where}); check --home or "
            "TRACKER_HOME, or run `tracker process` first"
        )
    return open_workspace(settings)


def open_workspace(settings: Settings, for_process: bool = False) -> Workspace:
    """Open (creating it for `process`) the workspace and choose the register in force."""
    settings.home.mkdir(parents=True, exist_ok=True)
    db = open_database(settings.database_path)
    recorded = recorded_register(db)
    register, path = _register_for(settings, recorded, for_process)
    return Workspace(settings, register, db, settings.rule, recorded, path)


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
