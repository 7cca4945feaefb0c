"""Claim recall of the offline model against the claims curators extracted by hand.

Some sources of the shared corpus list their curated claims in frontmatter (`claims_extracted`).
A curated claim counts as recalled when a claim the offline model proposes for the same source has a
MiniLM cosine of at least THRESHOLD to it: by title (the headline number), or by title or evidence
quote (reported separately). The "oracle" line shows the ceiling of this proposer: the share of
curated claims for which SOME candidate title or sentence of the source reaches the threshold.

The proposer strips frontmatter itself, so curated claim lists never leak into its input.

Run: .venv/bin/python bench/claim_recall.py [--corpus DIR] [--show] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.llm.offline_proposer import (
    ProposerSettings,
    candidates,
    clean_title,
    propose,
    split_sentences,
)
from agent.llm.prompt_blocks import BeliefView
from store.embedder import MiniLMEmbedder

THRESHOLD = 0.6
DEFAULT_CORPUS = Path("/work/shared/corpus/teleo-ai-alignment/sources")
REGISTER = Path(__file__).resolve().parents[1] / "beliefs" / "default_register.yaml"

# Used only when the packaged register does not exist yet: the five beliefs in our own words.
FALLBACK_BELIEFS = [
    BeliefView(
        "B1",
        "Aligning AI is humanity's most important unsolved problem and gets far too "
        "little attention",
        "Labs spend about as much on safety as on capabilities, or "
        "governance keeps up with advancing capability",
    ),
    BeliefView(
        "B2",
        "Alignment is mainly a coordination problem among labs, states and deployers "
        "rather than a purely technical one",
        "Evidence that failure from many competing "
        "systems is only theoretical and a technical fix suffices",
    ),
    BeliefView(
        "B3",
        "Alignment has to be an ongoing process because values and contexts change; "
        "specifying values once at training time is fragile",
        "Values fixed at training time stay aligned as deployment contexts change",
    ),
    BeliefView(
        "B4",
        "Verifying AI outputs gets harder faster than AI capability grows, so "
        "oversight weakens exactly when it matters most",
        "Oversight and verification methods scale as well as or better than AI capability",
    ),
    BeliefView(
        "B5",
        "A collective, distributed path to superintelligence best preserves human agency",
        "Monolithic systems preserve agency as well, or collective systems cannot be built in time",
    ),
]


class _NoDates(yaml.SafeLoader):
    """Keeps dates as strings: corpus dates like 2024-03-00 are not calendar dates."""


_NoDates.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_corpus(corpus: Path) -> list[tuple[str, str, str, dict]]:
    """(id, title, text, frontmatter) per source, through the project's own archive reader; the
    text is what the pipeline shows a model (the body less the curators' sections).

    If that reader is unavailable, fall back to reading the block between the first two '---'
    lines with a date-free YAML loader; the proposer strips frontmatter from the text itself.
    """
    try:
        from store.archive import scan_archive
    except ImportError:
        scan_archive = None
    if scan_archive is not None:
        from agent.extract.landing import source_text  # what a model is shown: no curators' notes

        scan = scan_archive([corpus])
        return [(s.id, s.title, source_text(s), s.frontmatter) for s in scan.sources]
    rows = []
    for path in sorted(p for p in corpus.iterdir() if p.suffix in {".md", ".markdown", ".txt"}):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines, meta = text.split("\n"), {}
        if lines[0].strip() == "---" and "---" in (line.strip() for line in lines[1:]):
            end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
            try:
                meta = yaml.load("\n".join(lines[1:end]), Loader=_NoDates) or {}
            except yaml.YAMLError:
                meta = {}
        title = str(meta.get("title") or next((x for x in lines if x.strip()), path.stem))
        rows.append((path.stem, title.strip("# "), text, meta if isinstance(meta, dict) else {}))
    return rows


def curated_claims(meta: dict) -> list[str]:
    """Curated titles; slug-style entries (`a-b-c.md`) are turned back into words."""
    claims = meta.get("claims_extracted") or []
    return [re.sub(r"[-_]+", " ", re.sub(r"\.md$", "", str(c))).strip() for c in claims]


def load_beliefs() -> list[BeliefView]:
    """The packaged default register when it exists, else our paraphrase of the five beliefs."""
    if REGISTER.exists():
        data = yaml.safe_load(REGISTER.read_text(encoding="utf-8")) or {}
        views = [
            BeliefView(str(b["id"]), str(b["statement"]), str(b.get("disconfirmation") or ""))
            for b in data.get("beliefs", [])
        ]
        if views:
            return views
    return FALLBACK_BELIEFS


def routed_beliefs(metas: dict[str, dict], fallback: list[BeliefView]) -> dict[str, list]:
    """Per source, the beliefs `tracker process` shows a model for its frontmatter: the packaged
    register (read once), routed by the source's domains (none for a domain it does not cover).
    When the register or the router is unavailable every source sees `fallback`."""
    try:
        from agent.extract.routing import route_frontmatter
        from beliefs.register import parse_register
    except ImportError:
        return {stem: fallback for stem in metas}
    if not REGISTER.exists():
        return {stem: fallback for stem in metas}
    register = parse_register(REGISTER.read_text(encoding="utf-8"), str(REGISTER))
    return {
        stem: [
            BeliefView(b.id, b.statement, b.disconfirmation, b.description)
            for b in route_frontmatter(register, meta).beliefs
        ]
        for stem, meta in metas.items()
    }


def run(corpus: Path, settings: ProposerSettings, show: bool, repeats: int = 2) -> dict:
    """Propose for every source, then score recall on the curated ones. Each source is shown
    the beliefs the pipeline would show it (routed by its domain), so a source of a domain the
    register does not cover is proposed for with no beliefs, as `process` does."""
    corpus_rows = read_corpus(corpus)
    shown = routed_beliefs({stem: meta for stem, _, _, meta in corpus_rows}, load_beliefs())
    # Timing: proposing (fresh embedder, so no cached vectors) against embedding the archive's
    # passages once, alternated and repeated because the machine may be shared; best of each.
    propose_times, embed_times = [], []
    results: dict[str, tuple[dict, str, str, list[str]]] = {}
    for _ in range(repeats):
        embedder = MiniLMEmbedder()
        embedder.embed(["warm up"])  # model load time is not proposing time
        started = time.perf_counter()
        for stem, title, body, meta in corpus_rows:
            results[stem] = (
                propose(title, body, shown[stem], embedder, settings),
                body,
                title,
                curated_claims(meta),
            )
        propose_times.append(time.perf_counter() - started)
        baseline = MiniLMEmbedder()
        baseline.embed(["warm up"])
        started = time.perf_counter()
        for _, _, body, _ in corpus_rows:
            baseline.embed(_chunks(body))
        embed_times.append(time.perf_counter() - started)
    propose_seconds, embed_seconds = min(propose_times), min(embed_times)

    scorer = MiniLMEmbedder()
    per_source = []
    hits_title = hits_any = hits_oracle = total = 0
    for stem, (result, text, _title, curated) in results.items():
        if show:
            print(f"\n== {stem}")
            for claim in result["claims"]:
                links = ", ".join(f"{b['id']}:{b['stance']}" for b in claim["beliefs"])
                print(f"  - {claim['title']}  [{claim['confidence']}; {links}]")
        if not curated:
            continue
        titles = [c["title"] for c in result["claims"]]
        quotes = [e["quote"] for c in result["claims"] for e in c["evidence"]]
        pool = [c.title for c in candidates(text, settings)]  # every title it could propose
        pool += [clean_title(s.quote) for s in split_sentences(text)]
        cur = scorer.embed(curated)
        best_title = _best(cur, scorer.embed(titles)) if titles else np.zeros(len(curated))
        best_any = _best(cur, scorer.embed(titles + quotes)) if titles else np.zeros(len(curated))
        best_oracle = _best(cur, scorer.embed(pool)) if pool else np.zeros(len(curated))
        got_title = int((best_title >= THRESHOLD).sum())
        got_any = int((best_any >= THRESHOLD).sum())
        got_oracle = int((best_oracle >= THRESHOLD).sum())
        hits_title, hits_any, hits_oracle = (
            hits_title + got_title,
            hits_any + got_any,
            hits_oracle + got_oracle,
        )
        total += len(curated)
        per_source.append(
            {
                "source": stem,
                "curated": len(curated),
                "proposed": len(titles),
                "recalled_title": got_title,
                "recalled_title_or_quote": got_any,
                "oracle": got_oracle,
                "best_cosines": [round(float(x), 3) for x in best_title],
            }
        )
        if show:
            for claim, cos in zip(curated, best_title, strict=True):
                print(f"  {'HIT ' if cos >= THRESHOLD else 'miss'} {cos:.2f} curated: {claim}")

    counts = [len(r[0]["claims"]) for r in results.values()]
    return {
        "threshold": THRESHOLD,
        "sources": len(results),
        "curated_sources": len(per_source),
        "curated_claims": total,
        "recall_title": hits_title / total if total else 0.0,
        "recall_title_or_quote": hits_any / total if total else 0.0,
        "oracle_best_sentence": hits_oracle / total if total else 0.0,
        "claims_per_source_mean": statistics.mean(counts) if counts else 0.0,
        "claims_per_source_max": max(counts, default=0),
        "propose_seconds": round(propose_seconds, 2),
        "embed_archive_seconds": round(embed_seconds, 2),
        "per_source": per_source,
        "settings": dataclasses.asdict(settings),
        "beliefs": "default_register.yaml" if REGISTER.exists() else "fallback paraphrase",
        "routed": "each source shown the beliefs its domain routes it to, as process does",
        "unrouted_sources": sum(1 for v in shown.values() if v == []),
    }


def _chunks(text: str) -> list[str]:
    """The pipeline's own passages when its chunker exists, else ~120-word windows."""
    try:
        from store.chunking import chunk_text
    except ImportError:
        words = text.split()
        return [" ".join(words[i : i + 120]) for i in range(0, len(words), 120)]
    return [c.text for c in chunk_text(text)]


def _best(curated: np.ndarray, proposed: np.ndarray) -> np.ndarray:
    """For each curated claim, its highest cosine to any proposed text."""
    return (curated @ proposed.T).max(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--show", action="store_true", help="print every proposed claim")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--max-claims", type=int, default=None)
    parser.add_argument("--min-claims", type=int, default=None)
    parser.add_argument("--words-per-claim", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=2, help="timing runs (best is kept)")
    args = parser.parse_args()
    knobs = {
        name: getattr(args, name)
        for name in ("max_claims", "min_claims", "words_per_claim")
        if getattr(args, name) is not None
    }
    settings = ProposerSettings(**knobs)
    report = run(args.corpus, settings, args.show, repeats=args.repeats)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"\ncurated claims: {report['curated_claims']} in {report['curated_sources']} sources "
        f"(cosine >= {THRESHOLD}, MiniLM); beliefs: {report['beliefs']}"
    )
    for row in report["per_source"]:
        print(
            f"  {row['source'][:58]:58} {row['recalled_title']}/{row['curated']} title, "
            f"{row['recalled_title_or_quote']}/{row['curated']} title|quote, "
            f"oracle {row['oracle']}, proposed {row['proposed']}"
        )
    print(f"recall (title):          {report['recall_title']:.1%}")
    print(f"recall (title or quote): {report['recall_title_or_quote']:.1%}")
    print(f"oracle (best candidate): {report['oracle_best_sentence']:.1%}")
    print(
        f"claims per source over {report['sources']} files: "
        f"mean {report['claims_per_source_mean']:.2f}, max {report['claims_per_source_max']}"
    )
    ratio = report["propose_seconds"] / max(report["embed_archive_seconds"], 1e-9)
    print(
        f"time: propose {report['propose_seconds']}s vs embedding the archive once "
        f"{report['embed_archive_seconds']}s (ratio {ratio:.2f}; best of 2 alternating runs)"
    )


if __name__ == "__main__":
    main()
