"""Keyword search (SQLite FTS5) over chunks and claims, and the items behind retrieved ids.

The FTS5 tables are kept in step with `chunks` and `claims` by triggers (migration m004), so
nothing here writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from store.database import in_batches

KINDS = ("chunks", "claims")


@dataclass(frozen=True)
class Item:
    """A retrievable passage: a chunk of a source, or an accepted claim with its quotes."""

    kind: str  # "chunk" | "claim"
    id: str
    source: str
    text: str
    quotes: tuple[str, ...] = ()


def keyword_ids(db: Database, kind: str, match: str, limit: int) -> list[str]:
    """Ids of chunks or live claims matching an FTS5 expression, best bm25 first."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    live = " AND t.superseded_at IS NULL" if kind == "claims" else ""
    rows = db.execute(
        f"SELECT t.id FROM {kind}_fts f JOIN {kind} t ON t.rowid = f.rowid "
        f"WHERE {kind}_fts MATCH ?{live} ORDER BY bm25({kind}_fts), t.id LIMIT ?",
        [match, limit],
    )
    return [row[0] for row in rows]


def items_by_id(db: Database, chunk_ids: list[str], claim_ids: list[str]) -> dict[str, Item]:
    """The chunks and live claims behind ids; ids that no longer exist are left out."""
    items: dict[str, Item] = {}
    for part, marks in in_batches(chunk_ids):
        for row in db.execute(f"SELECT id, source, text FROM chunks WHERE id IN ({marks})", part):
            items[row[0]] = Item("chunk", row[0], row[1], row[2])
    for part, marks in in_batches(claim_ids):
        for row in db.execute(
            "SELECT id, source, title, quotes FROM claims WHERE superseded_at IS NULL "
            f"AND id IN ({marks})",
            part,
        ):
            items[row[0]] = Item("claim", row[0], row[1], row[2], tuple(json.loads(row[3])))
    return items


def has_searchable_content(db: Database) -> bool:
    return bool(
        db.execute(
            "SELECT EXISTS (SELECT 1 FROM chunks) OR EXISTS (SELECT 1 FROM claims)"
        ).fetchone()[0]
    )
