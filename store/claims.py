"""Accepted claims, their stances on beliefs, further evidence for them, and rejections.

Claims and rejections are never deleted: when a source changes, its earlier records are marked
superseded (`store.ledger.supersede_source`) and the new ones are added beside them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class NewClaim:
    id: str
    source: str
    sha256: str
    call: int | None
    title: str
    description: str
    confidence: str
    domain: str
    quotes: tuple[str, ...]
    model: str
    at: str
    stances: tuple[tuple[str, str, str], ...]  # (belief, stance, rationale)
    snapped_from: tuple[str | None, ...] = ()
    """Beside each quote, the model's wording if it was snapped onto the verbatim span."""


@dataclass(frozen=True)
class NewRejection:
    call: int | None
    source: str
    sha256: str
    title: str | None
    proposed: Any
    reasons: tuple[tuple[str, str], ...]  # (code, message)
    model: str
    duplicate_of: str | None
    at: str


def insert_claim(db: Database, claim: NewClaim) -> None:
    """An accepted claim and its stances (the id is deterministic: a re-run replaces it)."""
    db.execute(
        "INSERT OR REPLACE INTO claims (id, source, sha256, call, title, description, "
        "confidence, domain, quotes, model, created_at, superseded_at, snapped_from) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [
            claim.id,
            claim.source,
            claim.sha256,
            claim.call,
            claim.title,
            claim.description,
            claim.confidence,
            claim.domain,
            json.dumps(list(claim.quotes)),
            claim.model,
            claim.at,
            json.dumps(list(claim.snapped_from)) if any(claim.snapped_from) else None,
        ],
    )
    db.execute("DELETE FROM claim_beliefs WHERE claim = ?", [claim.id])
    for belief, stance, rationale in claim.stances:
        db.execute(
            "INSERT OR REPLACE INTO claim_beliefs (claim, belief, stance, rationale) "
            "VALUES (?, ?, ?, ?)",
            [claim.id, belief, stance, rationale],
        )


def insert_claim_evidence(
    db: Database,
    claim_id: str,
    source: str,
    sha256: str,
    quotes: Sequence[str],
    at: str,
    snapped_from: Sequence[str | None] = (),
) -> None:
    """Quotes of another proposal that repeated `claim_id`: further evidence for it (with the
    model's wording of each one that was snapped)."""
    originals = list(snapped_from) or [None] * len(quotes)
    for quote, original in zip(quotes, originals, strict=True):
        db.execute(
            "INSERT INTO claim_evidence (claim, source, sha256, quote, at, snapped_from) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [claim_id, source, sha256, quote, at, original],
        )


def insert_rejection(db: Database, rejection: NewRejection) -> None:
    db.execute(
        "INSERT INTO rejections (call, source, sha256, claim_title, proposed, reasons, model, "
        "duplicate_of, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            rejection.call,
            rejection.source,
            rejection.sha256,
            rejection.title,
            json.dumps(rejection.proposed, default=str, ensure_ascii=False),
            json.dumps([{"code": code, "message": message} for code, message in rejection.reasons]),
            rejection.model,
            rejection.duplicate_of,
            rejection.at,
        ],
    )


def live_claim_titles(db: Database) -> list[tuple[str, str, str]]:
    """(id, title, source) of every live accepted claim, by id."""
    return [
        (row[0], row[1], row[2])
        for row in db.execute(
            "SELECT id, title, source FROM claims WHERE superseded_at IS NULL ORDER BY id"
        )
    ]


def superseded_claim_ids(db: Database, source_id: str) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT id FROM claims WHERE source = ? AND superseded_at IS NOT NULL", [source_id]
        )
    ]


def stances_by_claim(db: Database) -> dict[str, list[tuple[str, str, str]]]:
    """claim id -> [(belief, stance, rationale)], beliefs in id order."""
    stances: dict[str, list[tuple[str, str, str]]] = {}
    for claim, belief, stance, rationale in db.execute(
        "SELECT claim, belief, stance, rationale FROM claim_beliefs ORDER BY claim, belief"
    ):
        stances.setdefault(claim, []).append((belief, stance, rationale))
    return stances


def live_claims(
    db: Database, source: str | None = None, belief: str | None = None
) -> list[dict[str, Any]]:
    """Live accepted claims (id, title, confidence, source, description, quotes), by source."""
    sql = (
        "SELECT id, title, confidence, source, description, quotes, snapped_from FROM claims "
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
    return [
        {
            "id": r[0],
            "title": r[1],
            "confidence": r[2],
            "source": r[3],
            "description": r[4],
            "quotes": json.loads(r[5]),
            "snapped_from": json.loads(r[6]) if r[6] else [None] * len(json.loads(r[5])),
        }
        for r in db.execute(sql, params).fetchall()
    ]


def beliefs_of_claims(db: Database, claim_ids: Sequence[str]) -> list[str]:
    """The beliefs these claims take a stance on, in id order."""
    if not claim_ids:
        return []
    marks = ", ".join("?" for _ in claim_ids)
    return [
        row[0]
        for row in db.execute(
            f"SELECT DISTINCT belief FROM claim_beliefs WHERE claim IN ({marks}) ORDER BY belief",
            list(claim_ids),
        )
    ]


def rejections(
    db: Database, source: str | None = None, since: str | None = None, model: str | None = None
) -> list[dict[str, Any]]:
    """The rejection log, oldest first, superseded rows included (flagged)."""
    sql = (
        "SELECT at, source, claim_title, reasons, model, duplicate_of, superseded_at "
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
    return [
        {
            "at": r[0],
            "source": r[1],
            "claim": r[2],
            "reasons": json.loads(r[3]),
            "model": r[4],
            "duplicate_of": r[5],
            "superseded": r[6] is not None,
        }
        for r in db.execute(sql, params).fetchall()
    ]


def live_proposals(
    db: Database, since: str | None = None, model: str | None = None, source: str | None = None
) -> Iterator[tuple[str, str, str, list[Any] | None]]:
    """Every live proposal as (outcome, model, source format, reasons): accepted claims first."""
    queries = (
        ("accepted", "claims", "created_at", "NULL"),
        ("rejected", "rejections", "at", "x.reasons"),
    )
    for outcome, table, at_column, reasons_column in queries:
        sql = (
            f"SELECT x.model, COALESCE(s.format, 'unknown'), {reasons_column} FROM {table} x "
            "LEFT JOIN sources s ON s.id = x.source WHERE x.superseded_at IS NULL"
        )
        params: list[str] = []
        filters = (("model", "=", model), ("source", "=", source), (at_column, ">=", since))
        for column, operator, value in filters:
            if value:
                sql += f" AND x.{column} {operator} ?"
                params.append(value)
        for row_model, row_format, row_reasons in db.execute(sql, params):
            yield outcome, row_model, row_format, json.loads(row_reasons) if row_reasons else None


def live_titles_of_source(db: Database, source_id: str) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT title FROM claims WHERE source = ? AND superseded_at IS NULL", [source_id]
        )
    ]


def live_rejections_of_source(
    db: Database, source_id: str
) -> list[tuple[str | None, list[Any], str | None, str | None]]:
    """(title, reasons, duplicate_of, source of the repeated claim) of one source, in order."""
    return [
        (title, json.loads(reasons), duplicate_of, original_source)
        for title, reasons, duplicate_of, original_source in db.execute(
            "SELECT r.claim_title, r.reasons, r.duplicate_of, c.source FROM rejections r "
            "LEFT JOIN claims c ON c.id = r.duplicate_of "
            "WHERE r.source = ? AND r.superseded_at IS NULL ORDER BY r.id",
            [source_id],
        )
    ]


EXPORT_KEYS = (
    "id",
    "title",
    "description",
    "confidence",
    "domain",
    "quotes",
    "created_at",
    "model",
    "source",
    "source_title",
    "source_date",
    "source_frontmatter",
)


def live_claims_with_sources(db: Database) -> list[dict[str, Any]]:
    """Live claims joined to their source's title, date and frontmatter (for export), by id."""
    rows = db.execute(
        "SELECT c.id, c.title, c.description, c.confidence, c.domain, c.quotes, c.created_at, "
        "c.model, c.source, s.title, s.date, s.frontmatter FROM claims c "
        "LEFT JOIN sources s ON s.id = c.source WHERE c.superseded_at IS NULL ORDER BY c.id"
    ).fetchall()
    out = []
    for row in rows:
        item = dict(zip(EXPORT_KEYS, row, strict=True))
        item["quotes"] = json.loads(item["quotes"])
        item["source_frontmatter"] = json.loads(item["source_frontmatter"] or "{}")
        out.append(item)
    return out


def rename_belief_links(db: Database, old: str, new: str) -> None:
    """Point claims' stances on a renamed belief at its new id."""
    db.execute("UPDATE claim_beliefs SET belief = ? WHERE belief = ?", [new, old])
