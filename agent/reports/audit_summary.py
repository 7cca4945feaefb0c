"""`tracker audit --summary`: how the validator judged the model, in counts.

Counts cover live records only (the current version of each source): a source that changed was
re-extracted, and its superseded proposals say nothing about today's archive. A proposal is an
accepted claim or a rejection; one rejection with two reasons counts once in the totals and once
under each of its codes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from store.claims import live_proposals


@dataclass
class Tally:
    accepted: int = 0
    rejected: int = 0

    @property
    def proposed(self) -> int:
        return self.accepted + self.rejected

    def as_json(self) -> dict[str, Any]:
        rate = round(self.accepted / self.proposed, 4) if self.proposed else None
        return {
            "proposed": self.proposed,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "acceptance_rate": rate,
        }


def audit_summary(
    db: Database, since: str | None = None, model: str | None = None, source: str | None = None
) -> dict[str, Any]:
    """Totals, rejections per reason code, and acceptance per model and per source format."""
    total, by_model, by_format = Tally(), {}, {}
    reasons: Counter[str] = Counter()
    for outcome, row_model, row_format, row_reasons in live_proposals(db, since, model, source):
        for tally in (
            total,
            by_model.setdefault(row_model, Tally()),
            by_format.setdefault(row_format, Tally()),
        ):
            setattr(tally, outcome, getattr(tally, outcome) + 1)
        if row_reasons:
            reasons.update(r["code"] for r in row_reasons)
    return {
        "live_only": True,
        **total.as_json(),
        "by_reason": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_model": {k: v.as_json() for k, v in sorted(by_model.items())},
        "by_format": {k: v.as_json() for k, v in sorted(by_format.items())},
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The summary as a short table for people."""

    def rate(t: dict[str, Any]) -> str:
        return "-" if t["acceptance_rate"] is None else f"{100 * t['acceptance_rate']:.1f}%"

    lines = [
        f"proposals (live records): {summary['proposed']}, {summary['accepted']} accepted, "
        f"{summary['rejected']} rejected, acceptance {rate(summary)}",
        "",
        "rejections by reason:",
    ]
    lines += [f"  {code:<26} {n:>6}" for code, n in summary["by_reason"].items()] or ["  (none)"]
    for title, key in (("by model:", "by_model"), ("acceptance by source format:", "by_format")):
        lines += [
            "",
            title,
            f"  {'':<26} {'proposed':>8} {'accepted':>8} {'rejected':>8} {'rate':>7}",
        ]
        for name, t in summary[key].items():
            lines.append(
                f"  {name:<26} {t['proposed']:>8} {t['accepted']:>8} {t['rejected']:>8} "
                f"{rate(t):>7}"
            )
    return lines
