"""Benchmark `tracker process` on the shared corpus: speed, re-run cost, cold start, claim recall.

Run from the project root:  .venv/bin/python bench/run.py [--corpus PATH] [--out FILE]

Every timing is a whole subprocess (interpreter start, imports, model load included), because that
is what a curator's cron job pays. The floor is a subprocess that only loads MiniLM and embeds the
same chunks tracker embeds. Numbers go to stdout and to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "teleo-ai-alignment" / "sources"
TRACKER = [str(Path(sys.executable).parent / "tracker")]

FLOOR_SCRIPT = """
import os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, {root!r})
from store.archive import scan_archive
from store.chunking import chunk_text
from store.embedder import MiniLMEmbedder
scan = scan_archive([__import__("pathlib").Path({corpus!r})])
texts = [c.text for s in scan.sources for c in chunk_text(s.body)]
e = MiniLMEmbedder()
t = time.perf_counter()
e.embed(texts)
print(len(texts), time.perf_counter() - t)
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - start, proc


def median_time(cmd: list[str], env: dict[str, str], runs: int) -> float:
    return statistics.median(timed(cmd, env)[0] for _ in range(runs))


def claim_recall(corpus: Path, home: Path, threshold: float = 0.6) -> dict:
    """Share of curated `claims_extracted` matched by an accepted claim of the same source."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from store.archive import scan_archive
    from store.database import open_database
    from store.embedder import MiniLMEmbedder

    db = open_database(home / "tracker.db")
    embedder = MiniLMEmbedder()
    per_source = {}
    matched_total = curated_total = 0
    for source in scan_archive([corpus]).sources:
        curated = source.frontmatter.get("claims_extracted") or []
        if not curated:
            continue
        ours = [
            r[0]
            for r in db.execute(
                "SELECT title FROM claims WHERE source = ? AND superseded_at IS NULL", [source.id]
            )
        ]
        matched = 0
        if ours:
            sims = embedder.embed([str(c) for c in curated]) @ embedder.embed(ours).T
            matched = int((sims.max(axis=1) >= threshold).sum())
        per_source[source.id] = {"curated": len(curated), "matched": matched, "ours": len(ours)}
        matched_total += matched
        curated_total += len(curated)
    counts = [
        r[0]
        for r in db.execute(
            "SELECT COUNT(c.id) FROM sources s LEFT JOIN claims c "
            "ON c.source = s.id AND c.superseded_at IS NULL GROUP BY s.id"
        )
    ]
    codes: dict[str, int] = {}
    for (reasons,) in db.execute("SELECT reasons FROM rejections WHERE superseded_at IS NULL"):
        for reason in json.loads(reasons):
            codes[reason["code"]] = codes.get(reason["code"], 0) + 1
    return {
        "recall": matched_total / curated_total if curated_total else None,
        "matched": matched_total,
        "curated": curated_total,
        "per_source": per_source,
        "claims_per_source_mean": float(np.mean(counts)) if counts else 0.0,
        "claims_per_source_max": int(max(counts)) if counts else 0,
        "rejections_by_code": codes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    corpus = work / "sources"
    shutil.copytree(args.corpus, corpus)
    home = work / "home"
    env = {**os.environ, "TRACKER_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("TRACKER_LLM", None)

    floor_wall, floor = timed(
        [sys.executable, "-c", FLOOR_SCRIPT.format(root=str(ROOT), corpus=str(corpus))], env
    )
    if floor.returncode != 0:
        sys.exit(f"floor run failed: {floor.stderr[-2000:]}")
    chunk_count, embed_only = floor.stdout.split()

    first, proc = timed([*TRACKER, "process", str(corpus), "--json"], env)
    if proc.returncode not in (0, 1):
        sys.exit(f"process failed: {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    second, proc2 = timed([*TRACKER, "process", str(corpus), "--json"], env)
    rerun = json.loads(proc2.stdout)

    beliefs_cold = median_time([*TRACKER, "beliefs"], env, 5)
    history_cold = median_time([*TRACKER, "history", "B4"], env, 3)
    audit_cold = median_time([*TRACKER, "audit"], env, 3)
    claims_cold = median_time([*TRACKER, "claims"], env, 3)
    st_import = median_time([sys.executable, "-c", "import sentence_transformers"], env, 3)

    quality = claim_recall(args.corpus, home)
    results = {
        "corpus_files": report["sources_seen"],
        "chunks": int(chunk_count),
        "process_first_s": round(first, 2),
        "floor_embed_subprocess_s": round(floor_wall, 2),
        "floor_embed_only_s": round(float(embed_only), 2),
        "process_over_floor": round(first / floor_wall, 2),
        "process_second_s": round(second, 2),
        "second_over_first": round(second / first, 3),
        "cold_beliefs_s": round(beliefs_cold, 3),
        "cold_history_s": round(history_cold, 3),
        "cold_audit_s": round(audit_cold, 3),
        "cold_claims_s": round(claims_cold, 3),
        "import_sentence_transformers_s": round(st_import, 3),
        "beliefs_over_import": round(beliefs_cold / st_import, 3),
        "process_report": {k: v for k, v in report.items() if k not in ("warnings",)},
        "second_run_report": {k: rerun[k] for k in ("processed", "skipped", "claims_proposed")},
        "quality": quality,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "quality"}, indent=2))
    q = quality
    print(
        f"claim recall: {q['matched']}/{q['curated']} = {q['recall']:.1%}; "
        f"claims per source mean {q['claims_per_source_mean']:.1f} max {q['claims_per_source_max']}"
    )
    print("rejections by code:", json.dumps(q["rejections_by_code"]))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
