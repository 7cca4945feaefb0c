"""`tracker process`: archive -> vector index -> model -> validator -> ledger -> write-back.

One source is one unit of work: its model calls, claims, rejections, events and credences land in
one SQLite transaction or not at all. Vector ids are deterministic, so whatever reached Chroma
before a crash is simply overwritten by the next run. Write-back to the file happens after the
commit and is remembered (`written_back`), so a run killed in between finishes it next time.

What tracker has done is decided by its own records (the content hash), never by the status a file
carries.

One bad source never stops the batch: whatever reading, chunking, prompting, extracting or landing
one source raises (a RecursionError, a MemoryError, an encoding error included) fails that source
alone, with one line naming it, and the run goes on to print its report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agent.config import Settings, prepare_model_environment
from agent.credences import store_credences
from agent.errors import ConfigError, TrackerError
from agent.extract.extraction import Extraction, Extractor, ProviderError
from agent.extract.landing import DuplicateIndex, Landing, SourceLander, now_iso, source_text
from agent.extract.present import Duplicate, Removal, plan_run, text_signature
from agent.extract.progress import Progress, ProgressUpdate
from agent.extract.register_sync import sync_register
from agent.extract.register_vectors import prime_register_vectors
from agent.extract.routing import Route, route_source
from agent.extract.writeback import plan_write_back
from agent.llm.policy import call_policy
from agent.llm.pricing import price_table
from agent.llm.prompt_blocks import source_block
from agent.llm.prompts import load_prompt
from agent.llm.providers import check_model_spec, is_remote, make_chat_model, sampling_sent
from agent.llm.secrets import redact
from agent.llm.summary import CallSummary
from agent.text.clean import summary_line
from agent.workspace import Workspace, open_workspace, process_lock
from beliefs.register import RegisterChanges
from store.archive import (
    Source,
    SourceWriteError,
    check_archive_paths,
    scan_archive,
    write_back,
)
from store.calls import record_failed_calls
from store.chunking import chunk_text
from store.chunks import replace_chunks
from store.claims import live_claim_titles, superseded_claim_ids
from store.database import write_transaction
from store.known_claims import known_claims, read_claim_notes, replace_known_claims
from store.ledger import supersede_source
from store.reply_cache import ReplyCache
from store.sources import (
    DONE_STATUSES,
    DUPLICATE,
    REMOVED,
    KnownSource,
    known_sources,
    mark_status,
    mark_written_back,
    source_row,
    upsert_source,
    write_back_record,
)


@dataclass
class ProcessOptions:
    archives: Sequence[Path]
    only_unprocessed: bool = False
    write_back: bool = True
    jobs: int = 1
    take_over: bool = False  # write tracker's values into curators' lifecycle keys too
    claims: Sequence[Path] = ()  # folders of known claim notes (besides a collective's own)
    follow_links: bool = False  # read links leading outside the roots (never written to)


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
    removed: list[dict[str, str | None]] = field(default_factory=list)
    unrouted_sources: list[str] = field(default_factory=list)
    curator_status_kept: int = 0
    warnings: list[str] = field(default_factory=list)
    rejected_by_code: dict[str, int] = field(default_factory=dict)
    calls: CallSummary = field(default_factory=lambda: CallSummary("offline"))
    register_changes: RegisterChanges | None = None
    evidence_events: int = 0

    def as_json(self) -> dict[str, Any]:
        """The contract's shape (with `unrouted`, the count of sources no holder covers), plus
        `unrouted_sources`, `duplicates`, `removed`, `curator_status_kept`, `register_changes`,
        `evidence_events`, `warnings` and `model_calls`."""
        data = asdict(self)
        del data["rejected_by_code"], data["calls"]
        data["model_calls"] = self.calls.as_json()
        data["unrouted"] = len(self.unrouted_sources)
        changes = self.register_changes
        data["register_changes"] = changes.as_json() if changes is not None else None
        return data


def extract_prompt_values(source: Source, beliefs_text: str) -> dict[str, str]:
    """Everything `prompts/extract.md` is filled with (a test checks the names match).

    The prompt is a function of the template, the register and the source alone, never of what
    other sources yielded: so the reply cache hits on any re-run, `replay:FILE` reproduces a run
    in a fresh workspace, and neither processing order nor `--jobs` changes what a model is asked.
    """
    return {
        "beliefs_block": beliefs_text,
        "source_block": source_block(source.title, source_text(source)),
        "domain": source.domain or "ai-alignment",
    }


def process(
    settings: Settings,
    options: ProcessOptions,
    embedder_factory: Callable[[], Any] | None = None,
    progress: Progress | None = None,
) -> ProcessReport:
    """Run one `tracker process` over the given archives and return its report."""
    check_model_spec(settings.llm, settings)
    check_archive_paths(options.archives)  # before anything is created: a typo makes nothing
    workspace = open_workspace(settings, for_process=True)
    with process_lock(settings.lock_path):
        return _Run(workspace, options, embedder_factory, progress).run()


def reland(
    settings: Settings,
    items: Sequence[tuple[Source, Extraction]],
    embedder_factory: Callable[[], Any] | None = None,
) -> ProcessReport:
    """Land extractions made earlier again (`revalidate --apply`), no model involved.

    The same path as a fresh extraction: one transaction per source, old records superseded,
    new events appended, the vector index and the file's frontmatter brought up to date.
    """
    workspace = open_workspace(settings, for_process=True)
    with process_lock(settings.lock_path):
        run = _Run(workspace, ProcessOptions(archives=[]), embedder_factory, None)
        duplicates = run._duplicate_index()
        for source, extraction in items:
            run._land(source, extraction, duplicates)
        return run.report


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
        self.report = ProcessReport(calls=CallSummary(ws.settings.llm))
        self.embedder_factory = embedder_factory
        self.progress = progress
        self._embedder: Any = None
        self._index: Any = None
        self._routes: dict[str, Route] = {}
        self._signatures: dict[str, bytes | None] = {}

    # -- lazily built heavy parts -------------------------------------------------------------
    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            if self.embedder_factory is not None:
                self._embedder = self.embedder_factory()
            else:
                from store.embedder import MiniLMEmbedder

                prepare_model_environment()
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
        self._sync_register()
        self._index_known_claims()
        known = known_sources(self.db)
        paths = {k.abspath: k.id for k in known.values() if k.abspath and k.status != REMOVED}
        scan = scan_archive(
            self.options.archives,
            paths,
            follow_links=self.options.follow_links,
            clean_temps=self.options.write_back,
        )
        self.report.warnings.extend(scan.warnings)
        for failure in scan.failures:
            self.report.failed.append({"path": str(failure.path), "error": failure.error})
        for source in scan.sources:  # signatures of contents tracker judged before are kept
            record = known.get(source.id)
            if record is not None and record.sha256 == source.content_hash and record.signature:
                self._signatures[source.content_hash] = record.signature
        plan = plan_run(
            scan.sources,
            {f.source_id for f in scan.failures if f.source_id},
            known,
            self.options.archives,
            lambda source: self._route(source).view_sha256,
            self._signature,
            (lambda s: s.is_unprocessed()) if self.options.only_unprocessed else lambda s: True,
        )
        for source in plan.unchanged:
            self.report.skipped += 1
            self._finish_write_back(source)
        for duplicate in plan.duplicates:
            try:
                self._record_duplicate(duplicate, known.get(duplicate.source.id))
            except Exception as exc:
                self._isolate(duplicate.source, exc)
        for removal in plan.removed:
            with self._warned(f"{removal.path}: its retirement was not recorded (",
                              "); the next run tries again"):  # fmt: skip
                self._record_removal(removal)
        todo = plan.todo
        for source in todo:
            self.report.warnings.extend(f"{source.path}: {problem}" for problem in source.problems)
        self.report.sources_seen = (
            self.report.processed + self.report.skipped + len(self.report.failed) + len(todo)
        )
        if todo:
            self._progress(0, len(todo), "")
            todo = self._embed_chunks(todo)
            if self.ws.settings.llm == "offline":  # the model that compares sentences to beliefs
                prime_register_vectors(self.db, self.embedder, self.ws.register)
            duplicates = self._duplicate_index()
            self._process_all(todo, duplicates)
        return self.report

    def _route(self, source: Source) -> Route:
        """The holders the source reaches and the beliefs it is judged against."""
        if source.id not in self._routes:
            self._routes[source.id] = route_source(self.ws.register, source)
        return self._routes[source.id]

    def _signature(self, source: Source) -> bytes | None:
        if source.content_hash not in self._signatures:
            self._signatures[source.content_hash] = text_signature(source)
        return self._signatures[source.content_hash]

    def _index_known_claims(self) -> None:
        """The knowledge base's own claim notes, when the run or the collective names them."""
        folders = [*self.options.claims, *map(Path, self.ws.register.claim_folders)]
        if not folders:
            return
        notes, warnings = read_claim_notes(folders)
        self.report.warnings.extend(warnings)
        replace_known_claims(self.db, notes)

    def _sync_register(self) -> None:
        """Record the register in force; apply and report what changed since the last one."""
        ws = self.ws
        with write_transaction(self.db):
            changes = sync_register(
                self.db, ws.register, ws.register_path, ws.recorded, ws.rule, now_iso()
            )
        self.report.register_changes = changes
        if changes is not None:
            self.report.warnings.extend(f"register: {line}" for line in changes.lines())

    def _record_duplicate(self, duplicate: Duplicate, record: KnownSource | None) -> None:
        """Count a copy once; if this id held other content before, that evidence is retired."""
        source, same_as = duplicate.source, duplicate.same_as
        kind = "a near-copy of" if duplicate.near else "the same content as"
        now = now_iso()
        with write_transaction(self.db):
            if supersede_source(self.db, source.id, f"{kind} {same_as}", now):
                store_credences(self.db, self.ws.register, self.ws.rule, now, source.id)
            upsert_source(
                self.db,
                source_row(
                    source,
                    status=DUPLICATE,
                    duplicate_of=same_as,
                    processed_at=now,
                    signature=self._signature(source),
                    extraction_notes=f"{kind} source {same_as}; counted once",
                ),
            )
        self.report.skipped += 1  # counted once recorded, so a failure here counts as failed
        self.report.duplicates.append({"path": str(source.path), "same_as": same_as})
        if record is None or record.status != DUPLICATE or record.duplicate_of != same_as:
            self.report.warnings.append(f"{source.path}: {kind} source {same_as}; counted once")

    def _record_removal(self, removal: Removal) -> None:
        """A recorded source whose file is gone: its evidence is retired, kept in history."""
        why = f"renamed to {removal.renamed_to}" if removal.renamed_to else "source removed"
        now = now_iso()
        with write_transaction(self.db):
            supersede_source(self.db, removal.source_id, why, now)
            mark_status(self.db, removal.source_id, REMOVED, why, now)
            store_credences(self.db, self.ws.register, self.ws.rule, now, removal.source_id)
        self.report.removed.append(
            {"id": removal.source_id, "path": removal.path, "renamed_to": removal.renamed_to}
        )
        self.report.warnings.append(f"{removal.path}: {why}; its evidence is retired")

    def _embed_chunks(self, todo: list[Source]) -> list[Source]:
        """Embed every new source's chunks in one batch (the model is fastest that way).

        Returns the sources that were indexed; one that fails is reported and left out. If the
        batch itself fails, each source is embedded on its own, so one cannot sink the others.
        """
        per_source = []
        for source in todo:
            try:
                per_source.append((source, chunk_text(source.body)))
            except Exception as exc:
                self._isolate(source, exc)
        try:
            vectors = self.embedder.embed([c.text for _, chunks in per_source for c in chunks])
        except ConfigError:
            raise
        except Exception:
            vectors = None
        indexed, offset = [], 0
        for source, chunks in per_source:
            try:
                if vectors is None:
                    block = self.embedder.embed([chunk.text for chunk in chunks])
                else:
                    block = vectors[offset : offset + len(chunks)]
                offset += len(chunks)
                self.index.replace_source_chunks(source.id, source.content_hash, chunks, block)
                replace_chunks(self.db, source.id, source.content_hash, chunks)
            except Exception as exc:
                self._isolate(source, exc)
                continue
            indexed.append(source)
        return indexed

    def _duplicate_index(self) -> DuplicateIndex:
        """Live accepted claims with their title vectors (the embedder caches repeats), and the
        knowledge base's known claim notes (no source: a repeat of one is never its own)."""
        rows = live_claim_titles(self.db)
        ids = [r[0] for r in rows]
        vectors = np.zeros((0, 0), dtype=np.float32)
        if ids:
            vectors = self.embedder.embed([r[1] for r in rows])
            # Chroma may lag the database after a crash between commit and upsert: resync it.
            self.index.add_claims(ids, [r[1] for r in rows], [r[2] for r in rows], vectors)
        index = DuplicateIndex(self.embedder, ids, [r[2] for r in rows], vectors)
        notes = known_claims(self.db)
        if notes:
            for note, vector in zip(
                notes, self.embedder.embed([n.title for n in notes]), strict=True
            ):
                index.add(note.id, "", vector)
        return index

    def _process_all(self, todo: list[Source], duplicates: DuplicateIndex) -> None:
        """Extract `jobs` sources at a time; land them one by one, in archive order.

        Workers only talk to the model (and the reply cache); every database write of a source
        happens here, in the main thread, in the same order as with `--jobs 1`. Prompts are all
        rendered before the first call from the source and the register alone, so no source's
        prompt, and so its reply, depends on how fast other sources came back.
        """
        settings = self.ws.settings
        policy = call_policy(settings)
        prices = price_table(settings)
        template = load_prompt("extract", settings.prompts_dir)
        remote = is_remote(settings.llm)
        cache = ReplyCache(settings.database_path) if remote else None
        extractor = Extractor(
            make_chat_model(settings.llm, self.embedder, settings),
            settings.llm,
            template,
            policy,
            cache,
            prices,
            secrets=settings.secret_values,
            sampling=sampling_sent(settings.llm, settings),
        )
        self.report.calls.prices_path = str(prices.path)
        prompts, ready = [], []
        for source in todo:
            try:
                prompts.append(template.render(**self._prompt_values(source)))
            except Exception as exc:
                self._isolate(source, exc)
                continue
            ready.append(source)
        todo = ready
        jobs = max(1, self.options.jobs) if remote else 1
        outcomes = _extract_in_order(extractor, prompts, jobs)
        try:
            for number, (source, outcome) in enumerate(zip(todo, outcomes, strict=True), 1):
                self._take(source, outcome, duplicates)
                self._progress(number, len(todo), source.id)
        finally:
            outcomes.close()  # on an interrupt: cancel calls not started, wait for the rest
            if cache is not None:
                cache.close()

    def _progress(self, done: int, total: int, source: str) -> None:
        if self.progress:
            r = self.report
            self.progress(
                ProgressUpdate(done, total, source, r.claims_accepted, r.evidence_events,
                               len(r.failed))
            )  # fmt: skip

    def _prompt_values(self, source: Source) -> dict[str, str]:
        return extract_prompt_values(source, self._route(source).beliefs_text)

    def _take(
        self, source: Source, outcome: Extraction | ProviderError, duplicates: DuplicateIndex
    ) -> None:
        self.report.calls.add(outcome.calls)
        try:
            if isinstance(outcome, ProviderError):
                record_failed_calls(
                    self.db, source.id, source.content_hash, outcome.calls, now_iso()
                )
                self._record_failure(source, self._describe(outcome))
                return
            self._land(source, outcome, duplicates)
        except Exception as exc:  # this source fails; the batch goes on
            self._isolate(source, exc)

    def _isolate(self, source: Source, exc: Exception) -> None:
        """Fail this source alone; a configuration error (an unreachable index) stops the run."""
        if isinstance(exc, ConfigError):
            raise exc
        self._record_failure(source, self._describe(exc))

    @contextlib.contextmanager
    def _warned(self, before: str, after: str = "") -> Iterator[None]:
        """Work after a source's commit: a failure is a warning (the error described between
        `before` and `after`), never a failed source; a configuration error still stops the run."""
        try:
            yield
        except ConfigError:
            raise
        except Exception as exc:
            self.report.warnings.append(f"{before}{self._describe(exc)}{after}")

    def _describe(self, exc: BaseException) -> str:
        """One line, keys redacted: ours say what is wrong; anything else names its type."""
        if isinstance(exc, TrackerError):
            text = str(exc)
        else:
            text = f"unexpected {type(exc).__name__}: {exc}".rstrip(": ")
        return redact(summary_line(text), self.ws.settings.secret_values)

    def _record_failure(self, source: Source, error: str) -> None:
        self.report.failed.append({"path": str(source.path), "error": error})

    # -- one source, one transaction ---------------------------------------------------------
    def _land(self, source: Source, extraction: Extraction, duplicates: DuplicateIndex) -> None:
        route = self._route(source)
        landing = self._lander(duplicates).land(
            source,
            extraction,
            {"view_sha256": route.view_sha256, "signature": self._signature(source)},
            route,
        )
        if route.unrouted:
            self.report.unrouted_sources.append(source.id)
        report = self.report
        report.processed += 1
        report.claims_proposed += landing.proposed
        report.claims_accepted += len(landing.accepted)
        report.claims_rejected += landing.rejected
        report.evidence_events += len(landing.stances)
        for code in landing.codes:
            report.rejected_by_code[code] = report.rejected_by_code.get(code, 0) + 1
        for cid, _, vector in landing.accepted:
            duplicates.add(cid, source.id, vector)
        with self._warned(f"{source.path}: landed, but the vector index was not updated (",
                          "); the next run brings it up to date"):  # fmt: skip
            self._index_claims(source, landing)
        self._finish_write_back(source, fresh=True)

    def _index_claims(self, source: Source, landing: Landing) -> None:
        if landing.accepted:
            self.index.add_claims(
                [cid for cid, _, _ in landing.accepted],
                [claim.title for _, claim, _ in landing.accepted],
                [source.id] * len(landing.accepted),
                np.stack([vector for _, _, vector in landing.accepted]),
            )
        live = {cid for cid, _, _ in landing.accepted}
        stale = superseded_claim_ids(self.db, source.id)
        self.index.remove_claims([cid for cid in stale if cid not in live])

    def _lander(self, duplicates: DuplicateIndex) -> SourceLander:
        return SourceLander(
            self.db,
            self.ws.register,
            self.ws.rule,
            self.ws.settings.llm,
            self.embedder,
            duplicates,
        )

    # -- write-back ----------------------------------------------------------------------------
    def _processed_by(self, source: Source) -> str | list[str] | None:
        """The holder the source reached (several: a list); None when it reached none."""
        agents = self._route(source).agents
        if len(agents) == 1:
            return agents[0]
        return list(agents) or None

    def _finish_write_back(self, source: Source, fresh: bool = False) -> None:
        """Write tracker's status into the file once, after the work is committed.

        Never raises: the work is committed, so a failed write is a warning and the next run
        tries again. A source read through a link outside the roots is never written; that is
        said once, when it is processed (`fresh`), not on every later run that skips it.
        """
        with self._warned(f"{source.path}: not written back: "):
            self._write_back_once(source, fresh)

    def _write_back_once(self, source: Source, fresh: bool) -> None:
        if not self.options.write_back:
            return
        if source.location is None:
            if fresh:
                self.report.warnings.append(
                    f"{source.path}: read through a link outside the archive roots; its status "
                    "is not written back"
                )
            return
        record = write_back_record(self.db, source.id)
        if (
            record is None
            or record.written_back
            or record.status not in DONE_STATUSES
            or record.sha256 != source.content_hash
        ):
            return
        values = {
            "status": record.status,
            "processed_by": self._processed_by(source),
            "processed_date": str(record.processed_at)[:10],
            "claims_extracted": record.claims_extracted,
            "extraction_model": record.extraction_model,
            "extraction_notes": record.extraction_notes,
        }
        if values["processed_by"] is None:  # reached no holder: nobody processed it for a belief
            del values["processed_by"]
        plan = plan_write_back(source.frontmatter, values, record.written, self.options.take_over)
        try:
            write_back(source, plan.updates)
        except SourceWriteError as exc:
            self.report.warnings.append(str(exc))
            return
        if plan.kept_curator_status:
            self.report.curator_status_kept += 1
        mark_written_back(self.db, source.id, plan.written)


def _extract_in_order(
    extractor: Extractor, prompts: list[str], jobs: int
) -> Iterator[Extraction | ProviderError]:
    """Each prompt's extraction (or provider failure), yielded in prompt order.

    With `jobs > 1` up to `jobs` calls are in flight while the caller lands earlier results. If
    the caller stops early (an interrupt), calls not yet started are cancelled.
    """

    def one(prompt: str) -> Extraction | ProviderError:
        try:
            return extractor.extract(prompt)
        except ProviderError as exc:
            return exc
        except ConfigError:
            raise
        except Exception as exc:  # a crash extracting one source fails that source alone
            return ProviderError(f"extraction failed: unexpected {type(exc).__name__}: {exc}", [])

    if jobs == 1:
        for prompt in prompts:
            yield one(prompt)
        return
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="tracker-model")
    try:
        futures = [pool.submit(one, prompt) for prompt in prompts]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
