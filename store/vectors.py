"""The vector index: source chunks and accepted claims in Chroma, embedded by us.

Chroma's default embedding function would download an ONNX model on first use, which must never
happen here, so every collection is created with `embedding_function=None` and every call passes
vectors. Collection names carry the embedder's name, so vectors of two models are never mixed:
switching models starts a new, empty collection instead of silently answering from the old one.
Ids are deterministic, so re-adding after a crash is harmless.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from agent.errors import ConfigError
from store.chunking import CHUNKING_VERSION, Chunk

MAX_BATCH = 5000  # Chroma refuses more than 5,461 items in one add


def chunk_id(source_id: str, sha256: str, ordinal: int) -> str:
    """Deterministic, so a re-run after a crash overwrites instead of duplicating."""
    return f"{source_id}#{sha256[:12]}#{ordinal}"


def _collection_name(kind: str, embedder_name: str) -> str:
    return f"{kind}__{re.sub(r'[^A-Za-z0-9_-]', '-', embedder_name)}"[:60]


class VectorIndex:
    """Two collections, `chunks` and `claims`, for one embedder."""

    def __init__(self, client: Any, embedder_name: str) -> None:
        self._client = client
        meta = {"embedder": embedder_name, "chunking": CHUNKING_VERSION}
        config = {"hnsw": {"space": "cosine"}}
        self.chunks = client.get_or_create_collection(
            _collection_name("chunks", embedder_name),
            embedding_function=None,
            configuration=config,
            metadata=meta,
        )
        self.claims = client.get_or_create_collection(
            _collection_name("claims", embedder_name),
            embedding_function=None,
            configuration=config,
            metadata=meta,
        )

    @classmethod
    def open(cls, path: Path, url: str | None, embedder_name: str) -> VectorIndex:
        """A persistent index under the workspace, or on a Chroma server when `url` is set."""
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        try:
            if url:
                parsed = urlparse(url)
                client = chromadb.HttpClient(
                    host=parsed.hostname or "localhost",
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=settings,
                )
                client.heartbeat()
            else:
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=settings)
        except ConfigError:
            raise
        except Exception as exc:  # chromadb raises many unrelated types for "cannot reach"
            where = url or str(path)
            raise ConfigError(f"cannot open the vector index at {where}: {exc}") from exc
        return cls(client, embedder_name)

    def replace_source_chunks(
        self, source_id: str, sha256: str, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> None:
        """Drop a source's old chunks and add the new ones under ids derived from its hash."""
        self.chunks.delete(where={"source": source_id})
        ids = [chunk_id(source_id, sha256, c.ordinal) for c in chunks]
        metas = [
            {
                "source": source_id,
                "sha256": sha256,
                "ordinal": c.ordinal,
                "start": c.start,
                "end": c.end,
            }
            for c in chunks
        ]
        docs = [c.text for c in chunks]
        for i in range(0, len(ids), MAX_BATCH):
            self.chunks.upsert(
                ids=ids[i : i + MAX_BATCH],
                embeddings=vectors[i : i + MAX_BATCH],
                documents=docs[i : i + MAX_BATCH],
                metadatas=metas[i : i + MAX_BATCH],
            )

    def add_claims(
        self, ids: Sequence[str], titles: Sequence[str], sources: Sequence[str], vectors: np.ndarray
    ) -> None:
        if not ids:
            return
        self.claims.upsert(
            ids=list(ids),
            embeddings=vectors,
            documents=list(titles),
            metadatas=[{"source": s} for s in sources],
        )

    def remove_claims(self, ids: Sequence[str]) -> None:
        if ids:
            self.claims.delete(ids=list(ids))

    def nearest(self, kind: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the `n` items of `kind` (chunks | claims) nearest."""
        collection = self.chunks if kind == "chunks" else self.claims
        count = collection.count()
        if count == 0 or n <= 0:
            return []
        result = collection.query(
            query_embeddings=[vector], n_results=min(n, count), include=["distances"]
        )
        return [
            (item, 1.0 - float(distance))
            for item, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def chunk_count(self) -> int:
        return self.chunks.count()
