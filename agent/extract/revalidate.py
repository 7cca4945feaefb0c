"""`tracker revalidate`: today's parser and validator over every recorded reply.

Validator rules change; an auditor must know which past decisions they would overturn before
trusting today's numbers. For each source tracker finished, the recorded replies of its current
content are parsed again (in attempt order, the first that parses is the one used, as during
extraction) and every proposed claim is judged again against the source file as it is on disk
(which must still have the recorded content hash, or the source is reported as not rechecked).

Near-duplicate detection needs the embedding model, so without `--apply` a recorded
DUPLICATE_CLAIM decision is kept as it was; every other rule is applied as written today.
Nothing is written unless `--apply` is given; then each source whose decisions changed is landed
again from its recorded replies (no model is called) through the same path as `tracker process`:
its old claims and events are marked superseded and the new ones appended, so the ledger stays
append-only and `tracker replay --check` holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from agent.errors import InputError
from agent.extract.extraction import CallRecord, Extraction
from agent.extract.landing import curator_text, source_text
from agent.extract.reply import MalformedReply, parse_reply
from agent.extract.validate import validate_claim
from beliefs.register import Register
from store.archive import Source, SourceReadError, read_source
from store.calls import calls_of_content
from store.claims import live_rejections_of_source, live_titles_of_source
from store.sources import finished_sources


@dataclass
class Change:
    source: str
    claim: str | None
    was: str
    now: str

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "claim": self.claim, "was": self.was, "now": self.now}


@dataclass
class Recheck:
    """One source's recheck: what changed, and what to land again if asked."""

    source: Source
    changes: list[Change]
    extraction: Extraction


@dataclass
class RevalidateReport:
    sources_checked: int = 0
    decisions: int = 0
    not_rechecked: list[dict[str, str]] = field(default_factory=list)
    rechecks: list[Recheck] = field(default_factory=list)
    applied: bool = False
    still_changed: int | None = None

    @property
    def changes(self) -> list[Change]:
        return [c for r in self.rechecks for c in r.changes]

    def as_json(self) -> dict[str, Any]:
        changes = self.changes
        return {
            "sources_checked": self.sources_checked,
            "decisions": self.decisions,
            "changed": len(changes),
            "accepted_now_rejected": sum(
                c.was == "accepted" and c.now != "accepted" for c in changes
            ),
            "rejected_now_accepted": sum(
                c.was != "accepted" and c.now == "accepted" for c in changes
            ),
            "changes": [c.as_json() for c in changes],
            "not_rechecked": self.not_rechecked,
            "applied": self.applied,
            "still_changed": self.still_changed,
        }


def _title_key(title: Any) -> str:
    return " ".join(str(title or "").split()).casefold()


def _outcome(reasons: list[dict[str, str]] | tuple[Any, ...]) -> str:
    codes = sorted({r["code"] if isinstance(r, dict) else r.code for r in reasons})
    return "accepted" if not codes else "rejected: " + ", ".join(codes)


class _RecordedDuplicates:
    """The landing's duplicate finder without an embedder.

    A repeat of an accepted claim earlier in the same reply is found again, by title, as the
    landing finds it; a recorded near-duplicate of another source's claim is kept as recorded.
    """

    def __init__(self, recorded: dict[str, str]) -> None:
        self.recorded = recorded
        self.seen: set[str] = set()

    def find_duplicate(self, title: str, description: str) -> str | None:
        key = _title_key(title)
        if key in self.seen:
            return "an earlier claim of the same reply"
        if key in self.recorded:
            return self.recorded[key]
        self.seen.add(key)  # accepted: a later repeat in this reply is a duplicate of it
        return None


def revalidate(db: Database, register: Register, source_id: str | None = None) -> RevalidateReport:
    report = RevalidateReport()
    rows = finished_sources(db, source_id)
    if source_id and not rows:
        raise InputError(
            f"no processed source with id '{source_id}' (see `tracker audit --summary`)"
        )
    for sid, path, sha256, root in rows:
        try:
            source = read_source(path, sid, root=root)  # write-back stays beneath its root
        except SourceReadError as exc:
            why = str(exc)
            if not Path(path).is_absolute():
                why += " (a relative path: run tracker from the folder `tracker process` ran in)"
            report.not_rechecked.append({"source": sid, "why": why})
            continue
        if source.content_hash != sha256:
            report.not_rechecked.append(
                {"source": sid, "why": f"{path} changed since it was processed; process it again"}
            )
            continue
        recheck = _recheck(db, register, source)
        if recheck is None:
            report.not_rechecked.append({"source": sid, "why": "no recorded model reply"})
            continue
        report.sources_checked += 1
        reply = recheck.extraction.reply
        report.decisions += len(reply.claims) if reply is not None else 1
        if recheck.changes:
            report.rechecks.append(recheck)
    return report


def _recorded_calls(db: Database, source: Source) -> list[CallRecord]:
    """The attempts of the landing that made the live decisions: the last run of the content.

    One extraction numbers its attempts from 1, so a new run starts at each attempt 1; a run whose
    provider stayed down recorded no reply and landed nothing, so it is skipped. Only attempts with
    a reply are returned (a failed request has nothing to parse and nothing to land again).
    """
    runs: list[list[CallRecord]] = []
    for call in calls_of_content(db, source.id, source.content_hash):
        if call.attempt == 1 or not runs:
            runs.append([])
        runs[-1].append(call)
    for run in reversed(runs):
        replies = [c for c in run if c.raw_reply is not None]
        if replies:
            # Replayed, not asked: no cost, and marked as a reused reply in the audit trail.
            return [
                replace(c, error=None, latency_ms=0.0, cached=True, cost_usd=0.0) for c in replies
            ]
    return []


def _recorded_decisions(
    db: Database, source: Source
) -> tuple[dict[str, int], dict[str, list[str]], dict[str, str], bool]:
    """Live decisions of one source by normalized title: accepted counts, rejection outcomes,
    duplicates of other sources' claims, and whether the whole reply was rejected as malformed."""
    accepted: dict[str, int] = defaultdict(int)
    for title in live_titles_of_source(db, source.id):
        accepted[_title_key(title)] += 1
    rejected: dict[str, list[str]] = defaultdict(list)
    duplicates: dict[str, str] = {}
    malformed = False
    for title, reasons, duplicate_of, original_source in live_rejections_of_source(db, source.id):
        outcome = _outcome(reasons)
        if outcome == "rejected: MALFORMED_OUTPUT" and title is None:
            malformed = True
            continue
        rejected[_title_key(title)].append(outcome)
        # A repeat within the same reply is judged again below; only a repeat of another
        # source's claim needs the embedding model, so that decision is kept as recorded.
        if duplicate_of and original_source != source.id:
            duplicates[_title_key(title)] = duplicate_of
    return accepted, rejected, duplicates, malformed


def _recheck(db: Database, register: Register, source: Source) -> Recheck | None:
    calls = _recorded_calls(db, source)
    if not calls:
        return None
    extraction = Extraction(calls=calls)
    # As the extractor does: attempts in order, the first reply that parses is the one used.
    for call in calls:
        try:
            extraction.reply = parse_reply(call.raw_reply or "")
            extraction.malformed = None
            break
        except MalformedReply as exc:
            call.error = str(exc)
            extraction.malformed = str(exc)
    accepted, rejected, duplicates, malformed = _recorded_decisions(db, source)
    changes: list[Change] = []
    if extraction.reply is None:
        if not malformed:
            changes.append(Change(source.id, None, "parsed", "rejected: MALFORMED_OUTPUT"))
        return Recheck(source, changes, extraction)
    if malformed:
        changes.append(Change(source.id, None, "rejected: MALFORMED_OUTPUT", "parsed"))
    finder = _RecordedDuplicates(duplicates)
    for proposed in extraction.reply.claims:
        verdict = validate_claim(
            proposed,
            source_text(source),
            register.ids,
            finder,
            quote_text_extra=source.title,
            curator_text=curator_text(source),
            whole_text=source.body,
        )
        title = proposed.get("title") if isinstance(proposed, dict) else None
        key = _title_key(title)
        if accepted.get(key):
            accepted[key] -= 1
            was = "accepted"
        elif rejected.get(key):
            was = rejected[key].pop(0)
        else:
            was = "not recorded"
        now = _outcome(verdict.reasons)
        if now != was:
            changes.append(Change(source.id, str(title) if title else None, was, now))
    return Recheck(source, changes, extraction)
