"""What `tracker ask` returns: the answer, its numbered citations and the beliefs it touches.

Shared by the extractive answer (`agent.ask.asker`, `agent.ask.compose`) and the model-written
one (`agent.ask.model_answer`), which starts from the extractive `Answer` and keeps it when the
model's reply cannot be used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from agent.config import Settings
    from beliefs.register import Register


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
    kind: str = "general"
    points: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The contract's keys (answer, citations with source and quote, beliefs with id and
        credence) and more: citation n/title/date, dropped_citations, model, notes, the kind
        of question it was read as, and the answer's points with their citation numbers."""
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.as_json() for c in self.citations],
            "beliefs": self.beliefs,
            "dropped_citations": self.dropped_citations,
            "model": self.model,
            "notes": self.notes,
            "kind": self.kind,
            "points": self.points,
        }
