"""The read side: beliefs, history, audit and claims, straight from the workspace database.

These back the commands analysts and auditors run many times a day, so this module imports only
the standard library, sqlite-utils and our pure belief code: no torch, no chromadb, no langchain.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from agent.ledger import live_evidence
from agent.levels import level_change_note
from beliefs.errors import ConfigError
from beliefs.register import Register
from beliefs.rule import RuleSettings, credence, credence_interval


def belief_rows(db: Database, register: Register, rule: RuleSettings) -> list[dict[str, Any]]:
    """The register with current credences, interval and counts of live evidence."""
    counts = {
        (row[0], row[1]): row[2]
        for row in db.execute(
            "SELECT belief, stance = 'supports', COUNT(*) FROM events "
            "WHERE superseded_at IS NULL GROUP BY belief, stance = 'supports'"
        )
    }
    rows = []
    for belief in register.beliefs:
        evidence = live_evidence(db, belief.id)
        lo, hi = credence_interval(belief.prior, evidence, rule)
        supporting = counts.get((belief.id, 1), 0)
        disconfirming = counts.get((belief.id, 0), 0)
        rows.append(
            {
                "id": belief.id,
                "statement": belief.statement,
                "credence": round(credence(belief.prior, evidence, rule), 6),
                "interval": [round(lo, 6), round(hi, 6)],
                "evidence": supporting + disconfirming,
                "disconfirming": disconfirming,
                "prior": belief.prior,
                "level": belief.level,
            }
        )
    return rows


def check_belief(register: Register, belief_id: str) -> None:
    if register.get(belief_id) is None:
        known = ", ".join(register.ids)
        raise ConfigError(f"unknown belief {belief_id!r}; the register has {known}")


def history_rows(db: Database, register: Register, belief_id: str) -> list[dict[str, Any]]:
    """Every event of one belief and every level change, oldest first, superseded ones flagged.

    Level changes carry the same keys as evidence events (claim and stance null, weight 0, the
    crossing in `note`) so scripts reading the contract's shape keep working; `kind` tells them
    apart. A level change sorts after the evidence of the same transaction that caused it.
    """
    check_belief(register, belief_id)
    rows = db.execute(
        "SELECT e.at, e.source, COALESCE(c.title, e.claim), e.stance, e.weight, "
        "e.credence_before, e.credence_after, e.note, e.superseded_at, e.claim, e.id "
        "FROM events e LEFT JOIN claims c ON c.id = e.claim "
        "WHERE e.belief = ? ORDER BY e.at, e.id",
        [belief_id],
    ).fetchall()
    keyed: list[tuple[tuple[str, int, int], dict[str, Any]]] = [
        (
            (r[0], 0, r[10]),
            {
                "kind": "evidence",
                "at": r[0],
                "source": r[1],
                "claim": r[2],
                "claim_id": r[9],
                "stance": r[3],
                "weight": r[4],
                "credence_before": r[5],
                "credence_after": r[6],
                "note": r[7],
                "superseded": r[8] is not None,
            },
        )
        for r in rows
    ]
    for change in level_change_rows(db, belief_id):
        keyed.append(((change["at"], 1, change["id"]), level_change_as_history(change)))
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
    sql = (
        "SELECT id, belief, level_before, level_after, credence_before, credence_after, source, "
        "at FROM level_changes WHERE 1 = 1"
    )
    params: list[str] = []
    if belief_id:
        sql += " AND belief = ?"
        params.append(belief_id)
    if since:
        sql += " AND at >= ?"
        params.append(since)
    keys = (
        "id",
        "belief",
        "level_before",
        "level_after",
        "credence_before",
        "credence_after",
        "source",
        "at",
    )
    merged: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    for r in db.execute(sql + " ORDER BY at, id", params):
        row = dict(zip(keys, r, strict=True))
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
    sql = (
        "SELECT at, source, claim_title, reasons, model, duplicate_of, superseded_at, proposed "
        "FROM rejections WHERE 1 = 1"
    )
    params: list[str] = []
    for column, value in (("source", source), ("model", model)):
        if value:
            sql += f" AND {column} = ?"
            params.append(value)
    if since:
        sql += " AND at >= ?"
        params.append(since)
    sql += " ORDER BY at, id"
    out = []
    for r in db.execute(sql, params).fetchall():
        reasons = json.loads(r[3])
        if reason and not any(x["code"] == reason for x in reasons):
            continue
        out.append(
            {
                "at": r[0],
                "source": r[1],
                "claim": r[2],
                "reasons": reasons,
                "model": r[4],
                "duplicate_of": r[5],
                "superseded": r[6] is not None,
            }
        )
    return out


def claim_rows(
    db: Database, source: str | None = None, belief: str | None = None
) -> list[dict[str, Any]]:
    """Live accepted claims with their stances; `source` and `belief` filter them."""
    sql = (
        "SELECT id, title, confidence, source, description, quotes FROM claims "
        "WHERE superseded_at IS NULL"
    )
    params: list[str] = []
    if source:
        sql += " AND source = ?"
        params.append(source)
    if belief:
        sql += " AND id IN (SELECT claim FROM claim_beliefs WHERE belief = ?)"
        params.append(belief)
    sql += " ORDER BY source, id"
    stances: dict[str, list[dict[str, str]]] = {}
    for claim, belief_id, stance in db.execute(
        "SELECT claim, belief, stance FROM claim_beliefs ORDER BY claim, belief"
    ):
        stances.setdefault(claim, []).append({"id": belief_id, "stance": stance})
    return [
        {
            "id": r[0],
            "title": r[1],
            "confidence": r[2],
            "source": r[3],
            "beliefs": stances.get(r[0], []),
            "description": r[4],
            "quotes": json.loads(r[5]),
        }
        for r in db.execute(sql, params).fetchall()
    ]
