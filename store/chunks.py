"""Source chunks in SQLite: the text of every embedded passage, for keyword search and checks.

The vectors live in Chroma under the same deterministic ids (`store.vectors.chunk_id`); the texts
are kept here too so FTS5 (kept in step by triggers) can search them and a cited quote can be
checked after its source file is gone.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from store.chunking import Chunk
from store.database import write_transaction
from store.vectors import chunk_id


def replace_chunks(db: Database, source_id: str, sha256: str, chunks: Sequence[Chunk]) -> None:
    """The source's chunks, replacing whatever an earlier version left, in one transaction."""
    with write_transaction(db):
        db.execute("DELETE FROM chunks WHERE source = ?", [source_id])
        for chunk in chunks:
            db.execute(
                'INSERT INTO chunks (id, source, sha256, ordinal, start, "end", text) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    chunk_id(source_id, sha256, chunk.ordinal),
                    source_id,
                    sha256,
                    chunk.ordinal,
                    chunk.start,
                    chunk.end,
                    chunk.text,
                ],
            )


def chunk_texts(db: Database, source_id: str) -> list[str]:
    """The kept chunk texts of one source, in order."""
    return [
        row[0]
        for row in db.execute(
            "SELECT text FROM chunks WHERE source = ? ORDER BY ordinal", [source_id]
        )
    ]
