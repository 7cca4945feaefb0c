"""Model calls as the audit trail keeps them: every attempt, its reply or error, tokens, cost.

Rejections are data: an auditor must be able to see exactly what a model said and which prompt
made it say it, so every attempt of every extraction is a row here, replies from the cache too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from store.database import write_transaction


@dataclass
class CallRecord:
    """One attempt at one model call, as recorded."""

    prompt_name: str
    prompt_hash: str
    model: str
    attempt: int
    raw_reply: str | None
    error: str | None
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: float
    messages_sha256: str | None = None
    cached: bool = False
    cost_usd: float | None = None
    at: str | None = None
    """When this attempt was made (each retry its own time); None: the landing's time."""
    sampling: str | None = None
    """JSON of the sampling sent ({"temperature", "max_tokens", "seed"}); None: none (offline,
    replay, or a record from before m011)."""


def insert_call(
    db: Database, source_id: str, sha256: str, call: CallRecord, now: str
) -> int | None:
    """One attempt; returns its row id (rejections and claims point at the call behind them)."""
    cursor = db.execute(
        "INSERT INTO model_calls (source, sha256, prompt_name, prompt_hash, model, attempt, "
        "raw_reply, error, input_tokens, output_tokens, latency_ms, at, messages_sha256, cached, "
        "cost_usd, sampling) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            source_id,
            sha256,
            call.prompt_name,
            call.prompt_hash,
            call.model,
            call.attempt,
            call.raw_reply,
            call.error,
            call.input_tokens,
            call.output_tokens,
            call.latency_ms,
            call.at or now,
            call.messages_sha256,
            int(call.cached),
            call.cost_usd,
            call.sampling,
        ],
    )
    return cursor.lastrowid


def record_failed_calls(
    db: Database, source_id: str, sha256: str, calls: Sequence[CallRecord], now: str
) -> None:
    """Keep the attempts of a source whose provider stayed down (the source itself stays new)."""
    with write_transaction(db):
        for call in calls:
            insert_call(db, source_id, sha256, call, now)


def calls_of_content(db: Database, source_id: str, sha256: str) -> list[CallRecord]:
    """Every recorded attempt for this content of the source, in the order they were made."""
    rows = db.execute(
        "SELECT prompt_name, prompt_hash, model, attempt, raw_reply, error, input_tokens, "
        "output_tokens, latency_ms, messages_sha256, cached, cost_usd, at, sampling "
        "FROM model_calls WHERE source = ? AND sha256 = ? ORDER BY id",
        [source_id, sha256],
    ).fetchall()
    return [
        CallRecord(*r[:10], bool(r[10]), r[11], r[12], r[13])  # type: ignore[misc]
        for r in rows
    ]


REPLY_KEYS = (
    "messages_sha256",
    "reply",
    "model",
    "prompt_name",
    "prompt_hash",
    "source",
    "sha256",
    "input_tokens",
    "output_tokens",
    "at",
)


def current_replies(
    db: Database, source: str | None = None, model: str | None = None
) -> list[dict[str, Any]]:
    """Recorded replies of each source's current content (what `replay:FILE` needs), in order."""
    sql = (
        "SELECT c.messages_sha256, c.raw_reply, c.model, c.prompt_name, c.prompt_hash, c.source, "
        "c.sha256, c.input_tokens, c.output_tokens, c.at FROM model_calls c "
        "JOIN sources s ON s.id = c.source AND s.sha256 = c.sha256 "
        "WHERE c.raw_reply IS NOT NULL AND c.messages_sha256 IS NOT NULL"
    )
    params: list[str] = []
    if source:
        sql += " AND c.source = ?"
        params.append(source)
    if model:
        sql += " AND c.model = ?"
        params.append(model)
    sql += " ORDER BY c.id"
    return [dict(zip(REPLY_KEYS, row, strict=True)) for row in db.execute(sql, params).fetchall()]
