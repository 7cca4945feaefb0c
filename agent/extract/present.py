"""What a run must do so the ledger equals a clean run on the archive as it is now.

Given the files found under this run's roots and what tracker recorded before, `plan_run`
decides, for every file and every recorded source id, one of:

- **unchanged**: the id's recorded content is the file's content, judged against the same
  register view: nothing to do;
- **todo**: new or changed content (or the register view changed): extract and land it; its
  earlier records are superseded when it lands;
- **duplicate**: the same content (after normalisation) as a file earlier in path order, or a
  near-copy of one (MinHash over word shingles, `NEAR_COPY_SIMILARITY`): it adds nothing, and
  if its id counted before, that evidence is retired;
- **removed**: a recorded id whose file, under one of this run's roots, is gone: its evidence is
  retired ("source removed"; "renamed to X" when another file now holds its content).

Which copy counts is decided by path order over the files present now, never by history, so
the result is the same whatever sequence of adds, edits, renames, copies and deletions led
here. A file that fails to read is still present: its recorded evidence stays.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from store.archive import Source
from store.similarity import NearCopyIndex, shingles, signature_of_shingles
from store.sources import KnownSource

# Measured on both shared corpora (168 sources and claim notes, 14,028 pairs): distinct
# documents share at most 0.10 of their 5-word shingles; a copy with 1% of its words changed
# and a sentence added keeps at least 0.82, with 5% changed at least 0.52. Half-way up from the
# highest distinct pair, with room on both sides.
NEAR_COPY_SIMILARITY = 0.6
MIN_SHINGLES = 20  # shorter texts are left to the exact hash: a few shared phrases prove nothing


@dataclass(frozen=True)
class Duplicate:
    source: Source
    same_as: str
    near: bool


@dataclass(frozen=True)
class Removal:
    source_id: str
    path: str
    renamed_to: str | None


@dataclass
class RunPlan:
    unchanged: list[Source] = field(default_factory=list)
    todo: list[Source] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    filtered: list[Source] = field(default_factory=list)


def under_roots(path: str, roots: Sequence[Path]) -> bool:
    """Whether a recorded path lies under (or is) one of this run's roots."""
    real = os.path.realpath(path)
    for root in roots:
        top = os.path.realpath(root)
        if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
            return True
    return False


def plan_run(
    sources: Sequence[Source],
    failed_ids: set[str],
    known: Mapping[str, KnownSource],
    roots: Sequence[Path],
    view_of: Callable[[Source], str],
    signature_of: Callable[[Source], bytes | None],
    wanted: Callable[[Source], bool] = lambda source: True,
) -> RunPlan:
    """Decide every file's and every recorded id's fate (see the module docstring).

    `view_of` gives the register view a source is judged against (`Route.view_sha256`).

    `signature_of` gives a source's MinHash signature (or None for a text too short to judge);
    `wanted` is `--only-unprocessed`'s filter: a file it refuses is present (and may be the
    copy that counts) but is not processed this run.
    """
    plan = RunPlan()
    owner_of_hash: dict[str, str] = {}
    near = NearCopyIndex(NEAR_COPY_SIMILARITY)
    for source in sorted(sources, key=lambda s: (str(s.path), s.id)):
        original = owner_of_hash.get(source.content_hash)
        signature = None if original else signature_of(source)
        if original is None and signature is not None:
            original = near.find(signature)
            is_near = original is not None
        else:
            is_near = False
        if original is not None:
            plan.duplicates.append(Duplicate(source, original, is_near))
            continue
        owner_of_hash[source.content_hash] = source.id
        if signature is not None:
            near.add(source.id, signature)
        if not wanted(source):
            plan.filtered.append(source)
            continue
        record = known.get(source.id)
        if (
            record is not None
            and record.counts
            and record.sha256 == source.content_hash
            and record.view_sha256 in (None, view_of(source))
        ):
            plan.unchanged.append(source)
        else:
            plan.todo.append(source)
    present = {s.id for s in sources} | failed_ids
    for source_id, record in known.items():
        if source_id in present or record.status == "removed":
            continue
        if not under_roots(record.abspath or record.path, roots):
            continue
        renamed_to = owner_of_hash.get(record.sha256) if record.counts else None
        plan.removed.append(Removal(source_id, record.path, renamed_to))
    return plan


def text_signature(source: Source) -> bytes | None:
    """The source's near-copy signature, or None when it is too short to judge by shingles."""
    values = shingles(f"{source.title}\n{source.body}")
    return signature_of_shingles(values) if values.size >= MIN_SHINGLES else None
