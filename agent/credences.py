"""Credences out of the ledger: recompute, store with level crossings, replay check, standing.

Credences are always recomputed from live events with the rule in `beliefs.rule`, never
adjusted in place, so `tracker replay --check` can verify every stored value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from beliefs.register import Register
from beliefs.rule import RuleSettings, credence, credence_interval, level_for
from store import ledger


def recompute_credences(db: Database, register: Register, rule: RuleSettings) -> dict[str, float]:
    """Credence of every register belief from its live events."""
    return {b.id: credence(b.prior, ledger.live_evidence(db, b.id), rule) for b in register.beliefs}


def store_credences(
    db: Database, register: Register, rule: RuleSettings, now: str, source: str | None = None
) -> None:
    """Store every belief's credence; a crossing of a level threshold is recorded with it.

    Called inside the transaction that changed the ledger, so a level change lands with (and
    only with) the evidence that caused it.
    """
    stored = ledger.stored_credences(db)
    for belief_id, value in recompute_credences(db, register, rule).items():
        prior = register.get(belief_id).prior  # type: ignore[union-attr]
        before = stored.get(belief_id, prior)
        if level_for(before) != level_for(value):
            ledger.append_level_change(
                db, belief_id, (level_for(before), level_for(value)), (before, value), source, now
            )
        ledger.store_credence(db, belief_id, prior, value, now)


@dataclass(frozen=True)
class ReplayDifference:
    belief: str
    stored: float | None
    replayed: float


def replay_differences(
    db: Database, register: Register, rule: RuleSettings, tolerance: float = 1e-12
) -> list[ReplayDifference]:
    """Beliefs whose stored credence differs from the one the ledger gives."""
    stored = ledger.stored_credences(db)
    has_events = ledger.beliefs_with_events(db)
    diffs = []
    for belief_id, value in recompute_credences(db, register, rule).items():
        recorded = stored.get(belief_id)
        if recorded is None and belief_id not in has_events:
            continue  # never touched: the prior stands and nothing was stored
        if recorded is None or abs(recorded - value) > tolerance:
            diffs.append(ReplayDifference(belief_id, recorded, value))
    return diffs


def belief_rows(
    db: Database, register: Register, rule: RuleSettings, only: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The register with current credences, interval and counts of live evidence.

    `level` is the register's level as written (kept for older callers), `register_level` the
    same under a clear name, and `level_by_credence` the level the credence earns now by the
    thresholds of `beliefs.rule.LEVEL_THRESHOLDS`; the two can disagree (B1 written as an axiom
    at 0.8, below the axiom threshold 0.85).
    """
    counts = ledger.live_event_counts(db)
    related = ledger.live_related_counts(db)
    rows = []
    for belief in register.beliefs:
        if only is not None and belief.id not in only:
            continue  # the interval's quantiles cost a few ms per belief
        evidence = ledger.live_evidence(db, belief.id)
        lo, hi = credence_interval(belief.prior, evidence, rule)
        supporting = counts.get((belief.id, True), 0)
        disconfirming = counts.get((belief.id, False), 0)
        value = credence(belief.prior, evidence, rule)
        rows.append(
            {
                "id": belief.id,
                "statement": belief.statement,
                "credence": round(value, 6),
                "interval": [round(lo, 6), round(hi, 6)],
                "evidence": supporting + disconfirming,
                "disconfirming": disconfirming,
                "related": related.get(belief.id, 0),
                "prior": belief.prior,
                "level": belief.level,
                "holder": register.holder_of(belief),
                "level_by_credence": level_for(value),
                "register_level": belief.level,
            }
        )
    return rows
