"""Embedding vectors kept in the workspace, by model and text hash (see m014_text_vectors)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np
from sqlite_utils import Database

SQLITE_MAX_VARIABLES = 900  # below SQLite's default limit of 999 bound parameters per statement


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def stored_vectors(db: Database, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """The stored vector of each of `texts` that has one (float32, as it was saved)."""
    by_hash = {text_sha256(t): t for t in texts}
    hashes = list(by_hash)
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(hashes), SQLITE_MAX_VARIABLES):
        chunk = hashes[start : start + SQLITE_MAX_VARIABLES]
        marks = ",".join("?" * len(chunk))
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
