"""How the offline answer words what it picked: sentences, clauses, figures.

Pure text functions for `agent.ask.compose`: a span becomes a sentence of the answer or a clause
of a list; a figure is shown by the clause that states it (a table row by its label and cell);
and two figures of the same kind for the same thing mean the sources disagree.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

from agent.ask.matching import amount_key, amounts, stems
from agent.ask.spans import MAX_QUOTE_CHARS, Span


@lru_cache(maxsize=32768)
def span_stems(text: str) -> frozenset[str]:
    return stems(text)


def sentence(text: str) -> str:
    """A span as a sentence of the answer: capitalised, ending in a stop."""
    text = " ".join(text.split()).rstrip(" ;,:")
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", '"', "...")) else text + "."


def with_marks(text: str, marks: str) -> str:
    """A sentence with its citation marks before the final stop: "... (RSP) [1]." """
    if text.endswith(".") and not text.endswith("..."):
        return f"{text[:-1]} {marks}."
    return f"{text} {marks}"


def clause(text: str) -> str:
    """A span inside a list of the answer: no final stop, no capital needed."""
    return " ".join(text.split()).rstrip(" .;,:")


def is_cut(span: Span) -> bool:
    """A sentence cut at the quote length limit (it ends without a stop)."""
    return len(span.quote) >= MAX_QUOTE_CHARS - 30 and not span.quote.endswith((".", "!", "?"))


def figure_phrase(span: Span, value: str) -> str:
    """The part of a span that states the figure: its clause, or a table row's cell with the
    row's label ("Total Global, Annual Investment: $75-150M")."""
    if span.table and span.cells:
        for i, cell in enumerate(span.cells[1:], start=1):
            if value in cell:
                name = span.header[i] if i < len(span.header) else ""
                label = span.cells[0] + (f", {name}" if name else "")
                part = next((p for p in cell.split(";") if value in p), cell)
                return f"{label}: {clause(part)}"
    return clause(clause_with(span.display, value))


_BREAK = re.compile(r";\s|,\s|:\s|\s[—–]\s|\s-\s")
MIN_CLAUSE_WORDS = 8
MAX_CLAUSE_WORDS = 24


def clause_with(text: str, value: str) -> str:
    """The clause of `text` holding `value`, cut at ; , : and dashes outside parentheses,
    widened with its neighbours until it says enough to stand alone."""
    cuts, depth = [0], 0
    for i, ch in enumerate(text):
        depth += 1 if ch in "([" else -1 if ch in ")]" else 0
        if depth <= 0 and _BREAK.match(text, i):
            cuts.append(i + 1)
    cuts.append(len(text))
    pieces = [(a, b) for a, b in itertools.pairwise(cuts) if text[a:b].strip()]
    at = text.find(value)
    index = next((n for n, (a, b) in enumerate(pieces) if a <= at < b), 0)
    lo = hi = index
    while len(text[pieces[lo][0] : pieces[hi][1]].split()) < MIN_CLAUSE_WORDS:
        if hi + 1 < len(pieces):
            hi += 1
        elif lo > 0:
            lo -= 1
        else:
            break
    piece = text[pieces[lo][0] : pieces[hi][1]].strip(" ;,:-—–")
    words = piece.split()
    if len(words) > MAX_CLAUSE_WORDS:
        piece = " ".join(words[:MAX_CLAUSE_WORDS]) + " ..."
    return piece


def figures_differ(phrases: Sequence[str], values: Sequence[str]) -> bool:
    """Whether two figures of the same kind are given for the same thing (their phrases share
    enough words): then the sources, or one source, disagree."""
    typed = []
    for phrase, value in zip(phrases, values, strict=True):
        kind = next((k for k, v in amounts(value) if v), "")
        words = {w for w in span_stems(phrase) if not w[:1].isdigit()}
        typed.append((kind, amount_key(value), words))
    for i, (kind_a, key_a, words_a) in enumerate(typed):
        for kind_b, key_b, words_b in typed[i + 1 :]:
            comparable = kind_a == kind_b and key_a != key_b and words_a and words_b
            if comparable and len(words_a & words_b) / len(words_a | words_b) >= 0.25:
                return True
    return False
