"""`tracker ask`: a short answer from the archive, its claims and beliefs, with checked citations.

Retrieval is `agent.ask.retrieval` (four rankings and the ledger, fused by RRF). The answer is
extractive with the offline model (the best passages, quoted, each with its citation number) and
written by the configured model otherwise (`prompts/answer.md`). Either way every citation's quote
is looked up in the full text of the source it cites before it is shown (the same normalisation as
extraction's quote check); one that is not found is dropped and counted in `dropped_citations`.

An Asker is built once and answers many questions: the query embedder (numpy MiniLM, no torch),
the vector index and the database stay open, and source texts read for checking are kept.
"""

from __future__ import annotations

import re
from typing import Any

from agent.ask.answer import Answer, Citation, extractive_answer
from agent.ask.retrieval import CANDIDATES, Hit, Retriever, content_words, named_beliefs
from agent.config import Settings
from agent.credences import belief_rows
from agent.errors import ConfigError, InputError
from agent.text.normalize import MIN_QUOTE_CHARS, quote_in_text
from store import search, sources
from store.chunks import chunk_texts
from store.claims import beliefs_of_claims

DEFAULT_K = 5
MAX_QUOTE_CHARS = 320
# A sentence runs to . ! or ? followed by a space or a closing mark, or to the end of its line; a
# stop inside a token ("70.4%", "U.S.", "v1.5") does not end it.
_SENTENCE = re.compile(r"(?:[^\n.!?]|[.!?]+(?=[^\s\"')\]]))+(?:[.!?]+[\"')\]]*|$)", re.M)
# The archive's curation notes (extraction hints, KB connections, why this matters ...) talk
# about the archive, not the world: a question's words in them are weaker evidence of an answer.
_CURATION_NOTE = re.compile(
    r"^\W*(?:extraction hints?|kb connections?|why (?:this|it) matters|what surprised me|"
    r"what i expected|why archived|curator notes?|agent notes?|extraction notes?)\b|"
    r"\b(?:KB|knowledge base|enrichments?|existing claims?|claims? extracted)\b",
    re.I,
)
CURATION_PENALTY = 2
_LEADING_MARKUP = re.compile(r"^\s*(?:[>#]+\s*|[-+*]\s+|\d+[.)]\s+)*")


def _stem(word: str) -> str:
    return word[:6]


_QUANTITY = re.compile(
    r"\b(how (?:many|much|large|long|big|close|badly|well|fast|often|far|high|low)|by how much|"
    r"what (?:share|fraction|percent\w*|proportion|number))\b",
    re.I,
)
# A measured amount (70.4%, 17.2x, 4 times, 1,127), not any digit: "GPT-2" or "B4" is a name.
_AMOUNT = re.compile(r"\d+(?:[.,]\d+)*\s?(?:%|x\b|×|percent|fold|times)|\b\d{2,}(?:[.,]\d+)*\b")


def sentence_score(sentence: str, question: str) -> int:
    """Question words (crudely stemmed) the sentence shares, +1 for an amount when asked for one."""
    wanted = {_stem(w) for w in content_words(question)}
    score = len(wanted & {_stem(w) for w in content_words(sentence)})
    if _QUANTITY.search(question) and _AMOUNT.search(sentence):
        score += 1
    return score


def is_fragment(quote: str) -> bool:
    """A quote that starts mid-sentence or was cut off ("..."): still verbatim, harder to read."""
    stripped = quote.rstrip()
    return quote[:1].islower() or stripped.endswith(("...", "\u2026"))


def quote_rank(quote: str, question: str) -> tuple[int, bool]:
    """Sort key for a source's candidate quotes: best match first (curation notes marked down),
    whole sentences before fragments of equal match; sorted() is stable, so retrieval order
    breaks remaining ties."""
    score = sentence_score(quote, question)
    if _CURATION_NOTE.search(quote):
        score -= CURATION_PENALTY
    return (-score, is_fragment(quote))


def sentences(text: str) -> list[str]:
    """The quotable sentences of a passage, verbatim, without leading list or heading markup,
    cut at a word boundary if very long."""
    out = []
    for match in _SENTENCE.finditer(text):
        sentence = _LEADING_MARKUP.sub("", match.group()).strip()
        if len(sentence) < MIN_QUOTE_CHARS or len(sentence.split()) < 4:
            continue
        if len(sentence) > MAX_QUOTE_CHARS:
            sentence = sentence[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0]
        out.append(sentence)
    return out


def best_sentence(text: str, question: str) -> str | None:
    """The sentence of `text` that best matches the question (earliest on ties)."""
    best: tuple[int, str] | None = None
    for sentence in sentences(text):
        score = sentence_score(sentence, question)
        if best is None or score > best[0]:
            best = (score, sentence)
    return best[1] if best else None


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
        hits = self.retriever.search(question, max(CANDIDATES, 4 * k))
        citations, claims, dropped = self._citations(question, hits, k)
        beliefs = self._beliefs(question, claims)
        answer = Answer(question, "", citations, beliefs, dropped, self.settings.llm)
        answer.notes.extend(self.load_notes)
        if self.settings.llm == "offline":
            answer.answer = extractive_answer(citations, beliefs, named_beliefs(
                question, self.register.ids))  # fmt: skip
        else:
            from agent.ask.model_answer import answer_with_model

            answer_with_model(self, answer, hits[:k])
        return answer

    def source_meta(self, source_id: str) -> tuple[str | None, str | None]:
        """(title, date) of a source as tracker recorded it."""
        return self._sources.get(source_id, (None, None))

    def _citations(
        self, question: str, hits: list[Hit], k: int
    ) -> tuple[list[Citation], list[str], int]:
        """Up to k checked citations, the claims they quote, and how many quotes failed.

        Sources come in fused order, at most one citation each, then a second each if short. A
        source's quote is the best match for the question among its retrieved claims' evidence
        quotes and its retrieved chunks' sentences (a sentence that is also a claim's quote
        counts as that claim's).
        """
        pool: dict[str, dict[str, str | None]] = {}  # source -> quote -> claim id or None
        for hit in hits:
            quotes = pool.setdefault(hit.item.source, {})
            if hit.item.kind == "claim":
                for quote in hit.item.quotes:
                    quotes[quote] = quotes.get(quote) or hit.item.id
            else:
                for quote in sentences(hit.item.text):
                    quotes.setdefault(quote, None)
        order = list(pool)
        chosen: list[tuple[str, str, str | None]] = []
        dropped = 0
        for _ in (1, 2):
            for source in order:
                if len(chosen) >= k:
                    break
                for quote in sorted(pool[source], key=lambda q: quote_rank(q, question)):
                    claim = pool[source].pop(quote)
                    if self.grounded(source, quote):
                        chosen.append((source, quote, claim))
                        break
                    dropped += 1
        chosen.sort(key=lambda picked: order.index(picked[0]))
        citations = [
            Citation(n, source, *self.source_meta(source), quote)
            for n, (source, quote, _) in enumerate(chosen, start=1)
        ]
        return citations, [claim for _, _, claim in chosen if claim], dropped

    def _beliefs(self, question: str, claims: list[str]) -> list[dict[str, Any]]:
        """Beliefs the question names, then those the cited claims bear on."""
        touched = named_beliefs(question, self.register.ids)
        for belief in beliefs_of_claims(self.db, claims):
            if belief not in touched:
                touched.append(belief)
        rows = {r["id"]: r for r in belief_rows(self.db, self.register, self.rule)}
        keys = ("credence", "interval", "statement", "evidence", "disconfirming")
        return [{"id": b, **{key: rows[b][key] for key in keys}} for b in touched if b in rows]


def answer_question(settings: Settings, question: str, k: int = DEFAULT_K) -> Answer:
    """One question, one Asker: what `tracker ask` does."""
    return Asker(settings).ask(question, k)
