"""`tracker process`: archive -> vector index -> model -> validator -> ledger -> write-back.

One source is one unit of work: its model calls, claims, rejections, events and credences land in
one SQLite transaction or not at all. Vector ids are deterministic, so whatever reached Chroma
before a crash is simply overwritten by the next run. Write-back to the file happens after the
commit and is remembered (`written_back`), so a run killed in between finishes it next time.

What tracker has done is decided by its own records (the content hash), never by the status a file
carries.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agent.config import Settings
from agent.extraction import Extraction, ProviderError, extract
from agent.ledger import (
    StanceEvidence,
    append_events,
    plan_events,
    store_credences,
    supersede_source,
)
from agent.models import check_model_spec, make_chat_model
from agent.prompt_blocks import BeliefView, beliefs_block, source_block
from agent.prompts import load_prompt
from agent.validate import ValidClaim, Verdict, malformed_output_reason, validate_claim
from agent.workspace import Workspace, open_workspace, process_lock
from beliefs.errors import TrackerError
from store.archive import Source, SourceWriteError, scan_archive, write_back
from store.chunking import chunk_text

DONE_STATUSES = ("processed", "null-result")
DUPLICATE_SIMILARITY = 0.92
RELATED_CLAIMS = 5


@dataclass
class ProcessOptions:
    archives: Sequence[Path]
    only_unprocessed: bool = False
    write_back: bool = True


@dataclass
class ProcessReport:
    """The numbers `process --json` prints; the identities of the contract hold by construction."""

    sources_seen: int = 0
    processed: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    claims_proposed: int = 0
    claims_accepted: int = 0
    claims_rejected: int = 0
    duplicates: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected_by_code: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "sources_seen": self.sources_seen,
            "processed": self.processed,
            "skipped": self.skipped,
            "failed": self.failed,
            "claims_proposed": self.claims_proposed,
            "claims_accepted": self.claims_accepted,
            "claims_rejected": self.claims_rejected,
            "duplicates": self.duplicates,
            "warnings": self.warnings,
        }


Progress = Callable[[int, int, str], None]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def claim_id(source_id: str, title: str) -> str:
    """Deterministic, so a re-run after a crash writes the same ids."""
    import hashlib

    digest = hashlib.sha256(f"{source_id}\n{title.strip().casefold()}".encode()).hexdigest()
    return f"C{digest[:12]}"


def source_text(source: Source) -> str:
    """The text a model sees and quotes are checked against: the body, after any frontmatter."""
    return source.body


def extract_prompt_values(source: Source, beliefs_text: str, related_text: str) -> dict[str, str]:
    """Everything `prompts/extract.md` is filled with (a test checks the names match)."""
    return {
        "beliefs_block": beliefs_text,
        "related_claims": related_text or "(none yet)",
        "source_block": source_block(source.id, source.title, source_text(source)),
        "domain": source.domain or "ai-alignment",
    }


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


def process(
    settings: Settings,
    options: ProcessOptions,
    embedder_factory: Callable[[], Any] | None = None,
    progress: Progress | None = None,
) -> ProcessReport:
    """Run one `tracker process` over the given archives and return its report."""
    check_model_spec(settings.llm)
    workspace = open_workspace(settings)
    with process_lock(settings.home):
        return _Run(workspace, options, embedder_factory, progress).run()


class _Run:
    def __init__(
        self,
        ws: Workspace,
        options: ProcessOptions,
        embedder_factory: Callable[[], Any] | None,
        progress: Progress | None,
    ) -> None:
        self.ws = ws
        self.db = ws.db
        self.options = options
        self.report = ProcessReport()
        self.embedder_factory = embedder_factory
        self.progress = progress
        self._embedder: Any = None
        self._index: Any = None

    # -- lazily built heavy parts -------------------------------------------------------------
    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            if self.embedder_factory is not None:
                self._embedder = self.embedder_factory()
            else:
                from store.embedder import MiniLMEmbedder

                self._embedder = MiniLMEmbedder()
        return self._embedder

    @property
    def index(self) -> Any:
        if self._index is None:
            from store.vectors import VectorIndex

            settings = self.ws.settings
            self._index = VectorIndex.open(
                settings.chroma_path, settings.chroma_url, self.embedder.name
            )
        return self._index

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> ProcessReport:
        scan = scan_archive(self.options.archives)
        self.report.warnings.extend(scan.warnings)
        for failure in scan.failures:
            self.report.failed.append({"path": str(failure.path), "error": failure.error})
        todo = self._classify(scan.sources)
        for source in todo:
            self.report.warnings.extend(f"{source.path}: {problem}" for problem in source.problems)
        self.report.sources_seen = (
            self.report.processed + self.report.skipped + len(self.report.failed) + len(todo)
        )
        if todo:
            self._embed_chunks(todo)
            duplicates = self._duplicate_index()
            self._process_all(todo, duplicates)
        return self.report

    def _classify(self, sources: list[Source]) -> list[Source]:
        """Split sources into skipped (known content), duplicates, and work to do."""
        known = {
            row[0]: (row[1], row[2])
            for row in self.db.execute("SELECT id, sha256, status FROM sources")
        }
        by_hash: dict[str, str] = {
            row[1]: row[0]
            for row in self.db.execute(
                "SELECT id, sha256 FROM sources WHERE status IN ('processed', 'null-result') "
                "ORDER BY id"
            )
        }
        todo: list[Source] = []
        batch_hashes: dict[str, Source] = {}
        for source in sources:
            if self.options.only_unprocessed and not source.is_unprocessed():
                continue
            previous = known.get(source.id)
            if previous and previous[0] == source.content_hash and previous[1] in DONE_STATUSES:
                self.report.skipped += 1
                self._finish_write_back(source)
                continue
            first_id = by_hash.get(source.content_hash)
            first_in_batch = batch_hashes.get(source.content_hash)
            if (first_id and first_id != source.id) or first_in_batch is not None:
                same_as = first_in_batch.id if first_in_batch is not None else first_id
                self._record_duplicate(source, str(same_as))
                continue
            batch_hashes[source.content_hash] = source
            todo.append(source)
        return todo

    def _record_duplicate(self, source: Source, same_as: str) -> None:
        """Count a copy once; if this id held other content before, that evidence is retired."""
        self.report.skipped += 1
        self.report.duplicates.append({"path": str(source.path), "same_as": same_as})
        self.report.warnings.append(
            f"{source.path}: same content as source {same_as}; counted once"
        )
        now = _now()
        with self.db.atomic():
            if supersede_source(self.db, source.id, source.content_hash, now):
                store_credences(self.db, self.ws.register, self.ws.rule, now)
            self.db["sources"].upsert(
                source_row(source, status="duplicate", duplicate_of=same_as, processed_at=now),
                pk="id",
                alter=False,
            )

    def _embed_chunks(self, todo: list[Source]) -> None:
        """Embed every new source's chunks in one batch (the model is fastest that way)."""
        per_source = [(source, chunk_text(source_text(source))) for source in todo]
        texts = [chunk.text for _, chunks in per_source for chunk in chunks]
        vectors = self.embedder.embed(texts)
        self._source_vectors: dict[str, np.ndarray] = {}
        offset = 0
        for source, chunks in per_source:
            block = vectors[offset : offset + len(chunks)]
            offset += len(chunks)
            self.index.replace_source_chunks(source.id, source.content_hash, chunks, block)
            if len(chunks):
                mean = block.mean(axis=0)
                norm = float(np.linalg.norm(mean))
                self._source_vectors[source.id] = mean / norm if norm else mean

    def _duplicate_index(self) -> DuplicateIndex:
        """Live accepted claims with their title vectors (the embedder caches repeats)."""
        rows = self.db.execute(
            "SELECT id, title, source FROM claims WHERE superseded_at IS NULL ORDER BY id"
        ).fetchall()
        ids = [r[0] for r in rows]
        vectors = np.zeros((0, 0), dtype=np.float32)
        if ids:
            vectors = self.embedder.embed([r[1] for r in rows])
            # Chroma may lag the database after a crash between commit and upsert: resync it.
            self.index.add_claims(ids, [r[1] for r in rows], [r[2] for r in rows], vectors)
        return DuplicateIndex(self.embedder, ids, [r[2] for r in rows], vectors)

    def _process_all(self, todo: list[Source], duplicates: DuplicateIndex) -> None:
        template = load_prompt("extract")
        model = make_chat_model(self.ws.settings.llm, self.embedder)
        views = [BeliefView(b.id, b.statement, b.disconfirmation) for b in self.ws.register.beliefs]
        beliefs_text = beliefs_block(views)
        for number, source in enumerate(todo, start=1):
            if self.progress:
                self.progress(number, len(todo), source.id)
            related = []
            if source.id in self._source_vectors:
                related = self.index.related_claims(
                    self._source_vectors[source.id], RELATED_CLAIMS, source.id
                )
            related_text = "\n".join(f"- {hit.title} (from {hit.source})" for hit in related)
            prompt = template.render(**extract_prompt_values(source, beliefs_text, related_text))
            try:
                extraction = extract(model, self.ws.settings.llm, template, prompt)
            except ProviderError as exc:
                self._record_failure(source, str(exc))
                continue
            try:
                self._land(source, extraction, duplicates)
            except TrackerError as exc:
                self._record_failure(source, str(exc))

    def _record_failure(self, source: Source, error: str) -> None:
        self.report.failed.append({"path": str(source.path), "error": error})

    # -- one source, one transaction ---------------------------------------------------------
    def _land(self, source: Source, extraction: Extraction, duplicates: DuplicateIndex) -> None:
        now = _now()
        register = self.ws.register
        text = source_text(source)
        verdicts: list[Verdict] = []
        accepted: list[tuple[str, ValidClaim]] = []
        stances: list[StanceEvidence] = []
        new_vectors: list[tuple[str, ValidClaim, np.ndarray]] = []
        batch_titles: dict[str, str] = {}

        class _Finder:
            """Duplicates among live claims and among this source's own accepted claims."""

            def find_duplicate(self, title: str, description: str) -> str | None:
                key = title.strip().casefold()
                if key in batch_titles:
                    return batch_titles[key]
                return duplicates.find_duplicate(title, exclude_source=source.id)

        finder = _Finder()
        model_name = self.ws.settings.llm
        with self.db.atomic():
            previous = self.db.execute(
                "SELECT sha256 FROM sources WHERE id = ?", [source.id]
            ).fetchone()
            if previous is not None:
                supersede_source(self.db, source.id, source.content_hash, now)
            call_ids = []
            for call in extraction.calls:
                cursor = self.db.execute(
                    "INSERT INTO model_calls (source, sha256, prompt_name, prompt_hash, model, "
                    "attempt, raw_reply, error, input_tokens, output_tokens, latency_ms, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    ],
                )
                call_ids.append(cursor.lastrowid)
            last_call = call_ids[-1] if call_ids else None
            notes = ""
            if extraction.reply is None:
                reason = malformed_output_reason(extraction.malformed or "no reply")
                self._insert_rejection(
                    source, last_call, None, None, [reason], model_name, None, now
                )
                self.report.claims_proposed += 1
                self.report.claims_rejected += 1
                self._count_codes([reason.code])
                notes = (
                    f"model reply stayed malformed after {len(extraction.calls)} attempts: "
                    f"{reason.message}"
                )
            else:
                for proposed in extraction.reply.claims:
                    verdict = validate_claim(
                        proposed, text, register.ids, finder, quote_text_extra=source.title
                    )
                    verdicts.append(verdict)
                    self._apply_verdict(
                        source,
                        verdict,
                        last_call,
                        now,
                        accepted,
                        stances,
                        new_vectors,
                        batch_titles,
                    )
                rejected = sum(1 for v in verdicts if not v.accepted)
                notes = (
                    f"{model_name} returned {len(verdicts)} claims, "
                    f"{rejected} rejected by validator"
                )
                if extraction.reply.notes:
                    notes += f". Model notes: {extraction.reply.notes}"
            planned = plan_events(stances, source.format, self.ws.rule)
            append_events(
                self.db,
                register,
                self.ws.rule,
                source.id,
                source.content_hash,
                source.format,
                planned,
                now,
            )
            store_credences(self.db, register, self.ws.rule, now)
            status = "processed" if accepted else "null-result"
            titles = [claim.title for _, claim in accepted]
            self.db["sources"].upsert(
                source_row(
                    source,
                    status=status,
                    duplicate_of=None,
                    error=None,
                    claims_extracted=json.dumps(titles),
                    extraction_model=model_name,
                    extraction_notes=notes,
                    processed_at=now,
                    written_back=0,
                ),
                pk="id",
                alter=False,
            )
        self.report.processed += 1
        for cid, _, vector in new_vectors:
            duplicates.add(cid, source.id, vector)
        if new_vectors:
            self.index.add_claims(
                [cid for cid, _, _ in new_vectors],
                [claim.title for _, claim, _ in new_vectors],
                [source.id] * len(new_vectors),
                np.stack([vec for _, _, vec in new_vectors]),
            )
        stale = [
            row[0]
            for row in self.db.execute(
                "SELECT id FROM claims WHERE source = ? AND superseded_at IS NOT NULL", [source.id]
            )
        ]
        self.index.remove_claims([cid for cid in stale if cid not in {c for c, _ in accepted}])
        self._finish_write_back(source)

    def _apply_verdict(
        self,
        source: Source,
        verdict: Verdict,
        call: int | None,
        now: str,
        accepted: list[tuple[str, ValidClaim]],
        stances: list[StanceEvidence],
        new_vectors: list[tuple[str, ValidClaim, np.ndarray]],
        batch_titles: dict[str, str],
    ) -> None:
        self.report.claims_proposed += 1
        claim = verdict.claim
        if verdict.accepted and claim is not None:
            cid = claim_id(source.id, claim.title)
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
                    self.ws.settings.llm,
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
            accepted.append((cid, claim))
            batch_titles[claim.title.strip().casefold()] = cid
            new_vectors.append((cid, claim, self.embedder.embed([claim.title])[0]))
            self._collect_stances(cid, claim, stances)
            self.report.claims_accepted += 1
            return
        self.report.claims_rejected += 1
        self._count_codes([r.code for r in verdict.reasons])
        title = None
        if isinstance(verdict.proposed, dict):
            title = str(verdict.proposed.get("title", ""))[:500] or None
        self._insert_rejection(
            source,
            call,
            title,
            verdict.proposed,
            list(verdict.reasons),
            self.ws.settings.llm,
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
            self._collect_stances(verdict.duplicate_of, claim, stances)

    @staticmethod
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

    def _count_codes(self, codes: list[str]) -> None:
        for code in codes:
            self.report.rejected_by_code[code] = self.report.rejected_by_code.get(code, 0) + 1

    def _insert_rejection(
        self,
        source: Source,
        call: int | None,
        title: str | None,
        proposed: Any,
        reasons: list[Any],
        model: str,
        duplicate_of: str | None,
        now: str,
    ) -> None:
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
                model,
                duplicate_of,
                now,
            ],
        )

    # -- write-back ----------------------------------------------------------------------------
    def _finish_write_back(self, source: Source) -> None:
        """Write tracker's status into the file once, after the work is committed."""
        if not self.options.write_back:
            return
        row = self.db.execute(
            "SELECT status, claims_extracted, extraction_model, extraction_notes, processed_at, "
            "written_back, sha256 FROM sources WHERE id = ?",
            [source.id],
        ).fetchone()
        if row is None or row[5] or row[0] not in DONE_STATUSES or row[6] != source.content_hash:
            return
        updates = {
            "status": row[0],
            "processed_by": self.ws.register.agent,
            "processed_date": str(row[4])[:10],
            "claims_extracted": json.loads(row[1] or "[]"),
            "extraction_model": row[2],
            "extraction_notes": row[3],
        }
        try:
            write_back(source, updates)
        except SourceWriteError as exc:
            self.report.warnings.append(str(exc))
            return
        self.db.execute("UPDATE sources SET written_back = 1 WHERE id = ?", [source.id])
        self.db.conn.commit()
