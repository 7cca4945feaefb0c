"""Landing one source: its model calls, verdicts, claims, rejections and events in one transaction.

This is the unit of work the contract's crash and idempotence rules are about. Everything a source
contributes is written inside one `write_transaction`, so after a `kill -9` the database holds
either all of it or none of it, and the next run redoes exactly what is missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from agent.extraction import CallRecord, Extraction
from agent.ledger import (
    StanceEvidence,
    append_events,
    plan_events,
    store_credences,
    supersede_source,
)
from agent.validate import Reason, ValidClaim, Verdict, malformed_output_reason, validate_claim
from beliefs.register import Register
from beliefs.rule import RuleSettings
from store.archive import Source
from store.database import write_transaction

DUPLICATE_SIMILARITY = 0.92


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def claim_id(source_id: str, title: str) -> str:
    """Deterministic, so a re-run after a crash writes the same ids."""
    digest = hashlib.sha256(f"{source_id}\n{title.strip().casefold()}".encode()).hexdigest()
    return f"C{digest[:12]}"


def source_text(source: Source) -> str:
    """The text a model sees and quotes are checked against: the body, after any frontmatter."""
    return source.body


def source_row(source: Source, **fields: Any) -> dict[str, Any]:
    """The `sources` row of a source as read; callers add tracker's own status fields."""
    return {
        "id": source.id,
        "path": str(source.path),
        "sha256": source.content_hash,
        "title": source.title,
        "date": source.date,
        "date_sort": source.date_sort,
        "format": source.format,
        "frontmatter": json.dumps(source.frontmatter, default=str),
        **fields,
    }


def insert_call(db: Database, source: Source, call: CallRecord, now: str) -> int | None:
    """One model call as the audit trail keeps it: every attempt, reply or error, tokens, cost."""
    cursor = db.execute(
        "INSERT INTO model_calls (source, sha256, prompt_name, prompt_hash, model, attempt, "
        "raw_reply, error, input_tokens, output_tokens, latency_ms, at, messages_sha256, cached, "
        "cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            source.id,
            source.content_hash,
            call.prompt_name,
            call.prompt_hash,
            call.model,
            call.attempt,
            call.raw_reply,
            call.error,
            call.input_tokens,
            call.output_tokens,
            call.latency_ms,
            now,
            call.messages_sha256,
            int(call.cached),
            call.cost_usd,
        ],
    )
    return cursor.lastrowid


def record_failed_calls(db: Database, source: Source, calls: list[CallRecord]) -> None:
    """Keep the attempts of a source whose provider stayed down (the source itself stays new)."""
    now = now_iso()
    with write_transaction(db):
        for call in calls:
            insert_call(db, source, call, now)


class DuplicateIndex:
    """Live accepted claims by title vector; near-duplicates become evidence for the original."""

    def __init__(self, embedder: Any, ids: list[str], sources: list[str], vectors: np.ndarray):
        self.embedder = embedder
        self.ids = ids
        self.sources = sources
        self.vectors = vectors

    def find_duplicate(self, title: str, exclude_source: str) -> str | None:
        """The closest live claim of another source at or above DUPLICATE_SIMILARITY."""
        if not self.ids:
            return None
        scores = self.vectors @ self.embedder.embed([title])[0]
        for best in np.argsort(-scores, kind="stable"):
            if float(scores[best]) < DUPLICATE_SIMILARITY:
                return None
            if self.sources[best] != exclude_source:
                return self.ids[best]
        return None

    def add(self, claim: str, source: str, vector: np.ndarray) -> None:
        self.ids.append(claim)
        self.sources.append(source)
        row = vector[None, :].astype(np.float32)
        self.vectors = row if self.vectors.size == 0 else np.vstack([self.vectors, row])


@dataclass
class Landing:
    """What one source's transaction recorded, for the run's report and the vector index."""

    proposed: int = 0
    rejected: int = 0
    codes: list[str] = field(default_factory=list)
    accepted: list[tuple[str, ValidClaim, np.ndarray]] = field(default_factory=list)
    stances: list[StanceEvidence] = field(default_factory=list)
    batch_titles: dict[str, str] = field(default_factory=dict)


class SourceLander:
    """Validates one source's reply and writes everything it yields in one transaction."""

    def __init__(
        self,
        db: Database,
        register: Register,
        rule: RuleSettings,
        model_name: str,
        embedder: Any,
        duplicates: DuplicateIndex,
    ) -> None:
        self.db = db
        self.register = register
        self.rule = rule
        self.model_name = model_name
        self.embedder = embedder
        self.duplicates = duplicates

    def land(self, source: Source, extraction: Extraction) -> Landing:
        now = now_iso()
        landing = Landing()
        with write_transaction(self.db):
            if self.db.execute("SELECT 1 FROM sources WHERE id = ?", [source.id]).fetchone():
                supersede_source(self.db, source.id, source.content_hash, now)
            call_ids = [self._record_call(source, call, now) for call in extraction.calls]
            last_call = call_ids[-1] if call_ids else None
            if extraction.reply is None:
                reason = malformed_output_reason(extraction.malformed or "no reply")
                self._reject(source, landing, last_call, None, None, [reason], None, now)
                notes = (
                    f"model reply stayed malformed after {len(extraction.calls)} attempts: "
                    f"{reason.message}"
                )
            else:
                for proposed in extraction.reply.claims:
                    verdict = validate_claim(
                        proposed,
                        source_text(source),
                        self.register.ids,
                        _Finder(self.duplicates, landing.batch_titles, source.id),
                        quote_text_extra=source.title,
                    )
                    self._apply(source, verdict, landing, last_call, now)
                notes = (
                    f"{self.model_name} returned {landing.proposed} claims, "
                    f"{landing.rejected} rejected by validator"
                )
                if extraction.reply.notes:
                    notes += f". Model notes: {extraction.reply.notes}"
            planned = plan_events(landing.stances, source.format, self.rule)
            append_events(
                self.db,
                self.register,
                self.rule,
                source.id,
                source.content_hash,
                source.format,
                planned,
                now,
            )
            store_credences(self.db, self.register, self.rule, now, source.id)
            self.db["sources"].upsert(
                source_row(
                    source,
                    status="processed" if landing.accepted else "null-result",
                    duplicate_of=None,
                    error=None,
                    claims_extracted=json.dumps([claim.title for _, claim, _ in landing.accepted]),
                    extraction_model=self.model_name,
                    extraction_notes=notes,
                    processed_at=now,
                    written_back=0,
                ),
                pk="id",
                alter=False,
            )
        return landing

    def _record_call(self, source: Source, call: CallRecord, now: str) -> int | None:
        return insert_call(self.db, source, call, now)

    def _apply(
        self, source: Source, verdict: Verdict, landing: Landing, call: int | None, now: str
    ) -> None:
        claim = verdict.claim
        if verdict.accepted and claim is not None:
            landing.proposed += 1
            cid = claim_id(source.id, claim.title)
            self._insert_claim(source, cid, claim, call, now)
            landing.accepted.append((cid, claim, self.embedder.embed([claim.title])[0]))
            landing.batch_titles[claim.title.strip().casefold()] = cid
            _collect_stances(cid, claim, landing.stances)
            return
        title = None
        if isinstance(verdict.proposed, dict):
            title = str(verdict.proposed.get("title", ""))[:500] or None
        self._reject(
            source,
            landing,
            call,
            title,
            verdict.proposed,
            list(verdict.reasons),
            verdict.duplicate_of,
            now,
        )
        if verdict.duplicate_of and claim is not None:
            # A repeat is further evidence for the claim it repeats, from this source.
            for quote in claim.quotes:
                self.db.execute(
                    "INSERT INTO claim_evidence (claim, source, sha256, quote, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [verdict.duplicate_of, source.id, source.content_hash, quote, now],
                )
            _collect_stances(verdict.duplicate_of, claim, landing.stances)

    def _insert_claim(
        self, source: Source, cid: str, claim: ValidClaim, call: int | None, now: str
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO claims (id, source, sha256, call, title, description, "
            "confidence, domain, quotes, model, created_at, superseded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                cid,
                source.id,
                source.content_hash,
                call,
                claim.title,
                claim.description,
                claim.confidence,
                claim.domain,
                json.dumps(list(claim.quotes)),
                self.model_name,
                now,
            ],
        )
        self.db.execute("DELETE FROM claim_beliefs WHERE claim = ?", [cid])
        for stance in claim.beliefs:
            self.db.execute(
                "INSERT OR REPLACE INTO claim_beliefs (claim, belief, stance, rationale) "
                "VALUES (?, ?, ?, ?)",
                [cid, stance.belief_id, stance.stance, stance.rationale],
            )

    def _reject(
        self,
        source: Source,
        landing: Landing,
        call: int | None,
        title: str | None,
        proposed: Any,
        reasons: list[Reason],
        duplicate_of: str | None,
        now: str,
    ) -> None:
        landing.proposed += 1
        landing.rejected += 1
        landing.codes.extend(r.code for r in reasons)
        self.db.execute(
            "INSERT INTO rejections (call, source, sha256, claim_title, proposed, reasons, model, "
            "duplicate_of, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                call,
                source.id,
                source.content_hash,
                title,
                json.dumps(proposed, default=str, ensure_ascii=False),
                json.dumps([{"code": r.code, "message": r.message} for r in reasons]),
                self.model_name,
                duplicate_of,
                now,
            ],
        )


class _Finder:
    """Duplicates among live claims of other sources and this source's own accepted claims."""

    def __init__(self, index: DuplicateIndex, batch_titles: dict[str, str], source_id: str):
        self.index = index
        self.batch_titles = batch_titles
        self.source_id = source_id

    def find_duplicate(self, title: str, description: str) -> str | None:
        key = title.strip().casefold()
        if key in self.batch_titles:
            return self.batch_titles[key]
        return self.index.find_duplicate(title, exclude_source=self.source_id)


def _collect_stances(cid: str, claim: ValidClaim, stances: list[StanceEvidence]) -> None:
    for stance in claim.beliefs:
        stances.append(
            StanceEvidence(
                cid,
                claim.title,
                claim.confidence,
                stance.belief_id,
                stance.stance,
                stance.rationale,
            )
        )
