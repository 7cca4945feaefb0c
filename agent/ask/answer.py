"""What `tracker ask` returns: the answer, its numbered citations and the beliefs it touches.

Shared by the extractive answer (`agent.ask.asker`) and the model-written one
(`agent.ask.model_answer`), which both build an `Answer` and fall back on `extractive_answer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from agent.config import Settings
    from beliefs.register import Register

ANSWER_QUOTES = 3


class AnswerContext(Protocol):
    """What a model-written answer needs of the asker: settings, register, and the checks."""

    settings: Settings
    register: Register
    model: Any

    def source_meta(self, source_id: str) -> tuple[str | None, str | None]: ...

    def grounded(self, source_id: str, quote: str) -> bool: ...


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str | None
    date: str | None
    quote: str

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "source": self.source,
            "title": self.title,
            "date": self.date,
            "quote": self.quote,
        }


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[Citation]
    beliefs: list[dict[str, Any]]
    dropped_citations: int = 0
    model: str = "offline"
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The contract's keys (answer, citations with source and quote, beliefs with id and
        credence) and more: citation n/title/date, dropped_citations, model, notes."""
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.as_json() for c in self.citations],
            "beliefs": self.beliefs,
            "dropped_citations": self.dropped_citations,
            "model": self.model,
            "notes": self.notes,
        }


def extractive_answer(
    citations: list[Citation], beliefs: list[dict[str, Any]], named: list[str]
) -> str:
    """The offline answer: named beliefs' standing, then the best passages, quoted and cited."""
    parts = []
    for belief in beliefs:
        if belief["id"] in named:
            lo, hi = belief["interval"]
            parts.append(
                f"{belief['id']} ({belief['statement']}) stands at credence "
                f"{belief['credence']:.2f} (90% interval {lo:.2f}-{hi:.2f}) on "
                f"{belief['evidence']} live evidence events, {belief['disconfirming']} of them "
                "disconfirming."
            )
    if not citations:
        parts.append("The archive holds nothing that answers this question.")
        return " ".join(parts)
    lead = "The weightiest passages:" if named else "From the archive:"
    quoted = "; ".join(f'"{c.quote}" [{c.n}]' for c in citations[:ANSWER_QUOTES])
    parts.append(f"{lead} {quoted}.")
    return " ".join(parts)
