"""The evidence ledger, the stored credences and the level changes: every statement on them.

The ledger is append-only (triggers in the schema refuse anything else): a changed source gets
its old events marked superseded and its new ones appended. Credences are derived data, stored so
`tracker replay --check` can compare them with what the ledger gives.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from beliefs.rule import Evidence


@dataclass(frozen=True)
class NewEvent:
    """One evidence event as it is appended, with the credence before and after it."""

    belief: str
    claim: str
    source: str
    sha256: str
    stance: str
    confidence: str
    source_format: str | None
    raw_weight: float
    weight: float
    credence_before: float
    credence_after: float
    note: str | None
    at: str


def live_evidence(
    db: Database, belief_id: str, exclude_source: str | None = None
) -> list[Evidence]:
    """The belief's live events as the rule reads them; optionally without one source's."""
    sql = (
        "SELECT belief, source, stance, weight FROM events "
        "WHERE belief = ? AND superseded_at IS NULL"
    )
    params: list[str] = [belief_id]
    if exclude_source is not None:
        sql += " AND source != ?"
        params.append(exclude_source)
    return [Evidence(*row) for row in db.execute(sql, params).fetchall()]


def supersede_source(db: Database, source_id: str, by: str, now: str) -> int:
    """Mark every live record of the source as superseded, `by` its new content hash (an edit)
    or a reason ("source removed", "renamed to X", "same content as X").

    Returns how many ledger events were retired (the caller restores credences if any were).
    """
    cursor = db.execute(
        "UPDATE events SET superseded_at = ?, superseded_by = ? "
        "WHERE source = ? AND superseded_at IS NULL",
        [now, by, source_id],
    )
    for table in ("claims", "claim_evidence", "rejections"):
        db.execute(
            f"UPDATE {table} SET superseded_at = ? WHERE source = ? AND superseded_at IS NULL",
            [now, source_id],
        )
    return cursor.rowcount


def append_event(db: Database, event: NewEvent) -> None:
    db.execute(
        "INSERT INTO events (belief, claim, source, sha256, stance, confidence, "
        "source_format, raw_weight, weight, credence_before, credence_after, note, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            event.belief,
            event.claim,
            event.source,
            event.sha256,
            event.stance,
            event.confidence,
            event.source_format,
            event.raw_weight,
            event.weight,
            event.credence_before,
            event.credence_after,
            event.note,
            event.at,
        ],
    )


def stored_credences(db: Database) -> dict[str, float]:
    return {row[0]: row[1] for row in db.execute("SELECT belief, credence FROM credences")}


def beliefs_with_events(db: Database) -> set[str]:
    return {row[0] for row in db.execute("SELECT DISTINCT belief FROM events")}


def store_credence(db: Database, belief_id: str, prior: float, value: float, now: str) -> None:
    db.execute(
        "INSERT INTO credences (belief, prior, credence, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(belief) DO UPDATE SET prior = excluded.prior, "
        "credence = excluded.credence, updated_at = excluded.updated_at",
        [belief_id, prior, value, now],
    )


def append_level_change(
    db: Database,
    belief_id: str,
    levels: tuple[str, str],
    credences: tuple[float, float],
    source: str | None,
    now: str,
) -> None:
    db.execute(
        "INSERT INTO level_changes (belief, level_before, level_after, credence_before, "
        "credence_after, source, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [belief_id, levels[0], levels[1], credences[0], credences[1], source, now],
    )


LEVEL_CHANGE_KEYS = (
    "id",
    "belief",
    "level_before",
    "level_after",
    "credence_before",
    "credence_after",
    "source",
    "at",
)


def level_changes(
    db: Database, belief_id: str | None = None, since: str | None = None
) -> list[dict[str, Any]]:
    """Recorded level changes as stored (LEVEL_CHANGE_KEYS), oldest first."""
    sql = f"SELECT {', '.join(LEVEL_CHANGE_KEYS)} FROM level_changes WHERE 1 = 1"
    params: list[str] = []
    if belief_id:
        sql += " AND belief = ?"
        params.append(belief_id)
    if since:
        sql += " AND at >= ?"
        params.append(since)
    return [
        dict(zip(LEVEL_CHANGE_KEYS, row, strict=True))
        for row in db.execute(sql + " ORDER BY at, id", params)
    ]


def live_event_counts(db: Database) -> dict[tuple[str, bool], int]:
    """(belief, is a support) -> live events, for the evidence and disconfirming counts.

    `related` events (direction unknown, weight 0) are neither: they are counted apart."""
    return {
        (row[0], bool(row[1])): row[2]
        for row in db.execute(
            "SELECT belief, stance = 'supports', COUNT(*) FROM events "
            "WHERE superseded_at IS NULL AND stance != 'related' "
            "GROUP BY belief, stance = 'supports'"
        )
    }


def live_related_counts(db: Database) -> dict[str, int]:
    """belief -> live `related` events: claims about it whose direction the text did not say."""
    return dict(
        db.execute(
            "SELECT belief, COUNT(*) FROM events WHERE superseded_at IS NULL "
            "AND stance = 'related' GROUP BY belief"
        ).fetchall()
    )


EVENT_KEYS = (
    "at",
    "source",
    "claim",
    "stance",
    "weight",
    "credence_before",
    "credence_after",
    "note",
    "superseded_at",
    "claim_id",
    "id",
    "source_date",
    "source_date_as_written",
)

# The source version an event was computed from (m006): its own date, not when tracker ran.
_VERSION_JOIN = "LEFT JOIN source_versions v ON v.source = e.source AND v.sha256 = e.sha256"


def belief_events(db: Database, belief_id: str) -> list[dict[str, Any]]:
    """Every event of one belief, superseded ones too, with its claim's title as `claim` and
    the date of the source version it came from (`source_date` None when undated)."""
    rows = db.execute(
        "SELECT e.at, e.source, COALESCE(c.title, k.title, e.claim), e.stance, e.weight, "
        "e.credence_before, e.credence_after, e.note, e.superseded_at, e.claim, e.id, "
        f"v.date_sort, v.date FROM events e LEFT JOIN claims c ON c.id = e.claim {_VERSION_JOIN} "
        "LEFT JOIN known_claims k ON k.id = e.claim "
        "WHERE e.belief = ? ORDER BY e.at, e.id",
        [belief_id],
    ).fetchall()
    return [dict(zip(EVENT_KEYS, row, strict=True)) for row in rows]


EXPLAIN_KEYS = (
    "id",
    "source",
    "claim_id",
    "claim",
    "stance",
    "confidence",
    "source_format",
    "raw_weight",
    "weight",
    "source_date",
    "at",
)


def live_event_weights(db: Database, belief_id: str) -> list[dict[str, Any]]:
    """Live events of one belief with what their weight was computed from, by source then id."""
    rows = db.execute(
        "SELECT e.id, e.source, e.claim, COALESCE(c.title, e.claim), e.stance, e.confidence, "
        "e.source_format, e.raw_weight, e.weight, v.date_sort, e.at FROM events e "
        f"LEFT JOIN claims c ON c.id = e.claim {_VERSION_JOIN} "
        "WHERE e.belief = ? AND e.superseded_at IS NULL ORDER BY e.source, e.id",
        [belief_id],
    ).fetchall()
    return [dict(zip(EXPLAIN_KEYS, row, strict=True)) for row in rows]


def dated_live_evidence(db: Database, belief_id: str) -> list[tuple[Evidence, str | None, str]]:
    """Live evidence with its source's sortable date (None if undated) and recording time."""
    rows = db.execute(
        f"SELECT e.source, e.stance, e.weight, v.date_sort, e.at FROM events e {_VERSION_JOIN} "
        "WHERE e.belief = ? AND e.superseded_at IS NULL",
        [belief_id],
    ).fetchall()
    return [(Evidence(belief_id, r[0], r[1], r[2]), r[3], r[4]) for r in rows]


def heaviest_claims(
    db: Database, beliefs: Sequence[str], stances: Sequence[str], limit: int
) -> list[str]:
    """Claims behind the beliefs' live events of these stances, heaviest event first."""
    marks = ", ".join("?" for _ in stances)
    beliefs_marks = ", ".join("?" for _ in beliefs)
    rows = db.execute(
        f"SELECT e.claim FROM events e JOIN claims c ON c.id = e.claim "
        f"WHERE e.belief IN ({beliefs_marks}) AND e.stance IN ({marks}) "
        "AND e.superseded_at IS NULL AND c.superseded_at IS NULL "
        "ORDER BY e.weight DESC, e.id LIMIT ?",
        [*beliefs, *stances, limit],
    )
    return [row[0] for row in rows]


HEAVIEST_KEYS = ("belief", "claim", "title", "source", "stance", "weight", "quotes", "total")


def heaviest_events(
    db: Database, beliefs: Sequence[str], stances: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    """The heaviest live event of each source of these stances, with its claim and the source's
    `total` weight on that side; sources that carry the most weight first (what "the weightiest
    sources" means)."""
    marks = ", ".join("?" for _ in stances)
    beliefs_marks = ", ".join("?" for _ in beliefs)
    rows = db.execute(
        "SELECT belief, claim, title, source, stance, weight, quotes, total FROM ("
        "SELECT e.belief, e.claim, c.title, e.source, e.stance, e.weight, c.quotes, e.id, "
        "SUM(e.weight) OVER (PARTITION BY e.belief, e.source) AS total, "
        "ROW_NUMBER() OVER (PARTITION BY e.belief, e.source ORDER BY e.weight DESC, e.id) AS n "
        f"FROM events e JOIN claims c ON c.id = e.claim WHERE e.belief IN ({beliefs_marks}) "
        f"AND e.stance IN ({marks}) AND e.superseded_at IS NULL AND c.superseded_at IS NULL) "
        "WHERE n = 1 ORDER BY total DESC, source, id LIMIT ?",
        [*beliefs, *stances, limit],
    ).fetchall()
    out = []
    for row in rows:
        item = dict(zip(HEAVIEST_KEYS, row, strict=True))
        item["quotes"] = tuple(json.loads(item["quotes"] or "[]"))
        out.append(item)
    return out


def live_notes(db: Database) -> list[tuple[str, str, str, str, str]]:
    """(belief, claim, source, stance, note) of every live event that carries a note."""
    return [
        tuple(row)  # type: ignore[misc]
        for row in db.execute(
            "SELECT belief, claim, source, stance, note FROM events "
            "WHERE superseded_at IS NULL AND note IS NOT NULL ORDER BY at, id"
        )
    ]


def supersede_belief(db: Database, belief_id: str, reason: str, now: str) -> int:
    """Retire every live event of a belief the register no longer has (reason in superseded_by)."""
    cursor = db.execute(
        "UPDATE events SET superseded_at = ?, superseded_by = ? "
        "WHERE belief = ? AND superseded_at IS NULL",
        [now, reason, belief_id],
    )
    return cursor.rowcount


def live_events_of_belief(db: Database, belief_id: str) -> list[NewEvent]:
    """The belief's live events in ledger order, as they would be appended again."""
    rows = db.execute(
        "SELECT belief, claim, source, sha256, stance, confidence, source_format, raw_weight, "
        "weight, credence_before, credence_after, note, at FROM events "
        "WHERE belief = ? AND superseded_at IS NULL ORDER BY id",
        [belief_id],
    ).fetchall()
    return [NewEvent(*row) for row in rows]


def live_stances_on_known_claims(db: Database) -> list[tuple[str, str, str, str]]:
    """(belief, known claim id, source, stance) of live events that count for a claim note the
    knowledge base already holds (a proposal restated it)."""
    return [
        (row[0], row[1], row[2], row[3])
        for row in db.execute(
            "SELECT DISTINCT belief, claim, source, stance FROM events "
            "WHERE superseded_at IS NULL AND claim LIKE 'note:%' ORDER BY belief, claim, source"
        )
    ]
