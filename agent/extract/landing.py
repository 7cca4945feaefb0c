"""Landing one source: its model calls, verdicts, claims, rejections and events in one transaction.

This is the unit of work the contract's crash and idempotence rules are about. Everything a source
contributes is written inside one `write_transaction`, so after a `kill -9` the database holds
either all of it or none of it, and the next run redoes exactly what is missing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from agent.credences import store_credences
from agent.extract.events import StanceEvidence, append_events, plan_events
from agent.extract.extraction import CallRecord, Extraction
from agent.extract.routing import Route, in_passing, qualify_belief_ids, source_domains
from agent.extract.validate import (
    Reason,
    ValidClaim,
    Verdict,
    malformed_output_reason,
    validate_claim,
)
from agent.llm.caller import now_iso
from agent.text.curation import split_curation
from beliefs.register import Register
from beliefs.rule import RuleSettings
from store.archive import Source
from store.calls import insert_call
from store.claims import (
    NewClaim,
    NewRejection,
    insert_claim,
    insert_claim_evidence,
    insert_rejection,
)
from store.database import write_transaction
from store.ledger import supersede_source
from store.sources import source_exists, source_row, upsert_source

DUPLICATE_SIMILARITY = 0.92


def claim_id(source_id: str, title: str) -> str:
    """Deterministic, so a re-run after a crash writes the same ids."""
    digest = hashlib.sha256(f"{source_id}\n{title.strip().casefold()}".encode()).hexdigest()
    return f"C{digest[:12]}"


def source_text(source: Source) -> str:
    """The text a model sees and quotes are checked against: the body, after any frontmatter,
    less the curators' sections (notes, hints, connections: `agent.text.curation`)."""
    return split_curation(source.body).evidence


def curator_text(source: Source) -> str:
    """The curators' sections of the body, which a quote must not come from."""
    return split_curation(source.body).notes


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

    def land(
        self,
        source: Source,
        extraction: Extraction,
        recorded: dict[str, Any] | None = None,
        route: Route | None = None,
    ) -> Landing:
        """Land one source; `recorded` adds fields to its `sources` row (view, signature).

        `route` says which beliefs the source was judged against (all of the register when not
        given): stances on any other belief are refused, a bare id names the one shown belief
        it can mean, and an unrouted source's note says why it moves nothing.
        """
        now = now_iso()
        shown = route.belief_ids if route is not None else self.register.ids
        passing = route.peripheral_belief_ids if route is not None else frozenset()
        landing = Landing()
        with write_transaction(self.db):
            if source_exists(self.db, source.id):
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
                        qualify_belief_ids(proposed, shown),
                        source_text(source),
                        shown,
                        _Finder(self.duplicates, landing.batch_titles, source.id),
                        quote_text_extra=source.title,
                        curator_text=curator_text(source),
                        whole_text=source.body,
                    )
                    self._apply(source, verdict, landing, last_call, now, passing)
                notes = (
                    f"{self.model_name} returned {landing.proposed} claims, "
                    f"{landing.rejected} rejected by validator"
                )
                if extraction.reply.repaired:
                    notes += f"; reply repaired: {extraction.reply.repaired}"
                if extraction.reply.notes:
                    notes += f". Model notes: {extraction.reply.notes}"
            if route is not None and (why := route.note(source_domains(source.frontmatter))):
                notes = f"{why}. {notes}"
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
            upsert_source(
                self.db,
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
                    **(recorded or {}),
                ),
            )
        return landing

    def _record_call(self, source: Source, call: CallRecord, now: str) -> int | None:
        return insert_call(self.db, source.id, source.content_hash, call, now)

    def _apply(
        self,
        source: Source,
        verdict: Verdict,
        landing: Landing,
        call: int | None,
        now: str,
        passing: frozenset[str] = frozenset(),
    ) -> None:
        claim = verdict.claim if verdict.claim is None else in_passing(verdict.claim, passing)
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
            insert_claim_evidence(
                self.db,
                verdict.duplicate_of,
                source.id,
                source.content_hash,
                claim.quotes,
                now,
                claim.snapped_from,
            )
            _collect_stances(verdict.duplicate_of, claim, landing.stances)

    def _insert_claim(
        self, source: Source, cid: str, claim: ValidClaim, call: int | None, now: str
    ) -> None:
        insert_claim(
            self.db,
            NewClaim(
                id=cid,
                source=source.id,
                sha256=source.content_hash,
                call=call,
                title=claim.title,
                description=claim.description,
                confidence=claim.confidence,
                domain=claim.domain,
                quotes=tuple(claim.quotes),
                snapped_from=claim.snapped_from,
                model=self.model_name,
                at=now,
                stances=tuple((s.belief_id, s.stance, s.rationale) for s in claim.beliefs),
            ),
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
        insert_rejection(
            self.db,
            NewRejection(
                call=call,
                source=source.id,
                sha256=source.content_hash,
                title=title,
                proposed=proposed,
                reasons=tuple((r.code, r.message) for r in reasons),
                model=self.model_name,
                duplicate_of=duplicate_of,
                at=now,
            ),
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
