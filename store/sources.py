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
REMOVED = "removed"
DUPLICATE = "duplicate"


def source_row(source: Source, **fields: Any) -> dict[str, Any]:
    """The `sources` row of a source as read; callers add tracker's own status fields."""
    return {
        "id": source.id,
        "path": str(source.path),
        "abspath": source.abspath,
        "sha256": source.content_hash,
        "title": source.title,
        "date": source.date,
        "date_sort": source.date_sort,
        "format": source.format,
        "frontmatter": json.dumps(source.frontmatter, default=str),
        "root": source.location.base if source.location is not None else None,
        **fields,
    }


def upsert_source(db: Database, row: dict[str, Any]) -> None:
    db["sources"].upsert(row, pk="id", alter=False)


@dataclass(frozen=True)
class KnownSource:
    """What tracker recorded of one source id: its content, where it was, what became of it."""

    id: str
    sha256: str
    status: str
    path: str
    abspath: str | None
    signature: bytes | None
    view_sha256: str | None
    duplicate_of: str | None
    frontmatter_json: str | None = None

    @property
    def frontmatter(self) -> dict[str, Any]:
        return json.loads(self.frontmatter_json or "{}")

    @property
    def counts(self) -> bool:
        """Its content is in the ledger (processed or null-result), not a copy or removed."""
        return self.status in DONE_STATUSES


def known_sources(db: Database) -> dict[str, KnownSource]:
    """Every recorded source id, in the order they were finished."""
    rows = db.execute(
        "SELECT id, sha256, status, path, abspath, signature, view_sha256, duplicate_of, "
        "frontmatter FROM sources ORDER BY processed_at, id"
    ).fetchall()
    return {row[0]: KnownSource(*row) for row in rows}


def mark_status(db: Database, source_id: str, status: str, note: str, now: str) -> None:
    """Record what became of a source id that is no longer counted (removed, or a copy)."""
    db.execute(
        "UPDATE sources SET status = ?, extraction_notes = ?, processed_at = ? WHERE id = ?",
        [status, note, now, source_id],
    )


def set_view(db: Database, view_sha256: str, source_ids: list[str]) -> None:
    """The sources were judged against this register view (rename-only register changes)."""
    for source_id in source_ids:
        db.execute("UPDATE sources SET view_sha256 = ? WHERE id = ?", [view_sha256, source_id])


def source_exists(db: Database, source_id: str) -> bool:
    return db.execute("SELECT 1 FROM sources WHERE id = ?", [source_id]).fetchone() is not None


@dataclass(frozen=True)
class WriteBack:
    """What tracker recorded for a source and owes its file's frontmatter.

    `written` is what tracker last wrote into the file's lifecycle keys (key -> value), so the
    next write-back can tell its own values from a curator's.
    """

    status: str
    claims_extracted: list[str]
    extraction_model: str | None
    extraction_notes: str | None
    processed_at: str | None
    written_back: bool
    sha256: str
    written: dict[str, Any]


def write_back_record(db: Database, source_id: str) -> WriteBack | None:
    row = db.execute(
        "SELECT status, claims_extracted, extraction_model, extraction_notes, processed_at, "
        "written_back, sha256, written FROM sources WHERE id = ?",
        [source_id],
    ).fetchone()
    if row is None:
        return None
    return WriteBack(
        status=row[0],
        claims_extracted=json.loads(row[1] or "[]"),
        extraction_model=row[2],
        extraction_notes=row[3],
        processed_at=row[4],
        written_back=bool(row[5]),
        sha256=row[6],
        written=json.loads(row[7] or "{}"),
    )


def mark_written_back(db: Database, source_id: str, written: dict[str, Any]) -> None:
    """Remember that the file got its status (and which values tracker wrote into it)."""
    with write_transaction(db):
        db.execute(
            "UPDATE sources SET written_back = 1, written = ? WHERE id = ?",
            [json.dumps(written, ensure_ascii=False, default=str), source_id],
        )


def workspace_id(db: Database) -> str:
    """The id this workspace was given when it was created (export manifests name it)."""
    row = db.execute("SELECT value FROM workspace WHERE key = 'id'").fetchone()
    return str(row[0])


def titles_and_dates(db: Database) -> dict[str, tuple[str | None, str | None]]:
    """source id -> (title, date) as tracker recorded them."""
    return {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, title, date FROM sources")}


def source_location(db: Database, source_id: str) -> tuple[str, str] | None:
    """(path, sha256) of the content tracker last finished for this id."""
    row = db.execute("SELECT path, sha256 FROM sources WHERE id = ?", [source_id]).fetchone()
    return (row[0], row[1]) if row else None


def finished_sources(
    db: Database, source_id: str | None = None
) -> list[tuple[str, str, str, str | None]]:
    """(id, path, sha256, root) of processed and null-result sources, by id; optionally one."""
    marks = ", ".join("?" for _ in DONE_STATUSES)
    sql = f"SELECT id, path, sha256, root FROM sources WHERE status IN ({marks})"
    params: list[str] = list(DONE_STATUSES)
    if source_id:
        sql += " AND id = ?"
        params.append(source_id)
    rows = db.execute(sql + " ORDER BY id", params).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]
