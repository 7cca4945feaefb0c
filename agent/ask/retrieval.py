"""Hybrid retrieval for `tracker ask`: four rankings fused by reciprocal rank fusion.

The rankings, each of up to CANDIDATES items:
1. source chunks nearest to the question's MiniLM vector (Chroma),
2. source chunks matching the question's words (SQLite FTS5, bm25, porter stemming),
3. live accepted claims nearest to the question's vector (Chroma),
4. live accepted claims matching its words (FTS5 over title and description),
and, when the question is about a belief of the register (named as B4, or by its statement's
words or topic: `agent.ask.intent`), 5. that belief's live ledger events,
heaviest first; only challenges and complications when the question asks for evidence against
it (against, challenge, counter, push back, weaken, undermine, complicate ...), only supports when
it asks for evidence for it.

Fusion rule (RRF, Cormack et al. 2009): score(item) = sum over rankings of w / (RRF_K + rank),
with RRF_K = 60, rank counted from 1, and w = 1 except w = LEDGER_WEIGHT (3) for the ledger
ranking: a question about a belief is answered from that belief's recorded evidence first.
A chunk and a claim are different items; a claim found by vector, keywords and the ledger
collects all three contributions. Ties break by item id, so results are deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from store.ledger import heaviest_claims
from store.search import Item, items_by_id, keyword_ids

__all__ = ["Hit", "Item", "Retriever", "fts_query", "rrf"]

RRF_K = 60
CANDIDATES = 30
LEDGER_WEIGHT = 3.0
AGAINST = re.compile(
    r"\b(against|challeng\w*|counter\w*|contradict\w*|push(?:es)? back|weaken\w*|undermin\w*|"
    r"complicat\w*|disconfirm\w*|refut\w*|doubt\w*|critic\w*|skeptic\w*|sceptic\w*|oppos\w*|"
    r"disagree\w*|dispute\w*|cast doubt)\b",
    re.I,
)
"""A question asking for the other side (also read by `agent.ask.intent`)."""
FOR = re.compile(
    r"\b(evidence for|case for|argue\w* for|support\w*|in favou?r|strengthen\w*|confirm\w*|"
    r"back(?:s|ed)? (?:\w+ )?up|corroborat\w*)\b",
    re.I,
)
"""A question asking for the supporting side."""
_ID = re.compile(r"\b(?:[A-Za-z][\w-]*/)?[Bb]\d+\b")
_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more
    most my no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your yours many much one two three whose ever also"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass
class Hit:
    item: Item
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression from free text: its content words, each quoted, OR-ed.

    Quoting every term makes FTS5 syntax in the question (quotes, colons, hyphens, AND/NOT/NEAR,
    parentheses, stars) plain words, so no question can break or steer the query.
    """
    words = re.findall(r"[^\W_]+", text.casefold())
    terms = [w for w in dict.fromkeys(words) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]
    if not terms:
        return None
    return " OR ".join(f'"{term}"' for term in terms)


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W_]+", text.casefold()) if w not in _STOPWORDS]


def rrf(
    rankings: dict[str, Sequence[str]], weights: dict[str, float] | None = None
) -> list[tuple[str, float, dict[str, int]]]:
    """Reciprocal rank fusion of id rankings; (id, score, rank per ranking), best first."""
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, ranking in rankings.items():
        weight = (weights or {}).get(name, 1.0)
        for rank, item in enumerate(dict.fromkeys(ranking), start=1):
            scores[item] = scores.get(item, 0.0) + weight / (RRF_K + rank)
            ranks.setdefault(item, {})[name] = rank
    ordered = sorted(scores, key=lambda item: (-scores[item], item))
    return [(item, scores[item], ranks[item]) for item in ordered]


def named_beliefs(question: str, belief_ids: Sequence[str]) -> list[str]:
    """Belief ids the question writes out (B4, or rio/B3 in a collective), in register order."""
    found = {m.casefold() for m in _ID.findall(question)}
    return [b for b in belief_ids if b.casefold() in found or b.split("/")[-1].casefold() in found]


def stance_filter(question: str) -> tuple[str, ...]:
    """Which stances a belief question asks about."""
    if AGAINST.search(question):
        return ("challenges", "complicates")
    if FOR.search(question):
        return ("supports",)
    return ("supports", "challenges", "complicates")


class Retriever:
    """Ranks chunks and claims for a question; the caller turns the best into citations."""

    def __init__(self, db: Database, index: Any, embedder: Any, belief_ids: Sequence[str]):
        self.db = db
        self.index = index
        self.embedder = embedder
        self.belief_ids = list(belief_ids)

    def embed(self, question: str) -> np.ndarray:
        return np.asarray(self.embedder.embed([question])[0], dtype=np.float32)

    def search(
        self,
        question: str,
        limit: int,
        vector: np.ndarray | None = None,
        beliefs: Sequence[str] | None = None,
        stances: tuple[str, ...] | None = None,
    ) -> list[Hit]:
        """The fused ranking; `beliefs` (default: the ids the question writes out) add their
        ledger, of `stances` (default: what the question's words ask for)."""
        rankings: dict[str, list[str]] = {}
        if vector is None:
            vector = self.embed(question)
        if self.index is not None:
            rankings["chunk_vector"] = [
                i for i, _ in self.index.nearest("chunks", vector, CANDIDATES)
            ]
            rankings["claim_vector"] = [
                i for i, _ in self.index.nearest("claims", vector, CANDIDATES)
            ]
        match = fts_query(question)
        if match is not None:
            rankings["chunk_fts"] = self._fts("chunks", match)
            rankings["claim_fts"] = self._fts("claims", match)
        if beliefs is None:
            beliefs = named_beliefs(question, self.belief_ids)
        if beliefs:
            rankings["ledger"] = self._ledger(list(beliefs), stances or stance_filter(question))
        fused = rrf(rankings, {"ledger": LEDGER_WEIGHT})
        items = self._items([item for item, _, _ in fused])
        hits = [Hit(items[i], score, r) for i, score, r in fused if i in items]
        return hits[:limit]

    def _fts(self, table: str, match: str) -> list[str]:
        return keyword_ids(self.db, table, match, CANDIDATES)

    def _ledger(self, beliefs: list[str], stances: tuple[str, ...]) -> list[str]:
        return heaviest_claims(self.db, beliefs, stances, CANDIDATES)

    def _items(self, ids: list[str]) -> dict[str, Item]:
        """The items behind fused ids; ids that no longer exist (stale vectors) are dropped."""
        return items_by_id(self.db, [i for i in ids if "#" in i], [i for i in ids if "#" not in i])
