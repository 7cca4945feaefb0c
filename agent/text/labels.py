"""Short labels for long register texts, and whether a stance rationale reads as prose.

A disconfirmation note names a belief and the part of its disconfirmation target a claim
touches; repeating the whole statement and target in every note made `tracker history` a wall
of the same 600 characters. These functions cut a label a reader recognises instead: the first
words of a statement, and, of a target written as alternatives ("A, or B, or C"), the one
alternative that shares most words with the claim.

Rationales come from the model that proposed the stance. A real model writes a sentence; the
offline baseline writes its arithmetic ("cosine 0.46 to the statement, 0.52 to the
disconfirmation target; no contrast or hedge cue"), which is audit data, not something a curator
would write in a note: `is_prose_rationale` tells the two apart.
"""

from __future__ import annotations

import re

LABEL_WORDS = 9
_ALTERNATIVES = re.compile(r",?\s+or\s+|;\s+", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = """a an and are as at be by for from in into is it its of on or that the their this
    to was were with which who what than then so such not no"""
_STOP = frozenset(_STOP_WORDS.split())
_MACHINE = re.compile(
    r"\bcosine\b|\bsimilarity\b|\b\d\.\d{2}\b|\bcue\b|\bleans? [+-]|\bscore[ds]?\b|[=<>]",
    re.I,
)


def _words(text: str) -> set[str]:
    return {w[:6] for w in _WORD.findall(text.casefold()) if w not in _STOP}


def cut_words(text: str, limit: int = LABEL_WORDS) -> str:
    """At most `limit` words of `text`, with an ellipsis when something was cut."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words).rstrip(" .,;:")
    return " ".join(words[:limit]).rstrip(" .,;:") + "…"


def statement_label(statement: str) -> str:
    """A belief's statement by its first few words."""
    return cut_words(statement.strip())


def target_label(target: str, claim: str) -> str:
    """The alternative of a disconfirmation target the claim touches most, cut short."""
    parts = [p.strip(" .,;") for p in _ALTERNATIVES.split(target) if p.strip(" .,;")]
    if not parts:
        return ""
    said = _words(claim)
    best = max(parts, key=lambda p: (len(_words(p) & said), -parts.index(p)))
    return cut_words(best, LABEL_WORDS + 3)


def is_prose_rationale(rationale: str | None) -> bool:
    """True for a rationale a curator could have written: a few words of prose, no scores."""
    text = (rationale or "").strip()
    return len(text.split()) >= 4 and not _MACHINE.search(text)
