"""Chunking must lose no text: every word of a body is in exactly one chunk, at its offsets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from store.chunking import CHUNK_WORDS, chunk_text

words = st.text(alphabet="abcdefghij.!?", min_size=1, max_size=8)
separators = st.sampled_from([" ", "\n", "\n\n", "  \n \n", ". ", ".\n\n"])
bodies = st.lists(st.tuples(words, separators), max_size=400).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)


@given(bodies)
def test_every_word_is_in_exactly_one_chunk(body: str) -> None:
    chunks = chunk_text(body)
    covered = [0] * len(body)
    for chunk in chunks:
        assert body[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text.split()) <= CHUNK_WORDS
        for i in range(chunk.start, chunk.end):
            covered[i] += 1
    for i, char in enumerate(body):
        if not char.isspace():
            assert covered[i] == 1, f"character {i} ({char!r}) covered {covered[i]} times"


def test_a_body_ending_in_a_newline_keeps_its_last_paragraph() -> None:
    assert [c.text for c in chunk_text("First part.\n\nLast part.\n")] == [
        "First part.\n\nLast part."
    ]
    assert [c.text for c in chunk_text("One line.\nAnother line.\n")] == [
        "One line.\nAnother line."
    ]
