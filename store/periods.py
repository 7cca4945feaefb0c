"""A period's records, selected by the sources' own dates or by when tracker recorded them.

Two clocks run through a workspace. The source's time (its `date`, recorded per source version in
`source_versions`, migration m006) says when the evidence appeared in the world; the processing
time (`events.at`, `rejections.at`, `sources.processed_at`) says when tracker read it. An analyst
asking "what changed since January" means the first; an auditor asking "what did last night's run
do" means the second. Every function here takes `by`: "source" or "processed".

By source date, a source without a date counts on the day tracker processed it (as `tracker
plot` places it), and such records are marked undated. Only live records count: evidence later
superseded by a changed source is not news.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from beliefs.rule import Evidence
from store.ledger import LEVEL_CHANGE_KEYS

BY = ("source", "processed")

_EVENT_DATE = "COALESCE(v.date_sort, substr(e.at, 1, 10))"
_EVENT_VERSION = "LEFT JOIN source_versions v ON v.source = e.source AND v.sha256 = e.sha256"


def _check(by: str) -> None:
    if by not in BY:
        raise ValueError(f"period by {by!r}: expected one of {BY}")


def _event_window(by: str) -> str:
    """SQL condition (two parameters: since, until) on an event `e` joined to its version `v`."""
    if by == "source":
        return f"{_EVENT_DATE} >= ? AND {_EVENT_DATE} <= ?"
    return "e.at >= ? AND substr(e.at, 1, 10) <= ?"


PERIOD_KEYS = (
    "belief",
    "stance",
    "weight",
    "source",
    "claim_id",
    "claim",
    "model",
    "source_title",
    "source_date",
    "at",
    "undated",
)


def period_events(db: Database, since: str, until: str, by: str) -> list[dict[str, Any]]:
    """Live events of the period with their claim and source, oldest first on the chosen clock.

    `source_date` is the version's date as written (None when undated); `undated` is 1 then.
    """
    _check(by)
    order = f"{_EVENT_DATE}, e.at, e.id" if by == "source" else "e.at, e.id"
    rows = db.execute(
        "SELECT e.belief, e.stance, e.weight, e.source, e.claim, COALESCE(c.title, e.claim), "
        "c.model, v.title, v.date, e.at, v.date_sort IS NULL FROM events e "
        f"LEFT JOIN claims c ON c.id = e.claim {_EVENT_VERSION} "
        f"WHERE e.superseded_at IS NULL AND {_event_window(by)} ORDER BY {order}",
        [since, until],
    ).fetchall()
    return [dict(zip(PERIOD_KEYS, row, strict=True)) for row in rows]


def evidence_before(db: Database, belief_id: str, since: str, by: str) -> list[Evidence]:
    """The belief's evidence as it stood when the period began.

    By processing time: what the ledger held at that moment (recorded before it and not yet
    superseded then). By source date: today's live events of sources dated before it.
    """
    _check(by)
    if by == "processed":
        sql = (
            "SELECT e.source, e.stance, e.weight FROM events e WHERE e.belief = ? AND e.at < ? "
            "AND (e.superseded_at IS NULL OR e.superseded_at >= ?)"
        )
        params = [belief_id, since, since]
    else:
        sql = (
            f"SELECT e.source, e.stance, e.weight FROM events e {_EVENT_VERSION} "
            f"WHERE e.belief = ? AND e.superseded_at IS NULL AND {_EVENT_DATE} < ?"
        )
        params = [belief_id, since]
    return [Evidence(belief_id, *row) for row in db.execute(sql, params)]


def evidence_until(db: Database, belief_id: str, until: str, by: str) -> list[Evidence]:
    """The belief's live evidence at the period's end (by source date: sources dated up to it)."""
    _check(by)
    sql = f"SELECT e.source, e.stance, e.weight FROM events e {_EVENT_VERSION} "
    sql += "WHERE e.belief = ? AND e.superseded_at IS NULL"
    params = [belief_id]
    if by == "source":
        sql += f" AND {_EVENT_DATE} <= ?"
        params.append(until)
    return [Evidence(belief_id, *row) for row in db.execute(sql, params)]


def period_rejections(
    db: Database, since: str, until: str, by: str
) -> list[tuple[str | None, str, list[Any]]]:
    """(claim title, source, reasons) of the period's live rejections."""
    _check(by)
    date = "COALESCE(v.date_sort, substr(r.at, 1, 10))" if by == "source" else "r.at"
    end = date if by == "source" else "substr(r.at, 1, 10)"
    rows = db.execute(
        "SELECT r.claim_title, r.source, r.reasons FROM rejections r "
        "LEFT JOIN source_versions v ON v.source = r.source AND v.sha256 = r.sha256 "
        f"WHERE r.superseded_at IS NULL AND {date} >= ? AND {end} <= ? ORDER BY r.at, r.id",
        [since, until],
    )
    return [(title, source, json.loads(reasons)) for title, source, reasons in rows]


def period_sources(
    db: Database, since: str, until: str, by: str, statuses: tuple[str, ...]
) -> tuple[int, int]:
    """(sources of these statuses in the period, how many of them are undated)."""
    _check(by)
    marks = ", ".join("?" for _ in statuses)
    if by == "source":
        date = "COALESCE(date_sort, substr(processed_at, 1, 10))"
        window = f"{date} >= ? AND {date} <= ?"
    else:
        window = "processed_at >= ? AND substr(processed_at, 1, 10) <= ?"
    row = db.execute(
        f"SELECT COUNT(*), COALESCE(SUM(date_sort IS NULL), 0) FROM sources "
        f"WHERE status IN ({marks}) AND {window}",
        [*statuses, since, until],
    ).fetchone()
    return int(row[0]), int(row[1])


LEVEL_KEYS = (*LEVEL_CHANGE_KEYS, "source_date")


def period_level_changes(db: Database, since: str, until: str, by: str) -> list[dict[str, Any]]:
    """Recorded level changes whose cause falls in the period, oldest first by recording time.

    A crossing is recorded with the transaction of the source that caused it; by source date
    it belongs to the period when that source version's date does (the version is the one of
    the events recorded in the same transaction).
    """
    _check(by)
    version = (
        "(SELECT v.date_sort FROM events e JOIN source_versions v ON v.source = e.source "
        "AND v.sha256 = e.sha256 WHERE e.source = l.source AND e.at = l.at LIMIT 1)"
    )
    if by == "source":
        date = f"COALESCE({version}, substr(l.at, 1, 10))"
        window = f"{date} >= ? AND {date} <= ?"
    else:
        window = "l.at >= ? AND substr(l.at, 1, 10) <= ?"
    rows = db.execute(
        "SELECT l.id, l.belief, l.level_before, l.level_after, l.credence_before, "
        f"l.credence_after, l.source, l.at, {version} FROM level_changes l "
        f"WHERE {window} ORDER BY l.at, l.id",
        [since, until],
    ).fetchall()
    return [dict(zip(LEVEL_KEYS, row, strict=True)) for row in rows]
