"""Turning accepted claims into evidence events, and credences back out of the ledger.

The ledger is append-only (triggers in the schema refuse anything else): a changed source gets
its old events marked superseded and its new ones appended. Credences are always recomputed from
live events with the rule in `beliefs.rule`, so `tracker replay --check` can verify them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlite_utils import Database

from beliefs.register import Belief, Register
from beliefs.rule import (
    Evidence,
    RuleSettings,
    cap_source_weights,
    credence,
    level_for,
    raw_weight,
)


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
    """Which belief, what the claim says against it, and the disconfirmation target it touches."""
    verb = "challenges" if item.stance == "challenges" else "complicates"
    note = (
        f'{verb} {belief.id} ({belief.statement}): the claim "{item.claim_title}" '
        f"bears against it. Disconfirmation target touched: {belief.disconfirmation}"
    )
    if item.rationale:
        note += f" Rationale: {item.rationale}"
    return note


def live_evidence(
    db: Database, belief_id: str, exclude_source: str | None = None
) -> list[Evidence]:
    sql = (
        "SELECT belief, source, stance, weight FROM events "
        "WHERE belief = ? AND superseded_at IS NULL"
    )
    params: list[str] = [belief_id]
    if exclude_source is not None:
        sql += " AND source != ?"
        params.append(exclude_source)
    return [Evidence(*row) for row in db.execute(sql, params).fetchall()]


def supersede_source(db: Database, source_id: str, new_sha256: str, now: str) -> int:
    """Mark every live record of an earlier version of the source as superseded."""
    cursor = db.execute(
        "UPDATE events SET superseded_at = ?, superseded_by = ? "
        "WHERE source = ? AND superseded_at IS NULL",
        [now, new_sha256, source_id],
    )
    for table in ("claims", "claim_evidence", "rejections"):
        db.execute(
            f"UPDATE {table} SET superseded_at = ? WHERE source = ? AND superseded_at IS NULL",
            [now, source_id],
        )
    return cursor.rowcount


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
            note = disconfirmation_note(belief, item) if item.stance != "supports" else None
            db.execute(
                "INSERT INTO events (belief, claim, source, sha256, stance, confidence, "
                "source_format, raw_weight, weight, credence_before, credence_after, note, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    belief_id,
                    item.claim_id,
                    source_id,
                    sha256,
                    item.stance,
                    item.confidence,
                    source_format,
                    event.raw_weight,
                    event.weight,
                    before,
                    after,
                    note,
                    now,
                ],
            )
            before = after


def recompute_credences(db: Database, register: Register, rule: RuleSettings) -> dict[str, float]:
    """Credence of every register belief from its live events."""
    return {b.id: credence(b.prior, live_evidence(db, b.id), rule) for b in register.beliefs}


def store_credences(
    db: Database, register: Register, rule: RuleSettings, now: str, source: str | None = None
) -> None:
    """Store every belief's credence; a crossing of a level threshold is recorded with it.

    Called inside the transaction that changed the ledger, so a level change lands with (and
    only with) the evidence that caused it.
    """
    stored = {row[0]: row[1] for row in db.execute("SELECT belief, credence FROM credences")}
    for belief_id, value in recompute_credences(db, register, rule).items():
        prior = register.get(belief_id).prior  # type: ignore[union-attr]
        before = stored.get(belief_id, prior)
        if level_for(before) != level_for(value):
            db.execute(
                "INSERT INTO level_changes (belief, level_before, level_after, credence_before, "
                "credence_after, source, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [belief_id, level_for(before), level_for(value), before, value, source, now],
            )
        db.execute(
            "INSERT INTO credences (belief, prior, credence, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(belief) DO UPDATE SET prior = excluded.prior, "
            "credence = excluded.credence, updated_at = excluded.updated_at",
            [belief_id, prior, value, now],
        )


@dataclass(frozen=True)
class ReplayDifference:
    belief: str
    stored: float | None
    replayed: float


def replay_differences(
    db: Database, register: Register, rule: RuleSettings, tolerance: float = 1e-12
) -> list[ReplayDifference]:
    """Beliefs whose stored credence differs from the one the ledger gives."""
    stored = {row[0]: row[1] for row in db.execute("SELECT belief, credence FROM credences")}
    has_events = {row[0] for row in db.execute("SELECT DISTINCT belief FROM events")}
    diffs = []
    for belief_id, value in recompute_credences(db, register, rule).items():
        recorded = stored.get(belief_id)
        if recorded is None and belief_id not in has_events:
            continue  # never touched: the prior stands and nothing was stored
        if recorded is None or abs(recorded - value) > tolerance:
            diffs.append(ReplayDifference(belief_id, recorded, value))
    return diffs
