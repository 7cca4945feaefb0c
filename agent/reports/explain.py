"""`tracker beliefs --explain B4`: every live event's weight of one belief, and how it was made.

The rule (`beliefs.rule`) weighs an event as confidence weight x format weight x stance factor,
then scales all of one source's weights on the belief by one factor when their sum exceeds the
per-source limit. The ledger records the raw weight and the weight that counted; this report
shows both next to the factors in force today, so an auditor can redo every number by hand. If
the settings changed since an event was recorded (a lower TRACKER_SOURCE_CAP, say), the raw
weight computed now differs from the recorded one, and the report says so instead of hiding it.
"""

from __future__ import annotations

import math
from typing import Any

from sqlite_utils import Database

from agent.credences import belief_rows
from beliefs.register import Register
from beliefs.rule import RuleSettings, format_weight, max_source_weight
from store.ledger import live_event_weights

TOLERANCE = 1e-9


def event_weights(
    db: Database, register: Register, rule: RuleSettings, belief_id: str
) -> dict[str, Any]:
    """One belief's live events grouped by source, each with its factors and weights."""
    row = belief_rows(db, register, rule, only=[belief_id])[0]
    limit = max_source_weight(rule)
    sources: dict[str, dict[str, Any]] = {}
    for event in live_event_weights(db, belief_id):
        confidence = rule.confidence_weights.get(event["confidence"])
        fmt = format_weight(event["source_format"], rule)
        stance = rule.stance_factors.get(event["stance"])
        now = confidence * fmt * stance if confidence is not None and stance is not None else None
        raw = event["raw_weight"]
        entry = sources.setdefault(
            event["source"],
            {"source": event["source"], "source_date": event["source_date"], "events": []},
        )
        entry["events"].append(
            {
                "claim_id": event["claim_id"],
                "claim": event["claim"],
                "stance": event["stance"],
                "confidence": event["confidence"],
                "confidence_weight": confidence,
                "source_format": event["source_format"],
                "format_weight": fmt,
                "stance_factor": stance,
                "raw_weight": raw,
                "raw_weight_now": now,
                "raw_changed": now is None or abs(now - raw) > TOLERANCE,
                "cap_factor": event["weight"] / raw if raw else 1.0,
                "weight": event["weight"],
            }
        )
    for entry in sources.values():
        raw_total = math.fsum(e["raw_weight"] for e in entry["events"])
        weight_total = math.fsum(e["weight"] for e in entry["events"])
        entry.update(
            raw_total=raw_total,
            weight=weight_total,
            capped=raw_total > limit,
            cap_factor=weight_total / raw_total if raw_total else 1.0,
        )
    ordered = sorted(sources.values(), key=lambda s: (-s["weight"], s["source"]))
    return {
        "belief": belief_id,
        "prior": row["prior"],
        "credence": row["credence"],
        "source_limit": limit,
        "events": sum(len(s["events"]) for s in ordered),
        "sources": ordered,
    }


def event_weight_lines(report: dict[str, Any]) -> list[str]:
    """The report as text, one block per source, heaviest source first."""
    lines = [
        "",
        f"Live events of {report['belief']} (credence {report['credence']:.3f}, prior "
        f"{report['prior']:g}): {report['events']} from {len(report['sources'])} sources; "
        f"per-source limit {report['source_limit']:.6g}.",
    ]
    if not report["sources"]:
        lines.append("  none yet: the prior stands")
    for s in report["sources"]:
        cap = (
            f"raw total {s['raw_total']:.3f} > limit: every weight x {s['cap_factor']:.4f}"
            if s["capped"]
            else f"raw total {s['raw_total']:.3f} <= limit: not scaled"
        )
        lines.append(f"  [{s['source']}] {s['source_date'] or 'undated'}: {cap}")
        for e in s["events"]:
            confidence = _factor(e["confidence_weight"])
            stance = _factor(e["stance_factor"])
            formula = (
                f"{e['confidence']} {confidence} x {e['source_format'] or 'no format'} "
                f"{e['format_weight']:g} x {e['stance']} {stance} = {e['raw_weight']:.3f}"
            )
            if e["raw_changed"]:
                formula += " (recorded; today's settings give "
                formula += f"{e['raw_weight_now']:.3f})" if e["raw_weight_now"] else "no weight)"
            scaled = f" x {e['cap_factor']:.4f}" if s["capped"] else ""
            lines.append(f"    {formula}{scaled} -> {e['weight']:.4f}  {e['claim']}")
    return lines


def _factor(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"
