"""What a question asks for: a figure, a reason, the other side, or a plain account; and which
belief, if any, it is about.

The extractive answer picks different sentences for different questions ("how much" wants a
figure, "why" a reason, "which sources challenge" the opposing side), so the question is read
first. The kinds:

- quantity: how much / how many / what share / how long / when ..., with the kinds of amount
  that answer it (money for "how much is spent", percent for "what share", years for "when");
- reason: why, what caused, what drove, for what reason;
- against / for: the question asks for the opposing or the supporting side (challenge, contradict,
  undermine, evidence against / support, evidence for);
- general: anything else.

A belief is named by its id (B4), or by the words of its statement, or by its topic (the
statement's meaning, by MiniLM similarity) when the question reads as being about a view ("the
view that", "how confident", "hold that" ...); "evidence against" alone is not enough, since
any question about a claim can ask for that. Words shared by many statements count
little, so "alignment" alone names nothing in a register about alignment.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.ask.matching import stem, stems
from agent.ask.retrieval import AGAINST, FOR, named_beliefs

_QUANTITY = re.compile(
    r"\b(how (?:much|many|large|long|big|close|badly|far|high|low|fast|often|expensive|"
    r"costly)|by how much|what (?:share|fraction|percent\w*|proportion|number|amount|"
    r"figure|price|cost|sum)|what (?:was|is|were|are) the (?:cost|price|amount|figure|share|"
    r"number|size|total)|what year|which year|by when)\b|^\s*when\s+(?:is|was|will|did|does|do|"
    r"are|were|has|have|had|can|could|should|would|might)\b",
    re.I,
)
# "When will the fund run dry?" asks for a time; "When models were fine-tuned, whose ..." does not.
_WHEN = re.compile(
    r"^\s*when\s+(?:is|was|will|did|does|do|are|were|has|have|had|can|could|should|would|"
    r"might)\b",
    re.I,
)
_MONEY = re.compile(
    r"\b(spen[dt]\w*|cost\w*|invest\w*|fund\w*|budget\w*|pa(?:y|id)\w*|price\w*|worth|"
    r"overpa\w*|sav(?:e|es|ed|ing|ings)|dollars?|revenue\w*|money|financ\w*|raise[sd]?|"
    r"subsid\w*|value)\b",
    re.I,
)
_REASON = re.compile(
    r"^\s*(?:and\s+)?why\b|\b(what (?:was|is|were|are) the reasons?|for what reason|what "
    r"(?:caused|causes|drove|drives|led to|explains|motivated)|how come|reason for|reasons "
    r"for|the cause of)\b",
    re.I,
)
_VIEW_CUE = re.compile(
    r"\b(view|belief|believe\w*|credence|confiden\w*|thesis|idea that|claim that|hold that|"
    r"holds? that|case that|notion that|position that|how (?:sure|certain|strong\w*)|"
    r"do we think|stand|stands)\b",
    re.I,
)
_SIDE_CUE = re.compile(r"\b(evidence|challeng\w*|support\w*|against|backs?)\b", re.I)
# Question glue: words that say what kind of answer is wanted, not what it is about.
_GLUE_WORDS = """
    source sources evidence archive view idea claim claims say says said tell know think believe
    belief question according report reports find found show shows strongest weakest main key
    give given current currently tracker live ledger passage passages challenge challenges
    support supports supporting argue argues argued hold"""
_GLUE = frozenset(stem(w) for w in _GLUE_WORDS.split())

TOPIC_SIMILARITY = 0.55
"""Least MiniLM cosine between a question and a statement for a topic match (with a view cue)."""
TOPIC_MARGIN = 0.04
"""How far the best statement must lead the second for a topic match."""


@dataclass(frozen=True)
class Intent:
    """A question as the extractive answer reads it."""

    kind: str  # "quantity" | "reason" | "against" | "for" | "general"
    amount_kinds: tuple[str, ...] | None  # which amounts answer a quantity question
    subject: frozenset[str]  # stems of what the question is about
    asks_sources: bool  # "which sources ...": name them
    parts: tuple[frozenset[str], ...] = ()  # the subjects of a compound question's parts


def amount_kinds_for(question: str) -> tuple[str, ...] | None:
    """The kinds of amount that answer a quantity question (None: any measured amount)."""
    q = question.casefold()
    if _WHEN.search(q) or re.search(r"\b(what year|which year|by when|since when|until when)\b", q):
        return ("year",)
    if re.search(r"\bhow long\b", q):
        return ("duration", "year")
    if re.search(r"\b(what (?:share|fraction|percent\w*|proportion))\b|\bpercent", q):
        return ("percent",)
    if re.search(r"\bhow many\b", q):
        return ("count", "percent", "multiple", "money")
    if re.search(r"\bhow (?:much )?(?:faster|slower|larger|bigger|more|less|better|worse)\b", q):
        return ("multiple", "percent", "count")
    if _MONEY.search(q):
        return ("money",)
    return None


_PART_BREAK = re.compile(
    r",\s*and\s+|;\s+|\s+and\s+(?=(?:how|what|which|why|when|who|where|did|does|do|is|are|"
    r"was|were)\b)",
    re.I,
)


_GLUE_PHRASES = re.compile(
    r"\b(push(?:es|ed)? back(?: on)?|backs? (?:\w+ )?up|cast(?:s)? doubt(?: on)?|"
    r"cuts? against|speaks? against|counts? against)\b",
    re.I,
)


def _subject(text: str) -> frozenset[str]:
    """Stems of what a question (or part) is about: no glue words, phrases or belief ids."""
    text = _GLUE_PHRASES.sub(" ", text)
    return frozenset(s for s in stems(text) if s not in _GLUE and not re.fullmatch(r"b\d+", s))


def read_question(question: str) -> Intent:
    """The kind of answer a question wants, and what it is about."""
    subject = _subject(question)
    pieces = [_subject(piece) for piece in _PART_BREAK.split(question)]
    parts = tuple(p for p in pieces if p) if len([p for p in pieces if p]) > 1 else ()
    asks_sources = bool(re.search(r"\b(which|what) (?:sources?|papers?|studies|reports?)\b",
                                  question, re.I))  # fmt: skip
    if _REASON.search(question):
        kind = "reason"
    elif AGAINST.search(question) and (
        asks_sources or _VIEW_CUE.search(question) or _SIDE_CUE.search(question)
    ):
        kind = "against"
    elif _QUANTITY.search(question) and not re.search(r"\bhow (?:much|strong)\b[^?]*\bevidence",
                                                      question, re.I):  # fmt: skip
        kind = "quantity"
    elif AGAINST.search(question):
        kind = "against"
    elif FOR.search(question):
        kind = "for"
    else:
        kind = "general"
    amounts = amount_kinds_for(question) if kind == "quantity" else None
    return Intent(kind, amounts, subject, asks_sources, parts)


def belief_side(intent: Intent) -> tuple[str, ...]:
    """Which stances of a belief's ledger a question asks about."""
    if intent.kind == "against":
        return ("challenges", "complicates")
    if intent.kind == "for":
        return ("supports",)
    return ("supports", "challenges", "complicates")


def resolve_beliefs(
    question: str,
    beliefs: Sequence[tuple[str, str]],
    similarity: Callable[[], Sequence[float]] | None = None,
) -> list[str]:
    """The beliefs a question is about: named by id, else by the words of one statement, else
    (with a view cue) by its topic. `beliefs` are (id, statement); `similarity` gives the
    question's cosine to each statement and is only called when the words do not decide."""
    ids = [b for b, _ in beliefs]
    named = named_beliefs(question, ids)
    if named or not beliefs:
        return named
    subject = read_question(question).subject
    statement_stems = [stems(statement) - _GLUE for _, statement in beliefs]
    df: dict[str, int] = {}
    for words in statement_stems:
        for word in words:
            df[word] = df.get(word, 0) + 1
    n = len(beliefs)
    scores = []
    for words in statement_stems:
        shared = subject & words
        idf = [math.log((n + 1) / df[w]) for w in shared]
        scores.append((sum(idf), len(shared)))
    ranked = sorted(range(n), key=lambda i: -scores[i][0])
    best = ranked[0]
    second = scores[ranked[1]][0] if n > 1 else 0.0
    score, shared = scores[best]
    cue = bool(_VIEW_CUE.search(question))
    distinct = score >= 1.5 * second + 0.2
    if distinct and (shared >= 3 or (shared >= 2 and cue)):
        return [ids[best]]
    if cue and similarity is not None:
        cosines = list(similarity())
        order = sorted(range(n), key=lambda i: -cosines[i])
        top = order[0]
        runner_up = cosines[order[1]] if n > 1 else -1.0
        if cosines[top] >= TOPIC_SIMILARITY and cosines[top] - runner_up >= TOPIC_MARGIN:
            return [ids[top]]
    return []
