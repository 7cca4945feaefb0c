"""The torch-free query embedder gives MiniLM's vectors (so questions meet the index's space)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from store.query_embedder import NumpyMiniLM, _erf
from tests.conftest import require_corpus


def test_erf_matches_the_standard_library() -> None:
    import math

    xs = np.linspace(-6, 6, 2001).astype(np.float32)
    expected = np.array([math.erf(float(x)) for x in xs], dtype=np.float32)
    assert np.abs(_erf(xs) - expected).max() < 2e-7


@pytest.mark.slow
def test_numpy_minilm_matches_sentence_transformers(minilm) -> None:
    corpus = require_corpus() / "sources"
    sentences: list[str] = []
    for path in sorted(corpus.glob("*.md"))[:25]:
        text = path.read_text(encoding="utf-8")
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", text) if 20 < len(s) < 400][:2]
    sentences.append("word " * 400)  # longer than the model reads: both truncate at 256 tokens
    assert len(sentences) >= 50
    ours = NumpyMiniLM().embed(sentences)
    reference = minilm.embed(sentences)
    assert ours.shape == reference.shape == (len(sentences), 384)
    assert np.abs(ours - reference).max() < 1e-5
