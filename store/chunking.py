"""Cutting a source body into passages small enough for MiniLM.

all-MiniLM-L6-v2 reads at most 256 word pieces and silently drops the rest, so a chunk holds about
120 words: whole paragraphs where they fit, paragraphs split at sentence ends where they do not.
Offsets index the body, so a passage can always be shown in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHUNK_WORDS = 120
CHUNKING_VERSION = "para120-v2"  # v2: the last paragraph of a body ending in a newline is kept

_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[*])")


@dataclass(frozen=True)
class Chunk:
    """One passage of a source body; `start`/`end` are character offsets into the body."""

    ordinal: int
    start: int
    end: int
    text: str


def _pieces(body: str) -> list[tuple[int, int]]:
    """Paragraph spans, with over-long paragraphs cut at sentence ends (or hard at word limits)."""
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH.finditer(body):
        start, end = para.span()
        if len(para.group().split()) <= CHUNK_WORDS:
            spans.append((start, end))
            continue
        cut = start
        for boundary in _SENTENCE_END.finditer(body, start, end):
            spans.append((cut, boundary.start()))
            cut = boundary.end()
        spans.append((cut, end))
    out: list[tuple[int, int]] = []
    for start, end in spans:
        words = list(re.finditer(r"\S+", body[start:end]))
        for i in range(0, len(words), CHUNK_WORDS):
            group = words[i : i + CHUNK_WORDS]
            out.append((start + group[0].start(), start + group[-1].end()))
    return out


def chunk_text(body: str) -> list[Chunk]:
    """Greedily pack consecutive pieces into chunks of at most CHUNK_WORDS words."""
    chunks: list[Chunk] = []
    current: tuple[int, int] | None = None
    current_words = 0
    for start, end in _pieces(body):
        words = len(body[start:end].split())
        if current is not None and current_words + words <= CHUNK_WORDS:
            current = (current[0], end)
            current_words += words
            continue
        if current is not None:
            chunks.append(Chunk(len(chunks), current[0], current[1], body[current[0] : current[1]]))
        current, current_words = (start, end), words
    if current is not None:
        chunks.append(Chunk(len(chunks), current[0], current[1], body[current[0] : current[1]]))
    return chunks
