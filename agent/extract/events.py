"""Turning one source's accepted stances into evidence events: weigh, cap, note, append.

The weights come from the rule in `beliefs.rule` (pure), capped per source and belief so one
source can move a belief by at most the cap; each challenge or complication carries a
disconfirmation note. The events go to the append-only ledger in `store.ledger`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlite_utils import Database

from agent.text.labels import is_prose_rationale, statement_label, target_label
from beliefs.register import Belief, Register
from beliefs.rule import Evidence, RuleSettings, cap_source_weights, credence, raw_weight
from store.ledger import NewEvent, append_event, live_evidence


@dataclass(frozen=True)
class StanceEvidence:
    """One claim's stance on one belief, as the source proposed it."""

    claim_id: str
    claim_title: str
    confidence: str
    belief_id: str
    stance: str
    rationale: str


@dataclass(frozen=True)
class PlannedEvent:
    evidence: StanceEvidence
    raw_weight: float
    weight: float


def plan_events(
    items: list[StanceEvidence], source_format: str | None, rule: RuleSettings
) -> list[PlannedEvent]:
    """Weigh each stance and cap the source's total per belief (bounded influence)."""
    by_belief: dict[str, list[StanceEvidence]] = defaultdict(list)
    for item in items:
        by_belief[item.belief_id].append(item)
    planned: list[PlannedEvent] = []
    for belief_id in sorted(by_belief):
        group = by_belief[belief_id]
        raws = [raw_weight(i.confidence, source_format, i.stance, rule) for i in group]
        capped = cap_source_weights(raws, rule)
        planned.extend(PlannedEvent(i, r, w) for i, r, w in zip(group, raws, capped, strict=True))
    return planned


def disconfirmation_note(belief: Belief, item: StanceEvidence) -> str:
    """One sentence: which belief (id and a short label), what the claim says against it (its
    title, and its rationale when that is prose), and the part of the register's
    disconfirmation target it touches (a short label; `tracker beliefs` has the whole text)."""
    verb = "challenges" if item.stance == "challenges" else "complicates"
    title = item.claim_title.strip().rstrip(".")
    note = f'{verb} {belief.id} ("{statement_label(belief.statement)}"): "{title}"'
    if is_prose_rationale(item.rationale):
        note += f" ({item.rationale.strip().rstrip('.')})"
    target = target_label(belief.disconfirmation, f"{item.claim_title} {item.rationale}")
    if target:
        note += f'; touches the disconfirmation target "{target}"'
    return note + "."


def append_events(
    db: Database,
    register: Register,
    rule: RuleSettings,
    source_id: str,
    sha256: str,
    source_format: str | None,
    planned: list[PlannedEvent],
    now: str,
) -> None:
    """Append one source's events, each with the credence before and after it."""
    by_belief: dict[str, list[PlannedEvent]] = defaultdict(list)
    for event in planned:
        by_belief[event.evidence.belief_id].append(event)
    for belief_id, events in by_belief.items():
        belief = register.get(belief_id)
        if belief is None:
            continue
        running = live_evidence(db, belief_id, exclude_source=source_id)
        before = credence(belief.prior, running, rule)
        for event in events:
            item = event.evidence
            running.append(Evidence(belief_id, source_id, item.stance, event.weight))
            after = credence(belief.prior, running, rule)
            append_event(
                db,
                NewEvent(
                    belief=belief_id,
                    claim=item.claim_id,
                    source=source_id,
                    sha256=sha256,
                    stance=item.stance,
                    confidence=item.confidence,
                    source_format=source_format,
                    raw_weight=event.raw_weight,
                    weight=event.weight,
                    credence_before=before,
                    credence_after=after,
                    note=disconfirmation_note(belief, item)
                    if item.stance in ("challenges", "complicates")
                    else None,
                    at=now,
                ),
            )
            before = after
