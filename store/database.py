"""Opening the workspace database: WAL, a busy timeout, and pending migrations applied.

WAL lets `tracker beliefs` read while a `process` run writes; the busy timeout turns brief lock
contention into a short wait instead of llm's old "database is locked" failures.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from sqlite_utils import Database

from agent.errors import ConfigError
from store.migrations import migrations

BUSY_TIMEOUT_MS = 10_000
IN_BATCH = 500
"""Most values bound in one `IN (...)` list: well below SQLite's limit of 999 parameters."""


def open_database(path: Path, *, create: bool = True) -> Database:
    """Open (and migrate) the workspace database at `path`."""
    if not create and not path.exists():
        raise ConfigError(f"no tracker workspace database at {path}; run `tracker process` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        db = Database(conn, execute_plugins=False)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{path}: cannot open the workspace database: {exc}") from exc
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One all-or-nothing write, holding the write lock from its first statement.

    A deferred BEGIN (what `db.atomic()` issues) takes the lock only at the first write; in WAL
    mode, if another connection (the reply cache, a second `tracker`) committed after our first
    read, that upgrade fails at once with "database is locked" instead of waiting. BEGIN IMMEDIATE
    waits for the lock up front, under the busy timeout.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.rollback()
        raise
    db.conn.commit()


def fold_write_ahead_log(database: Path) -> str | None:
    """Checkpoint the WAL into the main file; a warning instead if that cannot be done now.

    Readers that open the file immutable (Datasette in `tracker serve`) see the main file only.
    """
    try:
        with closing(sqlite3.connect(database, timeout=2)) as conn:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as exc:
        return (
            f"could not fold the write-ahead log into {database} ({exc}); recent writes "
            "may be missing"
        )
    if busy:
        return f"{database} is being written; the most recent writes may not show"
    return None


def in_batches(values: Sequence[str]) -> Iterator[tuple[list[str], str]]:
    """`values` in parts small enough to bind, each with its `?, ?, ...` placeholders."""
    for start in range(0, len(values), IN_BATCH):
        part = list(values[start : start + IN_BATCH])
        yield part, ", ".join("?" for _ in part)
