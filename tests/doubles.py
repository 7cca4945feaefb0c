"""Test doubles: stand-ins at tracker's own boundaries, so most tests need no torch.

Like llm's EmbedDemo: cheap, deterministic, and good enough to exercise the code around them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from store.embedder import DIMENSIONS


class HashingEmbedder:
    """A deterministic bag-of-words embedder for tests: similar wording gives similar vectors.

    It is not a language model; it exists so most tests run without torch, as llm's EmbedDemo does.
    """

    name = "hashing-test-embedder"
    similarity_scale = 0.5
    """Bag-of-words cosines of paraphrases run about half MiniLM's; the offline model's
    relevance and restatement levels are scaled by this (see `StanceSettings.scaled`)."""

    def __init__(self, dimensions: int = DIMENSIONS) -> None:
        self.dimensions = dimensions

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dimensions] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out
