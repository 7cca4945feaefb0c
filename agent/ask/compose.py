"""The offline answer: pick the spans that answer the question, group them by point, write it.

Input is what retrieval found, already cut into clean spans (`agent.ask.spans`) of the best
sources, plus the ledger of any belief the question is about. The answer is built in three steps:

1. Score every span against the question (`agent.ask.intent`): the share of the question's
   subject it covers (words weighted by how rare they are among the candidates), a little for
   the source's retrieval rank, less for a curator's note than for the source's own text, and
   what the kind of question wants: a figure of the right kind for "how much", a reason (because,
   pressure, driven by ...) near the event for "why", the other side (however, fails, cannot ...)
   for "against".
2. Group by point: spans that say the same thing (mostly the same words, or the same figure) are
   one point citing all its sources; a point is cited once per source.
3. Write it: a belief question leads with the belief's credence and level and the heaviest live
   ledger evidence on the side asked for; a quantity question reports every figure found, and
   says so when they differ ("$75-150M annual global investment [1]; $50-100M/year [2]"); a why
   question states the event and then the reasons given; otherwise the points, best first.

Every citation is checked against its source before it is numbered (the caller's `grounded`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.ask.intent import Intent
from agent.ask.matching import (
    CONTRA_CUE,
    REASON_CUE,
    amount_key,
    amounts,
    cue_count,
    stems,
)
from agent.ask.spans import Span
from agent.ask.wording import (
    clause,
    figure_phrase,
    figures_differ,
    is_cut,
    sentence,
    span_stems,
    with_marks,
)

NOTES_FACTOR = 0.85
TITLE_FACTOR = 0.85
RANK_PRIOR = 0.3
CHUNK_PRIOR = 0.4
SEMANTIC_PRIOR = 0.25
SEMANTIC_GATE = 0.5
TOPIC_SHARE = 0.35
MIN_COVERAGE = 0.15
RELATIVE_COVERAGE = 0.4
PART_SHARE = 0.85
PRIMARY_KIND = 1.1
LONG_QUOTE = 220
LONG_FACTOR = 0.92
CUT_FACTOR = 0.8
CUE_FACTOR = 0.15
TARGET_FACTOR = 0.5
RELATIVE_FLOOR = 0.55
SAME_POINT = 0.5
POINTS = {"quantity": 4, "reason": 3, "against": 3, "for": 3, "general": 3}
PER_SOURCE = {"quantity": 4, "general": 3}
LEDGER_ITEMS = 3
ANY_AMOUNT = ("money", "percent", "multiple", "count", "duration")
NOTHING = "The archive holds nothing that answers this question."


@dataclass(frozen=True)
class Candidate:
    """A span that may go into the answer, with the retrieval rank of its source."""

    span: Span
    rank: int
    claim: str | None = None
    boost: float = 0.0  # how well the retrieved passage holding it matched (0 to 1)
    semantic: float = 0.0  # how near its passage's vector was to the question's (0 to 1)
    topic: frozenset[str] = frozenset()  # stems of its source's title


@dataclass(frozen=True)
class LedgerItem:
    """One live ledger event of a belief the question is about."""

    belief: str
    claim: str
    title: str
    source: str
    stance: str
    weight: float
    quotes: tuple[str, ...]
    total: float = 0.0  # the source's whole weight on this side of the belief


@dataclass
class BeliefFocus:
    """A belief the question is about: its standing and the evidence on the side asked for."""

    row: dict[str, Any]
    side: tuple[str, ...]
    evidence: list[LedgerItem]
    disconfirmation: str = ""


@dataclass
class Point:
    text: str
    citations: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "citations": self.citations}


@dataclass
class Composed:
    """The answer text, its points and the (source, quote) of each citation number."""

    text: str
    points: list[Point]
    cited: list[tuple[str, str]]
    claims: list[str]
    kind: str


class Composer:
    """Builds one answer; `grounded(source, quote)` is the citation check."""

    def __init__(
        self,
        intent: Intent,
        candidates: Sequence[Candidate],
        grounded: Callable[[str, str], bool],
        title_of: Callable[[str], str],
        k: int,
    ) -> None:
        self.intent = intent
        self.candidates = list(candidates)
        self.grounded = grounded
        self.title_of = title_of
        self.k = k
        self.cited: list[tuple[str, str]] = []
        self.claims: list[str] = []
        self._idf = self._weights()
        self._cover: dict[int, float] = {}
        self._best_cover = max((self.cover(c) for c in self.candidates), default=0.0)

    # -- scoring -------------------------------------------------------------------------------
    def _weights(self) -> dict[str, float]:
        df: dict[str, int] = {}
        for c in self.candidates:
            for word in span_stems(c.span.display):
                df[word] = df.get(word, 0) + 1
        n = len(self.candidates)
        return {w: math.log((n + 1) / (d + 1)) + 1 for w, d in df.items()}

    def coverage(
        self,
        text: str,
        wanted: frozenset[str] | None = None,
        topic: frozenset[str] = frozenset(),
    ) -> float:
        """Share of the wanted stems (the question's subject) the text holds, rare words
        counting more. Words no candidate holds cannot tell candidates apart and are left out.
        A span inherits its source title's words at TOPIC_SHARE weight, whether it repeats
        them or not: under the title "Medicare Advantage Will Be Overpaid", "two equally large
        drivers: coding intensity and favorable selection" is about Medicare Advantage, and
        every sentence of the FLI index saying "FLI index" answers nothing by that."""
        wanted = self.intent.subject if wanted is None else wanted
        known = [w for w in wanted if w in self._idf]
        if not known:
            return 0.0

        def weight(word: str) -> float:
            return self._idf[word] * (TOPIC_SHARE if word in topic else 1.0)

        total = sum(weight(w) for w in known)
        words = span_stems(text)
        return sum(weight(w) for w in known if w in words or w in topic) / total

    def cover(self, c: Candidate) -> float:
        """The candidate's coverage of the question, its own source's topic discounted; for a
        compound question, of the whole or (a little less) of the part it answers best."""
        key = id(c)
        if key not in self._cover:
            value = self.coverage(c.span.display, topic=c.topic)
            for part in self.intent.parts:
                value = max(value, PART_SHARE * self.coverage(c.span.display, part, c.topic))
            self._cover[key] = value
        return self._cover[key]

    def seeds(self, scored: list[tuple[float, Candidate]]) -> list[Candidate]:
        """For a compound question, the best candidate for each part, so each part is answered."""
        out: list[Candidate] = []
        parts = self.intent.parts
        for i, part in enumerate(parts):

            def specific(sc: tuple[float, Candidate], i: int = i) -> tuple[float, float, float]:
                """Best on this part (weighed as `base` weighs coverage); on a tie, the one that
                says less about the other parts (the part's own answer)."""
                text, topic = sc[1].span.display, sc[1].topic
                own = self.coverage(text, parts[i], topic)
                other = max((self.coverage(text, p, topic) for j, p in enumerate(parts) if j != i),
                            default=0.0)  # fmt: skip
                cover = self.cover(sc[1])
                factor = sc[0] / cover if cover else 1.0  # retrieval's view of the span
                return round(own * factor, 3), -round(other, 3), sc[0]

            own = {id(sc[1]): self.coverage(sc[1].span.display, part, sc[1].topic) for sc in scored}
            top = max(own.values(), default=0.0)
            rest = [sc for sc in scored if sc[1] not in out and own[id(sc[1])] >= 0.6 * top]
            if rest and top > 0:
                out.append(max(rest, key=specific)[1])
        return out

    def relevant(self, c: Candidate, share: float = 1.0) -> bool:
        """Covers enough of the question, absolutely and against the best candidate, or sits
        in one of the passages nearest the question by meaning (a paraphrase shares no
        words: "mistakes snowball" for "error amplification")."""
        floor = max(MIN_COVERAGE, RELATIVE_COVERAGE * self._best_cover) * share
        return self.cover(c) >= floor or c.semantic >= SEMANTIC_GATE

    def base(self, c: Candidate) -> float:
        """Coverage, raised by how well retrieval ranked the source and the passage, lowered
        for a curator's note, a title, a long span and a cut one. Every factor multiplies the
        coverage, so nothing lifts a span that does not speak to the question."""
        factor = 1 + RANK_PRIOR / (1 + 0.5 * c.rank) + CHUNK_PRIOR * c.boost
        if c.span.section == "notes":
            factor *= NOTES_FACTOR
        if c.span.section == "title":
            factor *= TITLE_FACTOR
        if len(c.span.display) > LONG_QUOTE:
            factor *= LONG_FACTOR  # a shorter span saying the same reads better
        if is_cut(c.span):
            factor *= CUT_FACTOR  # cut at the length limit: a fragment
        return self.cover(c) * factor + SEMANTIC_PRIOR * c.semantic * factor / (1 + CHUNK_PRIOR)

    # -- citing --------------------------------------------------------------------------------
    def cite(self, source: str, quote: str, claim: str | None = None) -> int | None:
        """The citation number of (source, quote), numbering it if new and grounded."""
        key = (source, quote)
        if key in self.cited:
            return self.cited.index(key) + 1
        if len(self.cited) >= self.k or not self.grounded(source, quote):
            return None
        self.cited.append(key)
        if claim and claim not in self.claims:
            self.claims.append(claim)
        return len(self.cited)

    @staticmethod
    def _marks(numbers: Sequence[int]) -> str:
        return "".join(f"[{n}]" for n in numbers)

    # -- choosing points -----------------------------------------------------------------------
    def pick(
        self,
        scored: list[tuple[float, Candidate]],
        limit: int,
        same: Callable[[Candidate, Candidate], bool],
        exclude: Sequence[Candidate] = (),
    ) -> list[list[Candidate]]:
        """Best candidates grouped by point: [[representative, other sources...], ...]; a
        compound question's best candidate per part goes first."""
        scored = sorted(scored, key=lambda sc: (-sc[0], sc[1].rank, sc[1].span.position))
        if not scored:
            return []
        floor = RELATIVE_FLOOR * scored[0][0]
        first = self.seeds(scored)
        scored = [(scored[0][0], c) for c in first] + [sc for sc in scored if sc[1] not in first]
        groups: list[list[Candidate]] = []
        per_source: dict[str, int] = {}
        tables: set[tuple[str, tuple[str, ...]]] = set()
        cap = PER_SOURCE.get(self.intent.kind, 2)
        for score, c in scored:
            if score < floor:
                break
            if any(same(c, x) for x in exclude):
                continue
            home = next((g for g in groups if same(c, g[0])), None)
            if home is not None:
                if all(x.span.source != c.span.source for x in home):
                    home.append(c)
                continue
            if len(groups) >= limit or per_source.get(c.span.source, 0) >= cap:
                continue
            table = (c.span.source, c.span.header) if c.span.table else None
            if table is not None and table in tables:
                continue  # sibling rows of one table are a breakdown, not another answer
            groups.append([c])
            per_source[c.span.source] = per_source.get(c.span.source, 0) + 1
            if table is not None:
                tables.add(table)
        return groups

    @staticmethod
    def similar(a: Candidate, b: Candidate) -> bool:
        """The same point: one span holds the other, or they share most of their words."""
        qa, qb = a.span.quote.casefold(), b.span.quote.casefold()
        if qa in qb or qb in qa:
            return True
        wa, wb = span_stems(a.span.display), span_stems(b.span.display)
        if not wa or not wb:
            return a.span.quote == b.span.quote
        return len(wa & wb) / len(wa | wb) >= SAME_POINT

    def cite_group(self, group: list[Candidate], value: str | None = None) -> list[int]:
        """Cite every member of a point; for a figure, each quote must show the figure (a
        table row is quoted whole when its quoted cell does not)."""
        numbers = []
        for c in group:
            quote = c.span.quote
            if value and value not in quote and c.span.row and value in c.span.row:
                quote = c.span.row
            n = self.cite(c.span.source, quote, c.claim)
            if n is not None and n not in numbers:
                numbers.append(n)
        return numbers

    # -- the kinds of answer -------------------------------------------------------------------
    def general(self, exclude: Sequence[Candidate] = (), limit: int | None = None) -> list[Point]:
        scored = [(self.base(c), c) for c in self.candidates if self.relevant(c)]
        limit = POINTS["general"] if limit is None else limit
        return self._points(self.pick(scored, limit, self.similar, exclude), sentence)

    def _points(self, groups: list[list[Candidate]], render: Callable[[str], str]) -> list[Point]:
        points = []
        for group in groups:
            numbers = self.cite_group(group)
            if numbers:
                points.append(Point(render(group[0].span.display), numbers))
        return points

    def side(self, wanted: str, target: frozenset[str], limit: int) -> list[Point]:
        """Passages on one side of the question: the other side by contrast cues and the
        belief's disconfirmation target, or the supporting side by plain match."""
        scored = []
        for c in self.candidates:
            if not self.relevant(c):
                continue
            score = self.base(c)
            if wanted == "against":
                cues = cue_count(CONTRA_CUE, c.span.display)
                if not cues:
                    continue
                aimed = self.coverage(c.span.display, target)
                score *= 1 + CUE_FACTOR * min(cues, 3) + TARGET_FACTOR * aimed
            scored.append((score, c))
        return self._points(self.pick(scored, limit, self.similar), clause)

    def quantity(self) -> tuple[list[Point], list[str]]:
        """Points that state a figure of the kind asked for, and the figures themselves."""
        kinds = self.intent.amount_kinds or ANY_AMOUNT
        scored = []
        figures: dict[int, list[str]] = {}
        for c in self.candidates:
            found = [v for _, v in amounts(c.span.display, kinds)]
            if not found or not self.relevant(c, 0.8):
                continue
            figures[id(c)] = found
            primary = bool(amounts(c.span.display, kinds[:1]))
            scored.append((self.base(c) * (PRIMARY_KIND if primary else 1.0), c))

        def same(a: Candidate, b: Candidate) -> bool:
            keys_a = {amount_key(v) for v in figures.get(id(a), [])}
            keys_b = {amount_key(v) for v in figures.get(id(b), [])}
            return bool(keys_a) and keys_a == keys_b

        groups = self.pick(scored, POINTS["quantity"], same)
        points, shown = [], []
        for group in groups:
            lead = group[0]
            value = figures[id(lead)][0]
            numbers = self.cite_group(group, value)
            if not numbers:
                continue
            points.append(Point(figure_phrase(lead.span, value), numbers))
            shown.append(value)
        return points, shown

    def reason(self) -> tuple[Point | None, list[Point]]:
        """The event the question asks about, and the reasons the archive gives for it."""
        scored = [(self.base(c), c) for c in self.candidates if self.relevant(c)]
        if not scored:
            return None, []
        lead = max(scored, key=lambda sc: (sc[0], -sc[1].rank, -sc[1].span.position))[1]
        reasons = []

        def adjacent(c: Candidate) -> bool:
            return abs(c.span.position - lead.span.position) <= 6

        for c in self.candidates:
            if c is lead or self.similar(c, lead):
                continue
            cues = cue_count(REASON_CUE, c.span.display)
            near = c.span.source == lead.span.source
            cover = self.cover(c)
            far_enough = self.relevant(c) and cover >= 0.5 * self.cover(lead)
            if not cues or not ((near and (cover > 0 or adjacent(c))) or far_enough):
                continue
            score = 0.4 * cover + 0.2 * min(cues, 3) + 0.2 / (1 + 0.5 * c.rank)
            score += 0.25 * c.boost
            if near:
                score += 0.3 if adjacent(c) else 0.2
            if c.span.section == "notes":
                score -= 0.12
            reasons.append((score, c))
        numbers = self.cite_group([lead])
        head = Point(sentence(lead.span.display), numbers) if numbers else None
        groups = self.pick(reasons, POINTS["reason"] - 1, self.similar, exclude=[lead])
        return head, self._points(groups, clause)


def belief_lead(focus: BeliefFocus, composer: Composer) -> tuple[str, list[Point]]:
    """A belief's standing and its heaviest live evidence on the side asked for, cited."""
    row = focus.row
    lo, hi = row["interval"]
    level = row.get("level_by_credence")
    register = row.get("register_level")
    held = ""
    if level:
        held = f", level {level} by credence"
        if register and register != level:
            held += f" (the register holds it as {register})"
    statement = row["statement"]
    lead = (
        f"{row['id']} ({statement.rstrip('.')}) stands at credence {row['credence']:.2f}"
        f"{held}, 90% interval {lo:.2f}-{hi:.2f}, on {row['evidence']} live evidence events, "
        f"{row['disconfirming']} of them disconfirming"
        + (
            f", and {row['related']} related claims whose direction the text does not say."
            if row.get("related")
            else "."
        )
    )
    points = []
    for item in focus.evidence[:LEDGER_ITEMS]:
        numbers = []
        for quote in item.quotes:
            n = composer.cite(item.source, quote, item.claim)
            if n is not None:
                numbers.append(n)
                break
        if not numbers:
            continue
        title = composer.title_of(item.source)
        weight = f"weight {item.weight:.3f}"
        if item.total > item.weight + 1e-9:
            weight += f" of {item.total:.3f} from this source"
        points.append(Point(f'"{clause(item.title)}" ({item.stance}, {weight}; {title})', numbers))
    side = _side_words(focus.side)
    if points:
        listed = "; ".join(f"{p.text} {composer._marks(p.citations)}" for p in points)
        lead += f" The heaviest live {side} in the ledger: {listed}."
    else:
        lead += f" The ledger holds no live {side} of {row['id']}."
    return lead, points


def _side_words(side: tuple[str, ...]) -> str:
    if side == ("supports",):
        return "support"
    if "supports" not in side:
        return "challenges and complications"
    return "evidence"


def compose(
    intent: Intent,
    candidates: Sequence[Candidate],
    focus: Sequence[BeliefFocus],
    grounded: Callable[[str, str], bool],
    title_of: Callable[[str], str],
    k: int,
) -> Composed:
    """The offline answer to one question (see the module docstring)."""
    composer = Composer(intent, candidates, grounded, title_of, k)
    parts: list[str] = []
    points: list[Point] = []
    for belief in focus:
        text, ledger_points = belief_lead(belief, composer)
        parts.append(text)
        points.extend(ledger_points)
    if intent.kind == "quantity":
        found, values = composer.quantity()
        if found:
            listed = "; ".join(f"{p.text} {composer._marks(p.citations)}" for p in found)
            if figures_differ([p.text for p in found], values):
                parts.append(f"The sources give different figures: {listed}.")
            else:
                parts.append(f"{sentence(listed).rstrip('.')}.")
            points.extend(found)
        else:
            general = composer.general()
            if general:
                parts.append("No figure of the kind asked for was found; the closest passages:")
                parts.extend(with_marks(p.text, composer._marks(p.citations)) for p in general)
                points.extend(general)
    elif intent.kind == "reason":
        head, reasons = composer.reason()
        if head is not None:
            parts.append(with_marks(head.text, composer._marks(head.citations)))
            points.append(head)
            if reasons:
                listed = "; ".join(f"{p.text} {composer._marks(p.citations)}" for p in reasons)
                parts.append(f"The reasons given: {listed}.")
                points.extend(reasons)
            elif not cue_count(REASON_CUE, head.text):
                parts.append("The passages found give no reason for it.")
    elif intent.kind in ("against", "for"):
        target = frozenset().union(*(stems(b.disconfirmation) for b in focus)) if focus else None
        limit = POINTS[intent.kind] - (1 if focus else 0)
        found = composer.side(intent.kind, target or frozenset(), limit)
        if found:
            if intent.asks_sources or focus:
                found = [_with_source(p, composer) for p in found]
            label = "Against it" if intent.kind == "against" else "In support"
            if focus:
                label = "Also in the archive, " + label[0].lower() + label[1:]
            listed = "; ".join(f"{p.text} {composer._marks(p.citations)}" for p in found)
            parts.append(f"{label}: {listed}.")
            points.extend(found)
        elif not focus:
            parts.append(
                "No passage found argues " + ("against" if intent.kind == "against" else "for")
                + " it; the closest passages:"
            )  # fmt: skip
            general = composer.general()
            parts.extend(with_marks(p.text, composer._marks(p.citations)) for p in general)
            points.extend(general)
    else:
        general = composer.general(limit=POINTS["general"] - (1 if focus else 0))
        parts.extend(with_marks(p.text, composer._marks(p.citations)) for p in general)
        points.extend(general)
    if not composer.cited and not focus:
        parts = [NOTHING]
    return Composed(" ".join(parts), points, composer.cited, composer.claims, intent.kind)


def _with_source(point: Point, composer: Composer) -> Point:
    source, _ = composer.cited[point.citations[0] - 1]
    return Point(f"{composer.title_of(source)}: {point.text}", point.citations)
