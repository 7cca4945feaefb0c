"""`tracker ask`: a short answer from the archive, its claims and beliefs, with checked citations.

Retrieval is `agent.ask.retrieval` (four rankings and the ledger, fused by RRF). With the offline
model the answer is extractive but answers: the question is read for what it wants
(`agent.ask.intent`: a figure, a reason, the other side, a belief), the best sources are cut into
clean spans (`agent.ask.spans`), and `agent.ask.compose` picks, groups and words the points. With
a configured model the same retrieved passages go to `prompts/answer.md`. Either way every
citation's quote is looked up in the full text of the source it cites before it is shown (the
same normalisation as extraction's quote check); one that is not found is dropped and counted in
`dropped_citations`.

An Asker is built once and answers many questions: the query embedder (numpy MiniLM, no torch),
the vector index and the database stay open, and source texts and their spans are kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agent.ask.answer import Answer, Citation
from agent.ask.compose import BeliefFocus, Candidate, LedgerItem, compose
from agent.ask.intent import belief_side, read_question, resolve_beliefs
from agent.ask.matching import stems
from agent.ask.retrieval import CANDIDATES, Hit, Retriever
from agent.ask.spans import Span, source_spans
from agent.ask.titles import readable_title
from agent.config import Settings
from agent.credences import belief_rows
from agent.errors import ConfigError, InputError
from agent.text.normalize import quote_in_text
from store import search, sources
from store.chunks import chunk_texts
from store.claims import beliefs_of_claims
from store.ledger import heaviest_events

DEFAULT_K = 5
ANSWER_SOURCES = 8
"""How many of the best-ranked sources are read whole for the answer's spans."""
LEDGER_EVIDENCE = 6
SEMANTIC_RANKS = 6
"""Passages among the nearest this many by vector lend their spans a meaning match."""


class Asker:
    """Answers questions about one workspace; built once, asked many times (see module doc).

    Raises ConfigError (exit 2) when there is no workspace or nothing processed in it: an ask
    could only ever answer "nothing found" there, which would look like a retrieval failure.
    """

    def __init__(self, settings: Settings, embedder: Any = None, model: Any = None) -> None:
        from agent.workspace import open_workspace

        if not settings.database_path.exists():
            raise ConfigError(
                f"no tracker workspace at {settings.home}; run `tracker process` first"
            )
        self.settings = settings
        workspace = open_workspace(settings)
        self.register = workspace.register
        self.rule = workspace.rule
        self.db = workspace.db
        if not search.has_searchable_content(self.db):
            raise ConfigError(
                f"the workspace at {settings.home} holds no processed sources yet; "
                "run `tracker process ARCHIVE` first"
            )
        self.load_notes: list[str] = []
        if embedder is None:
            from store.query_embedder import load_query_embedder

            embedder, note = load_query_embedder()
            if note:
                self.load_notes.append(note)
        from store.vectors import VectorIndex

        index = VectorIndex.open(settings.chroma_path, settings.chroma_url, embedder.name)
        self.retriever = Retriever(self.db, index, embedder, self.register.ids)
        self.model = model
        self._texts: dict[str, str | None] = {}
        self._spans: dict[str, list[Span]] = {}
        self._statement_vectors: np.ndarray | None = None
        self._dropped = 0
        self._sources = sources.titles_and_dates(self.db)

    # -- checking ------------------------------------------------------------------------------
    def source_text(self, source_id: str) -> str | None:
        """The text a cited quote must be in: the source file as processed (body and title), or,
        if the file is gone or changed, the chunks tracker kept of it."""
        if source_id not in self._texts:
            self._texts[source_id] = self._read_source(source_id)
        return self._texts[source_id]

    def _read_source(self, source_id: str) -> str | None:
        from store.archive import SourceReadError, read_source

        location = sources.source_location(self.db, source_id)
        if location is not None:
            try:
                source = read_source(location[0], source_id)
                if source.content_hash == location[1]:
                    return f"{source.title}\n{source.body}"
            except SourceReadError:
                pass
        texts = chunk_texts(self.db, source_id)
        return "\n".join(texts) if texts else None

    def grounded(self, source_id: str, quote: str) -> bool:
        text = self.source_text(source_id)
        return bool(text) and quote_in_text(quote, text or "")

    # -- answering -----------------------------------------------------------------------------
    def ask(self, question: str, k: int = DEFAULT_K) -> Answer:
        question = " ".join(question.split())
        if not question:
            raise InputError("the question is empty")
        if k < 1:
            raise InputError(f"-k must be at least 1, got {k}")
        intent = read_question(question)
        vector = self.retriever.embed(question)
        about = resolve_beliefs(
            question,
            [(b.id, b.statement) for b in self.register.beliefs],
            similarity=lambda: self._statement_cosines(vector),
        )
        side = belief_side(intent)
        hits = self.retriever.search(
            question, max(CANDIDATES, 4 * k), vector=vector, beliefs=about, stances=side
        )
        rows = self._rows(about)
        focus = [self._focus(b, side, rows[b]) for b in about if b in rows]
        self._dropped = 0
        composed = compose(
            intent, self._candidates(hits), focus, self._checked, self.display_title, k
        )
        citations = [
            Citation(n, source, self.display_title(source), self.source_meta(source)[1], quote)
            for n, (source, quote) in enumerate(composed.cited, start=1)
        ]
        beliefs = self._beliefs(about, composed.claims, rows)
        answer = Answer(question, composed.text, citations, beliefs, self._dropped,
                        self.settings.llm)  # fmt: skip
        answer.kind = composed.kind
        answer.points = [p.as_json() for p in composed.points]
        answer.notes.extend(self.load_notes)
        if self.settings.llm != "offline":
            from agent.ask.model_answer import answer_with_model

            answer_with_model(self, answer, hits[:k])
        return answer

    def source_meta(self, source_id: str) -> tuple[str | None, str | None]:
        """(title, date) of a source as tracker recorded it."""
        return self._sources.get(source_id, (None, None))

    def display_title(self, source_id: str) -> str:
        """The source's title as an answer names it (never a web page's "Skip to content")."""
        title = self.source_meta(source_id)[0]
        return readable_title(title, self.source_text(source_id), source_id)

    def _checked(self, source_id: str, quote: str) -> bool:
        ok = self.grounded(source_id, quote)
        if not ok:
            self._dropped += 1
        return ok

    def _statement_cosines(self, vector: np.ndarray) -> list[float]:
        """The question's cosine to every belief statement (statements embedded once)."""
        if self._statement_vectors is None:
            statements = [b.statement for b in self.register.beliefs]
            self._statement_vectors = np.asarray(
                self.retriever.embedder.embed(statements), dtype=np.float32
            )
        return [float(v @ vector) for v in self._statement_vectors]

    def spans(self, source_id: str) -> list[Span]:
        """The quotable spans of a source's whole text (kept for the next question)."""
        if source_id not in self._spans:
            self._spans[source_id] = source_spans(source_id, self.source_text(source_id) or "")
        return self._spans[source_id]

    def _candidates(self, hits: list[Hit]) -> list[Candidate]:
        """Spans of the best sources, read whole, and the quotes of the claims retrieval found
        (a span that is a claim's quote counts as that claim's)."""
        order = list(dict.fromkeys(hit.item.source for hit in hits))[:ANSWER_SOURCES]
        rank = {source: i for i, source in enumerate(order)}
        claim_of: dict[tuple[str, str], str] = {}
        extra: list[Candidate] = []
        for hit in hits:
            if hit.item.kind != "claim" or hit.item.source not in rank:
                continue
            for quote in hit.item.quotes:
                claim_of.setdefault((hit.item.source, _key(quote)), hit.item.id)
        chunks: dict[str, list[tuple[str, float, float]]] = {}
        top = max((hit.score for hit in hits), default=1.0) or 1.0
        for hit in hits:
            if hit.item.kind == "chunk":
                at = hit.ranks.get("chunk_vector")
                near = 1 / (1 + (at - 1) / 2) if at and at <= SEMANTIC_RANKS else 0.0
                chunks.setdefault(hit.item.source, []).append(
                    (_key(hit.item.text), hit.score / top, near)
                )
        out: list[Candidate] = []
        for source in order:
            seen: set[str] = set()
            topic = stems(self.display_title(source))
            for span in self.spans(source):
                key = _key(span.quote)
                seen.add(key)
                probe = key[:80]
                holding = [(s, n) for text, s, n in chunks.get(source, ()) if probe in text]
                boost = max((s for s, _ in holding), default=0.0)
                near = max((n for _, n in holding), default=0.0)
                claim = claim_of.get((source, key))
                out.append(
                    Candidate(span, rank[source], claim, boost=boost, semantic=near, topic=topic)
                )
            for (claim_source, key), claim in claim_of.items():
                if claim_source == source and key not in seen:
                    quote = next(
                        q for h in hits if h.item.id == claim for q in h.item.quotes
                        if _key(q) == key
                    )  # fmt: skip
                    span = Span(source, quote, quote, "content", len(out))
                    topic = stems(self.display_title(source))
                    extra.append(Candidate(span, rank[source], claim, topic=topic))
        return out + extra

    def _rows(self, belief_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not belief_ids:
            return {}
        rows = belief_rows(self.db, self.register, self.rule, only=belief_ids)
        return {r["id"]: r for r in rows}

    def _focus(self, belief_id: str, side: tuple[str, ...], row: dict[str, Any]) -> BeliefFocus:
        belief = self.register.get(belief_id)
        items = [
            LedgerItem(**event)
            for event in heaviest_events(self.db, [belief_id], side, LEDGER_EVIDENCE)
        ]
        return BeliefFocus(row, side, items, belief.disconfirmation if belief else "")

    def _beliefs(
        self, about: list[str], claims: list[str], rows: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Beliefs the question is about, then those the cited claims bear on."""
        touched = list(about)
        for belief in beliefs_of_claims(self.db, claims):
            if belief not in touched:
                touched.append(belief)
        rows = {**rows, **self._rows([b for b in touched if b not in rows])}
        keys = ("credence", "interval", "statement", "evidence", "disconfirming", "related")
        return [
            {
                "id": b,
                **{key: rows[b][key] for key in keys},
                "level": rows[b]["level_by_credence"],
                "register_level": rows[b]["register_level"],
            }
            for b in touched
            if b in rows
        ]


def _key(quote: str) -> str:
    """Cheap identity of a quote: emphasis and spacing folded (the full normalisation is for
    the citation check, and too slow for every span of every candidate source)."""
    return " ".join(quote.replace("**", "").split()).casefold()


def answer_question(settings: Settings, question: str, k: int = DEFAULT_K) -> Answer:
    """One question, one Asker: what `tracker ask` does."""
    return Asker(settings).ask(question, k)
