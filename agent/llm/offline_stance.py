"""The offline model's judgement of which beliefs a claim is about, and which way it points.

Relevance is aboutness, not a cosine floor: a claim is compared with the whole belief (its
statement and the sentences of its description, its grounding paragraph), and it links a belief
only when that belief is nearer than every other belief of the register by a margin. The
register's disconfirmation text and grounding titles are never used here: they are the register's
own words about notes, not evidence that a claim bears on the belief.

Direction comes only from explicit signals aimed at the belief's own claim (`direction`):
negation on the statement's terms, read against the statement's own polarity (a negation of
the belief's negative, "explains only 10-20 percent" against "determined by factors outside",
agrees with it); a close restatement with no such signal supports; two-sided wording
complicates; anything else is `related` (weight 0, no move). MiniLM similarity says what a
sentence is about, never which way it points, so it is used only for aboutness and restatement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

# Words that turn what follows around. "only" counts before a figure or a small share
# ("only 10-20 percent", "only a fraction"); "outside"/"beyond" put a thing out of scope.
_NEGATOR_WORDS = (
    "not no never cannot can't couldn't doesn't don't didn't isn't aren't wasn't weren't won't "
    "without lacks lack lacking neither nor unable instead rather "
    "outside beyond none nothing"
)
_NEGATORS = frozenset(_NEGATOR_WORDS.split())
# Predicates that say a thing goes badly: "degrades", "erodes", "breaks down".
_NEGATIVE_PREDICATES = re.compile(
    r"^(?:degrad|erod|declin|worsen|worse|harder|collaps|inadequa|insuffici|fragil|unstabl|"
    r"fail|break|undermin|lose|loses|lost|decreas|shrink|weaken|destroy|misalign|fall|falls)"
)
_ONLY_FIGURE = re.compile(r"^(?:\d|a$|one$|half$|small$|fraction$|few$|minor)")
_MIXED = re.compile(
    r"\b(?:however|but|although|though|whereas|only in|only when|only for|partial\w*|"
    r"mixed|trade-?offs?|at the cost|caveats?|depends on|in some cases)\b",
    re.I,
)
_STOP_WORDS = (
    "their those these which there about becom being other would could should rather than "
    "where while since given because within across still makes itself"
)
_STOP = frozenset(_STOP_WORDS.split())
WINDOW = 4
"""How many words either side a negative predicate may stand from a belief's term."""
SCOPE = 5
"""How many words after a negator it reaches."""


@dataclass(frozen=True)
class StanceSettings:
    """The knobs of relevance and direction; tuned on both agents' notes of teleo-collective
    (theseus, ai-alignment; rio, internet finance) and the bench's own notes, never one alone."""

    link_floor: float = 0.35  # below this a claim is about no belief at all
    link_margin: float = 0.05  # ahead of every other belief by this much: about this one
    restate_similarity: float = 0.4  # a restatement: this close to the statement or a sentence
    # A restatement of the register's disconfirmation target (what would weaken the belief) is an
    # explicit signal against it: this close to a target sentence, and nearer to it than to the
    # belief by `target_margin`.
    target_similarity: float = 0.4
    target_margin: float = 0.0
    # The disconfirmation target is part of the whole belief: a claim about what would weaken
    # the belief is about the belief (links, by the same floor and margin).
    target_links: bool = True
    target_link_discount: float = 0.15  # a target sentence counts this much less than the belief
    max_beliefs_per_claim: int = 1

    def scaled(self, scale: float) -> StanceSettings:
        """The same rule for an embedder whose cosines run `scale` times MiniLM's (an embedder
        says so by a `similarity_scale` attribute; MiniLM is 1)."""
        if scale == 1.0:
            return self
        return replace(
            self,
            link_floor=self.link_floor * scale,
            link_margin=self.link_margin * scale,
            restate_similarity=self.restate_similarity * scale,
            target_similarity=self.target_similarity * scale,
            target_margin=self.target_margin * scale,
            target_link_discount=self.target_link_discount * scale,
        )


@dataclass(frozen=True)
class BeliefText:
    """What a belief is about: its statement, and the sentences of its description."""

    id: str
    statement: str
    description: str = ""
    disconfirmation: str = ""

    def target_sentences(self) -> list[str]:
        """The disconfirmation target's sentences, questions and "Counter:" rebuttals left out
        (a rebuttal is the belief answering back, not evidence against it)."""
        text = self.disconfirmation.split("Counter:", 1)[0]
        parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text.strip())
        return [p for p in parts if len(p.split()) >= 5 and not p.endswith("?")][:6]

    def sentences(self) -> list[str]:
        parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", self.description.strip())
        return [p for p in parts if len(p.split()) >= 5][:8]


def _stems(text: str) -> list[str]:
    return [t[:6] for t in re.findall(r"[a-z][a-z'-]*|\d+", text.lower())]


def terms_of(statement: str) -> set[str]:
    """The statement's content terms (six-letter stems of words of four letters or more)."""
    words = re.findall(r"[a-z]{4,}", statement.lower())
    return {w[:6] for w in words if w not in _STOP and w[:6] not in _NEGATORS}


def _is_negator(tokens: list[str], i: int) -> bool:
    """Whether the word at i turns what follows around. "not just/only/merely X" adds rather
    than denies; "nor" after "neither" is the same turn; "only" turns only a figure or share."""
    token = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if token == "only":
        return bool(_ONLY_FIGURE.match(after))
    if token == "not" and after in ("just", "only", "merely", "simply"):
        return False
    if token == "nor" and "neither" in tokens[max(0, i - 8) : i]:
        return False
    return token in _NEGATORS


def polarity_flips(text: str, terms: set[str]) -> list[str]:
    """The negators and negative predicates in `text` aimed at one of `terms`.

    A negator scopes forward ("not a technical problem", "only 10-20 percent of health
    outcomes", "instead of degrading"): it is aimed when one of the next `SCOPE` words is a term,
    the belief's own predicate included. A negative predicate ("oversight degrades") is aimed
    when a term stands within `WINDOW` words of it either side."""
    tokens = re.findall(r"[a-z][a-z'-]*|\d+", text.lower())
    found = []
    for i, token in enumerate(tokens):
        if _is_negator(tokens, i):
            ahead = tokens[i + 1 : i + 1 + SCOPE]
            if any(t[:6] in terms for t in ahead):
                found.append(token)
        elif _NEGATIVE_PREDICATES.match(token):
            near = tokens[max(0, i - WINDOW) : i] + tokens[i + 1 : i + 1 + WINDOW]
            if any(t[:6] in terms and not _NEGATIVE_PREDICATES.match(t) for t in near):
                found.append(token)
    return found


def _turns(flips: list[str]) -> int:
    """How many times the words turn the belief's terms around: each negator once, negative
    predicates together once ("fails ... harder" is one bad direction, not two turns)."""
    predicates = [f for f in flips if _NEGATIVE_PREDICATES.match(f) and f not in _NEGATORS]
    return len(flips) - len(predicates) + (1 if predicates else 0)


def direction(
    claim: str, belief: BeliefText, restated: bool, against: bool = False
) -> tuple[str, str]:
    """The stance and the signal that decided it (see the module docstring). `against`: the
    claim restates the belief's disconfirmation target more closely than the belief."""
    terms = terms_of(belief.statement)
    own = polarity_flips(belief.statement, terms)
    flips = polarity_flips(claim, terms)
    mixed = _MIXED.search(claim)
    if not (
        restated or against
    ):  # about the topic, not the belief's own claim: no signal is aimed at it
        return "related", "about the belief, but not about its claim: direction not stated"
    if flips:
        agree = _turns(flips) % 2 == _turns(own) % 2
        said = "', '".join(flips[:3])
        if agree:
            cue = f"negative like the belief ('{said}' on its terms)" if own else ""
            if not own:  # an even number of turns on a positive belief: it holds
                cue = f"turned twice on the belief's terms ('{said}')"
            return ("complicates", cue + ", but hedged") if mixed else ("supports", cue)
        reversed_ = f"'{said}' turns the belief's terms the other way"
        return "challenges", reversed_
    if against:  # no turn on the belief's terms, and nearer to what would weaken it
        return "challenges", "restates the belief's disconfirmation target"
    if mixed:
        return "complicates", f"restates the belief with a two-sided cue '{mixed.group(0)}'"
    return "supports", "restates the belief's claim with no turn against it"


def belief_vectors(beliefs: Sequence[BeliefText]) -> list[str]:
    """The texts to embed for the beliefs, in the order `aboutness` reads them back."""
    texts: list[str] = []
    for b in beliefs:
        texts.append(b.statement)
        texts.extend(b.sentences())
    for b in beliefs:
        texts.extend(b.target_sentences())
    return texts


def target_similarity(
    claims: np.ndarray, beliefs: Sequence[BeliefText], vectors: np.ndarray
) -> np.ndarray:
    """(claims x beliefs) similarity to the nearest disconfirmation-target sentence (0 if none)."""
    at = sum(1 + len(b.sentences()) for b in beliefs)
    out = np.zeros((len(claims), len(beliefs)))
    for j, b in enumerate(beliefs):
        n = len(b.target_sentences())
        if n:
            out[:, j] = (claims @ vectors[at : at + n].T).max(axis=1)
        at += n
    return out


def aboutness(
    claims: np.ndarray, beliefs: Sequence[BeliefText], vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(claims x beliefs) aboutness and similarity to the statement alone.

    Aboutness is the mean of the similarity to the statement and to the nearest sentence of the
    description (the statement alone when there is none): a claim is about a belief when it is
    near what the belief says and near something the belief is grounded in."""
    about = np.zeros((len(claims), len(beliefs)))
    to_statement = np.zeros((len(claims), len(beliefs)))
    at = 0
    for j, b in enumerate(beliefs):
        n = 1 + len(b.sentences())
        block = claims @ vectors[at : at + n].T
        at += n
        to_statement[:, j] = block[:, 0]
        best = block[:, 1:].max(axis=1) if n > 1 else block[:, 0]
        about[:, j] = 0.5 * (block[:, 0] + best)
    return about, to_statement


def links_for(row: np.ndarray, settings: StanceSettings) -> list[int]:
    """The beliefs one claim is about: over the floor and ahead of every other by the margin."""
    order = sorted(range(len(row)), key=lambda j: (-row[j], j))
    chosen: list[int] = []
    for rank, j in enumerate(order[: settings.max_beliefs_per_claim]):
        rest = [row[k] for k in order if k != j and k not in chosen]
        runner_up = max(rest) if rest else -1.0
        if row[j] < settings.link_floor or row[j] - runner_up < settings.link_margin:
            break
        chosen.append(j)
        if rank == 0 and settings.max_beliefs_per_claim == 1:
            break
    return chosen
