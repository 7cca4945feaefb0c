"""The read side: history, audit and claims, as the commands print them.

These back the commands analysts and auditors run many times a day, so this module imports only
the standard library, sqlite-utils, our store and our pure belief code: no torch, no chromadb,
no langchain. The register with its credences (`belief_rows`) lives in `agent.credences`.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from agent.credences import belief_rows
from agent.reports.levels import level_change_note
from beliefs.register import Register
from store import claims as claim_store
from store import ledger

__all__ = [
    "audit_rows",
    "belief_rows",
    "check_belief",
    "claim_rows",
    "history_rows",
    "level_change_as_history",
    "level_change_rows",
]


def check_belief(register: Register, belief_id: str) -> str:
    """The id `belief_id` names: itself, or in a collective the one qualified id a bare id
    (`B4`) can mean; ConfigError (exit 2) naming the candidates when it is unknown or ambiguous."""
    return register.resolve(belief_id).id


def history_rows(db: Database, register: Register, belief_id: str) -> list[dict[str, Any]]:
    """Every event of one belief and every level change, oldest first, superseded ones flagged.

    Level changes carry the same keys as evidence events (claim and stance null, weight 0, the
    crossing in `note`) so scripts reading the contract's shape keep working; `kind` tells them
    apart. A level change sorts after the evidence of the same transaction that caused it.

    `at` is when tracker recorded the row; `source_date` is the source's own date (YYYY-MM-DD,
    a partial date as its first day; None when the source version is undated) and
    `source_date_as_written` the date as the source gives it. A level change takes the date of
    the source whose evidence caused it.
    """
    belief_id = check_belief(register, belief_id)
    keyed: list[tuple[tuple[str, int, int], dict[str, Any]]] = []
    dates: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for e in ledger.belief_events(db, belief_id):
        dates[(e["source"], e["at"])] = (e["source_date"], e["source_date_as_written"])
        row = {
            "kind": "evidence",
            "at": e["at"],
            "source": e["source"],
            "claim": e["claim"],
            "claim_id": e["claim_id"],
            "stance": e["stance"],
            "weight": e["weight"],
            "credence_before": e["credence_before"],
            "credence_after": e["credence_after"],
            "note": e["note"],
            "superseded": e["superseded_at"] is not None,
            "source_date": e["source_date"],
            "source_date_as_written": e["source_date_as_written"],
        }
        keyed.append(((e["at"], 0, e["id"]), row))
    for change in level_change_rows(db, belief_id):
        row = level_change_as_history(change)
        date, written = dates.get((change["source"], change["at"]), (None, None))
        row.update(source_date=date, source_date_as_written=written)
        keyed.append(((change["at"], 1, change["id"]), row))
    return [row for _, row in sorted(keyed, key=lambda item: item[0])]


def level_change_rows(
    db: Database, belief_id: str | None = None, since: str | None = None
) -> list[dict[str, Any]]:
    """Recorded level changes, oldest first, one per belief and source transaction.

    The live hook records one crossing per transaction, but the backfill of workspaces older
    than m003 read the ledger event by event, so a dip and recovery inside one source left
    several rows with the same belief, source and time. Those are merged here into the net
    change (none if the level came back), so every workspace reads the same way.
    """
    return merge_level_changes(ledger.level_changes(db, belief_id, since))


def merge_level_changes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One net crossing per (belief, source, transaction); see `level_change_rows`."""
    merged: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    for row in rows:
        first = merged.setdefault((row["belief"], row["source"], row["at"]), row)
        if first is not row:
            first.update(level_after=row["level_after"], credence_after=row["credence_after"])
    return [row for row in merged.values() if row["level_before"] != row["level_after"]]


def level_change_as_history(change: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "level_change",
        "at": change["at"],
        "source": change["source"],
        "claim": None,
        "claim_id": None,
        "stance": None,
        "weight": 0.0,
        "credence_before": change["credence_before"],
        "credence_after": change["credence_after"],
        "note": level_change_note(
            change["level_before"],
            change["level_after"],
            change["credence_before"],
            change["credence_after"],
        ),
        "superseded": False,
    }


def audit_rows(
    db: Database,
    reason: str | None = None,
    source: str | None = None,
    since: str | None = None,
    model: str | None = None,
) -> list[dict[str, Any]]:
    """The rejection log, oldest first; every argument given narrows it."""
    rows = claim_store.rejections(db, source=source, since=since, model=model)
    if reason:
        rows = [r for r in rows if any(x["code"] == reason for x in r["reasons"])]
    return rows


def claim_rows(
    db: Database, source: str | None = None, belief: str | None = None
) -> list[dict[str, Any]]:
    """Live accepted claims with their stances; `source` and `belief` filter them."""
    stances = claim_store.stances_by_claim(db)
    return [
        {
            "id": c["id"],
            "title": c["title"],
            "confidence": c["confidence"],
            "source": c["source"],
            "beliefs": [{"id": b, "stance": s} for b, s, _ in stances.get(c["id"], [])],
            "description": c["description"],
            "quotes": c["quotes"],
            "evidence": [
                {"quote": quote, "snapped_from": original}
                for quote, original in zip(c["quotes"], c["snapped_from"], strict=True)
            ],
        }
        for c in claim_store.live_claims(db, source=source, belief=belief)
    ]
