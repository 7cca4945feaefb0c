"""How a level change reads: which thresholds a credence crossed, in the auditor's words.

The thresholds themselves live in `beliefs.rule.LEVEL_THRESHOLDS` (shown by `tracker beliefs
--explain`); this module only words a recorded crossing, so `history` and `digest` say it the
same way.
"""

from __future__ import annotations

from beliefs.rule import LEVEL_THRESHOLDS


def crossed_thresholds(before: float, after: float) -> list[float]:
    """Thresholds between two credences, in the direction of travel.

    A level starts at its threshold (credence >= threshold), so moving up crosses t when
    before < t <= after, and moving down when after < t <= before.
    """
    low, high = sorted((before, after))
    crossed = sorted(t for _, t in LEVEL_THRESHOLDS if t > 0 and low < t <= high)
    return crossed if after >= before else crossed[::-1]


def level_change_note(
    level_before: str, level_after: str, credence_before: float, credence_after: float
) -> str:
    """E.g. "level: belief -> hypothesis (crossed 0.60)"."""
    thresholds = ", ".join(f"{t:.2f}" for t in crossed_thresholds(credence_before, credence_after))
    note = f"level: {level_before} -> {level_after}"
    return f"{note} (crossed {thresholds})" if thresholds else note
