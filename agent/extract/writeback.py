"""Which lifecycle keys tracker may write into a source's frontmatter, and its own record.

Curators' values are theirs. tracker writes a lifecycle key (`status`, `processed_by`, ...) only
where it is absent, where `status` is still `unprocessed`, or where the key still holds what
tracker itself last wrote there; everything else keeps the curator's value. tracker's own record
always goes under one key of its own, `tracker:` (status, processed_by, processed_date, claims,
model, notes), so what it did is never lost and the next run, or another workspace over the
same archive, can tell its values from a curator's. `--take-over` restores the old behaviour
(tracker's values in the lifecycle keys, whatever was there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from store.frontmatter import TRACKER_KEY, canonical_json

# lifecycle key in the frontmatter -> its name inside the `tracker:` record
RECORD_NAMES: dict[str, str] = {
    "status": "status",
    "processed_by": "processed_by",
    "processed_date": "processed_date",
    "claims_extracted": "claims",
    "extraction_model": "model",
    "extraction_notes": "notes",
}


@dataclass(frozen=True)
class WriteBackPlan:
    """The frontmatter updates to make, what tracker wrote, and what stayed the curator's."""

    updates: dict[str, Any]
    written: dict[str, Any]
    kept: tuple[str, ...]

    @property
    def kept_curator_status(self) -> bool:
        return "status" in self.kept


def _same(a: Any, b: Any) -> bool:
    return canonical_json(a) == canonical_json(b)


def _last_written(frontmatter: Mapping[str, Any], recorded: Mapping[str, Any]) -> dict[str, Any]:
    """What tracker last wrote into the lifecycle keys: its database record, else the file's
    own `tracker:` record (another workspace, or a database that was lost, wrote it)."""
    if recorded:
        return dict(recorded)
    own = frontmatter.get(TRACKER_KEY)
    if not isinstance(own, dict):
        return {}
    written = own.get("wrote")
    if isinstance(written, list):  # the keys tracker wrote its values into
        return {key: own.get(RECORD_NAMES[key]) for key in written if key in RECORD_NAMES}
    return {}


def plan_write_back(
    frontmatter: Mapping[str, Any],
    values: Mapping[str, Any],
    recorded: Mapping[str, Any],
    take_over: bool = False,
) -> WriteBackPlan:
    """The updates for one file: `values` are tracker's lifecycle values (keyed like the file's
    lifecycle keys), `recorded` what tracker last wrote into this file per its database."""
    last = _last_written(frontmatter, recorded)
    updates: dict[str, Any] = {}
    kept: list[str] = []
    for key, value in values.items():
        current = frontmatter.get(key)
        ours = (
            take_over
            or key not in frontmatter
            or current is None
            or (key == "status" and str(current).strip().lower() == "unprocessed")
            or (key in last and _same(current, last[key]))
        )
        if ours:
            updates[key] = value
        elif not _same(current, value):
            kept.append(key)
    written = dict(updates)
    record = {RECORD_NAMES[key]: value for key, value in values.items()}
    record["wrote"] = sorted(written)
    updates[TRACKER_KEY] = record
    return WriteBackPlan(updates, written, tuple(kept))
