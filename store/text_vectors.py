"""Embedding vectors kept in the workspace, by model and text hash (see m014_text_vectors)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np
from sqlite_utils import Database

from store.database import in_batches


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def stored_vectors(db: Database, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """The stored vector of each of `texts` that has one (float32, as it was saved)."""
    by_hash = {text_sha256(t): t for t in texts}
    found: dict[str, np.ndarray] = {}
    for chunk, marks in in_batches(list(by_hash)):
        for sha, blob in db.execute(
            f"SELECT sha256, vector FROM text_vectors WHERE model = ? AND sha256 IN ({marks})",
            [model, *chunk],
        ).fetchall():
            found[by_hash[sha]] = np.frombuffer(blob, dtype=np.float32).copy()
    return found


def save_vectors(db: Database, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
    """Store vectors (the caller holds the write transaction)."""
    db.conn.executemany(
        "INSERT OR REPLACE INTO text_vectors (model, sha256, vector) VALUES (?, ?, ?)",
        [(model, text_sha256(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in items],
    )
