"""Near-copies of a source: word shingles, MinHash signatures and a banded index over them.

A copy with a few edits (a typo fixed, a line added, other markup) is the same evidence as the
original and must count once. Exact copies already share a content hash; near-copies are found
by the Jaccard similarity of their 5-word shingles, estimated from 128 MinHash values (error
about 0.03 near the threshold). Signatures are deterministic (a fixed seed), so they can be
stored with a source version and compared across runs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

SHINGLE_WORDS = 5
PERMUTATIONS = 128
BANDS = 32  # 32 bands of 4 rows: a pair at Jaccard 0.8 becomes a candidate with p > 0.9999
_ROWS = PERMUTATIONS // BANDS
_PRIME = np.uint64((1 << 61) - 1)
_MASK = np.uint64((1 << 32) - 1)
_rng = np.random.default_rng(20261201)
_A = _rng.integers(1, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"[^\W_]+")


def shingles(text: str) -> np.ndarray:
    """The distinct 5-word shingles of `text` (casefolded words), as 32-bit hashes."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        grams = [" ".join(words)] if words else []
    else:
        grams = [" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - 4)]
    hashes = {
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") for g in grams
    }
    return np.fromiter(sorted(hashes), dtype=np.uint64, count=len(hashes))


def signature(text: str) -> bytes:
    """128 MinHash values of the text's shingles (uint32, little-endian): 512 bytes."""
    return signature_of_shingles(shingles(text))


def signature_of_shingles(values: np.ndarray) -> bytes:
    """The signature of shingle hashes already computed (`shingles`)."""
    if values.size == 0:
        return np.full(PERMUTATIONS, 0xFFFFFFFF, dtype="<u4").tobytes()
    hashed = (values[None, :] * _A[:, None] + _B[:, None]) % _PRIME & _MASK
    return hashed.min(axis=1).astype("<u4").tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    return float(np.mean(np.frombuffer(a, dtype="<u4") == np.frombuffer(b, dtype="<u4")))


class NearCopyIndex:
    """Signatures of the sources that count, banded so a lookup compares only likely matches."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._signatures: dict[str, bytes] = {}
        self._bands: list[dict[bytes, list[str]]] = [{} for _ in range(BANDS)]

    def add(self, key: str, sig: bytes) -> None:
        self._signatures[key] = sig
        for band, bucket in enumerate(self._bucket_keys(sig)):
            self._bands[band].setdefault(bucket, []).append(key)

    def find(self, sig: bytes, exclude: Sequence[str] = ()) -> str | None:
        """The most similar indexed source at or above the threshold (ties: first added)."""
        candidates: dict[str, None] = {}
        for band, bucket in enumerate(self._bucket_keys(sig)):
            for key in self._bands[band].get(bucket, ()):
                candidates.setdefault(key, None)
        best: tuple[float, str] | None = None
        for key in candidates:
            if key in exclude:
                continue
            score = similarity(sig, self._signatures[key])
            if score >= self.threshold and (best is None or score > best[0]):
                best = (score, key)
        return best[1] if best else None

    @staticmethod
    def _bucket_keys(sig: bytes) -> list[bytes]:
        width = _ROWS * 4
        return [sig[i * width : (i + 1) * width] for i in range(BANDS)]
