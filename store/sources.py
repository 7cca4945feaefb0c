"""The `sources` table: what tracker has done with each source id, and the write-back it owes.

`status` here is tracker's own record (processed | null-result | duplicate), never the status a
file carries: the content hash decides what is new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from store.archive import Source
from store.database import write_transaction

DONE_STATUSES = ("processed", "null-result")


def source_row(source: Source, **fields: Any) -> dict[str, Any]:
    """The `sources` row of a source as read; callers add tracker's own status fields."""
    return {
        "id": source.id,
        "path": str(source.path),
        "sha256": source.content_hash,
        "title": source.title,
        "date": source.date,
        "date_sort": source.date_sort,
        "format": source.format,
        "frontmatter": json.dumps(source.frontmatter, default=str),
        **fields,
    }


def upsert_source(db: Database, row: dict[str, Any]) -> None:
    db["sources"].upsert(row, pk="id", alter=False)


def known_sources(db: Database) -> list[tuple[str, str, str]]:
    """(id, sha256, status) of every recorded source, in the order they were finished."""
    return [
        (row[0], row[1], row[2])
        for row in db.execute("SELECT id, sha256, status FROM sources ORDER BY processed_at, id")
    ]


def source_exists(db: Database, source_id: str) -> bool:
    return db.execute("SELECT 1 FROM sources WHERE id = ?", [source_id]).fetchone() is not None


@dataclass(frozen=True)
class WriteBack:
    """What tracker recorded for a source and owes its file's frontmatter."""

    status: str
    claims_extracted: list[str]
    extraction_model: str | None
    extraction_notes: str | None
    processed_at: str | None
    written_back: bool
    sha256: str


def write_back_record(db: Database, source_id: str) -> WriteBack | None:
    row = db.execute(
        "SELECT status, claims_extracted, extraction_model, extraction_notes, processed_at, "
        "written_back, sha256 FROM sources WHERE id = ?",
        [source_id],
    ).fetchone()
    if row is None:
        return None
    return WriteBack(
        row[0], json.loads(row[1] or "[]"), row[2], row[3], row[4], bool(row[5]), row[6]
    )


def mark_written_back(db: Database, source_id: str) -> None:
    """Remember that the file got its status, so a re-run does not write it again."""
    with write_transaction(db):
        db.execute("UPDATE sources SET written_back = 1 WHERE id = ?", [source_id])


def titles_and_dates(db: Database) -> dict[str, tuple[str | None, str | None]]:
    """source id -> (title, date) as tracker recorded them."""
    return {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, title, date FROM sources")}


def source_location(db: Database, source_id: str) -> tuple[str, str] | None:
    """(path, sha256) of the content tracker last finished for this id."""
    row = db.execute("SELECT path, sha256 FROM sources WHERE id = ?", [source_id]).fetchone()
    return (row[0], row[1]) if row else None


def finished_sources(db: Database, source_id: str | None = None) -> list[tuple[str, str, str]]:
    """(id, path, sha256) of processed and null-result sources, by id; optionally just one."""
    marks = ", ".join("?" for _ in DONE_STATUSES)
    sql = f"SELECT id, path, sha256 FROM sources WHERE status IN ({marks})"
    params: list[str] = list(DONE_STATUSES)
    if source_id:
        sql += " AND id = ?"
        params.append(source_id)
    return [(r[0], r[1], r[2]) for r in db.execute(sql + " ORDER BY id", params).fetchall()]
