"""Benchmark `tracker ask` on the shared corpus: retrieval recall, grounding, cold and warm speed.

Run from the project root:
    .venv/bin/python bench/ask_bench.py [--home DIR] [--corpus PATH] [--questions FILE] [--out FILE]

Without --home a fresh workspace is built with `tracker process --no-write-back` (real MiniLM, takes
minutes); with --home an existing workspace is used as it is (pass a COPY: opening it runs any
pending migration). Reported, and written to bench/results/ask.json:

- recall@5: share of questions (bench/ask_questions.yaml) where any expected source is among the
  sources of the first 5 citations of a warm `Asker.ask(question, k=5)`; also per kind, and every
  miss with what was cited instead;
- grounding: share of ALL shown citations whose quote is found in the cited source. Rechecked here,
  independently of the asker, against the source FILE read from the corpus with
  `agent.text.normalize.quote_in_text`; an asker checking against the wrong text would fail here;
- cold: median wall time of `tracker ask QUESTION --json` as a subprocess (interpreter, imports,
  index and query-embedder load included) over --cold-runs questions;
- warm: median (and p90, max) of `Asker.ask` over all questions after one warm-up call, the
  "library call, model loaded" of the speed goal;
- the yardstick of the cold goal: median of 3 `python -c "import sentence_transformers"`;
- the query embedder (store/query_embedder.py) in a fresh interpreter: import + load + first
  embed time, median per-question embed, and the largest absolute difference from
  sentence-transformers' vectors over ~50 corpus sentences.

Runs one thing at a time (the machine is shared); nothing here touches the network.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "teleo-ai-alignment" / "sources"
DEFAULT_QUESTIONS = ROOT / "bench" / "ask_questions.yaml"
DEFAULT_OUT = ROOT / "bench" / "results" / "ask.json"
TRACKER = str(Path(sys.executable).parent / "tracker")
RECALL_AT = 5
GOALS = {"recall_at_5": 0.9, "grounding": 1.0, "warm_ms": 100.0, "cold_share_of_import": 0.5}


@dataclass(frozen=True)
class Question:
    """One entry of the evaluation set."""

    id: str
    kind: str
    text: str
    answers: tuple[str, ...]


def load_questions(path: Path) -> list[Question]:
    """The evaluation set; tests/test_ask_eval_set.py keeps it well-formed."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(e["id"], e["kind"], e["question"], tuple(e["answers"])) for e in data["questions"]
    ]


def source_texts(corpus: Path) -> dict[str, str]:
    """Every corpus file's whole text by source id, read here and not through the workspace.

    Ids follow the contract (file stem). A stem clash would need the `~2` rule; the shared corpus
    has none, and a clash is reported rather than guessed.
    """
    from store.archive import read_text

    texts: dict[str, str] = {}
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix in (".md", ".markdown", ".txt"):
            if path.stem in texts:
                sys.exit(f"two corpus files share the id {path.stem}; fix the id mapping first")
            texts[path.stem] = read_text(path)
    return texts


def env_for(home: Path) -> dict[str, str]:
    env = {**os.environ, "TRACKER_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env["TRANSFORMERS_OFFLINE"] = "1"
    for name in ("TRACKER_LLM", "TRACKER_BELIEFS", "TRACKER_CHROMA_URL"):
        env.pop(name, None)
    return env


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - start, proc


def build_workspace(corpus: Path, home: Path) -> dict[str, Any]:
    """`tracker process` the corpus into `home`; no write-back, the shared corpus stays as it is."""
    seconds, proc = timed(
        [TRACKER, "process", str(corpus), "--no-write-back", "--json"], env_for(home)
    )
    if proc.returncode not in (0, 1):
        sys.exit(f"tracker process failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return {"seconds": round(seconds, 1), **json.loads(proc.stdout)}


def check_citations(citations: list[Any], texts: dict[str, str]) -> list[dict[str, Any]]:
    """Each shown citation with whether its quote is in its source file (independent recheck)."""
    from agent.text.normalize import quote_in_text

    checked = []
    for c in citations:
        text = texts.get(c.source)
        checked.append(
            {
                "n": getattr(c, "n", None),
                "source": c.source,
                "quote": c.quote,
                "source_exists": text is not None,
                "grounded": bool(text is not None and quote_in_text(c.quote, text)),
            }
        )
    return checked


def first_hit_rank(cited: list[str], expected: tuple[str, ...]) -> int | None:
    """1-based position of the first citation whose source is expected, within the first 5."""
    for rank, source in enumerate(cited[:RECALL_AT], start=1):
        if source in expected:
            return rank
    return None


def quality_and_warm(
    home: Path, questions: list[Question], texts: dict[str, str], k: int
) -> dict[str, Any]:
    """Ask every question through one warm Asker: recall, grounding and warm latency."""
    from agent.ask.asker import Asker
    from agent.config import resolve_settings

    asker = Asker(resolve_settings(home=str(home)))
    start = time.perf_counter()
    asker.ask("What is mechanistic interpretability?", k=k)  # warm-up: loads model and indexes
    first_call = time.perf_counter() - start

    rows, warm = [], []
    for q in questions:
        start = time.perf_counter()
        answer = asker.ask(q.text, k=k)
        warm.append((time.perf_counter() - start) * 1000)
        cited = [c.source for c in answer.citations]
        checked = check_citations(answer.citations, texts)
        rank = first_hit_rank(cited, q.answers)
        belief_ids = [b.get("id") for b in answer.beliefs]
        rows.append(
            {
                "id": q.id,
                "kind": q.kind,
                "question": q.text,
                "expected": list(q.answers),
                "cited": cited,
                "hit": rank is not None,
                "rank": rank,
                "beliefs": belief_ids,
                "dropped_citations": answer.dropped_citations,
                "ungrounded": [c for c in checked if not c["grounded"]],
                "citations_shown": len(checked),
                "warm_ms": round(warm[-1], 1),
                "answer": answer.answer,
            }
        )
    shown = sum(r["citations_shown"] for r in rows)
    grounded = shown - sum(len(r["ungrounded"]) for r in rows)
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({r["kind"] for r in rows}):
        of_kind = [r for r in rows if r["kind"] == kind]
        hits = sum(r["hit"] for r in of_kind)
        by_kind[kind] = {"questions": len(of_kind), "hits": hits, "recall": hits / len(of_kind)}
    warm_sorted = sorted(warm)
    return {
        "recall_at_5": sum(r["hit"] for r in rows) / len(rows),
        "recall_by_kind": by_kind,
        "mrr_at_5": sum(1 / r["rank"] for r in rows if r["rank"]) / len(rows),
        "grounding": grounded / shown if shown else None,
        "citations_shown": shown,
        "citations_grounded": grounded,
        "dropped_citations": sum(r["dropped_citations"] for r in rows),
        "no_citation_answers": [r["id"] for r in rows if not r["cited"]],
        "belief_questions_missing_belief": [
            r["id"]
            for r, q in zip(rows, questions, strict=True)
            if q.kind == "belief" and not any(b and b in q.text for b in r["beliefs"])
        ],
        "warm_first_call_s": round(first_call, 2),
        "warm_ms_median": round(statistics.median(warm), 1),
        "warm_ms_p90": round(warm_sorted[int(0.9 * (len(warm_sorted) - 1))], 1),
        "warm_ms_max": round(warm_sorted[-1], 1),
        "misses": [r for r in rows if not r["hit"]],
        "per_question": rows,
    }


def cold_asks(home: Path, questions: list[Question], runs: int, k: int) -> dict[str, Any]:
    """Median wall time of `tracker ask --json` subprocesses, one per question, in order."""
    env = env_for(home)
    times, failures = [], []
    for q in questions[:runs]:
        seconds, proc = timed([TRACKER, "ask", q.text, "-k", str(k), "--json"], env)
        times.append(seconds)
        if proc.returncode != 0:
            failures.append({"id": q.id, "exit": proc.returncode, "stderr": proc.stderr[-500:]})
            continue
        json.loads(proc.stdout)  # one JSON document on stdout, nothing else
    return {
        "cold_s_median": round(statistics.median(times), 2),
        "cold_s_all": [round(t, 2) for t in times],
        "cold_failures": failures,
    }


def import_floor(home: Path, runs: int = 3) -> dict[str, Any]:
    """`python -c "import sentence_transformers"`, the yardstick of the cold goal."""
    times = [
        timed([sys.executable, "-c", "import sentence_transformers"], env_for(home))[0]
        for _ in range(runs)
    ]
    return {"import_sentence_transformers_s": round(statistics.median(times), 2)}


def heavy_imports_of_cold_ask(home: Path) -> dict[str, Any]:
    """Which heavy modules one in-process ask pulls in (torch alone costs seconds to import)."""
    script = (
        "import sys, json\n"
        "from agent.ask.asker import answer_question\n"
        "from agent.config import resolve_settings\n"
        f"answer_question(resolve_settings(home={str(home)!r}), 'What is RLCF?', k=5)\n"
        "heavy = ['torch', 'sentence_transformers', 'transformers', 'chromadb', 'onnxruntime',"
        " 'langchain_core']\n"
        "print(json.dumps({m: m in sys.modules for m in heavy}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env_for(home), capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-500:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


_EMBEDDER_SCRIPT = """
import json, sys, time
start = time.perf_counter()
from store.query_embedder import NumpyMiniLM
imported = time.perf_counter()
model = NumpyMiniLM()
loaded = time.perf_counter()
model.embed(["What did the alignment faking study find?"])
first = time.perf_counter()
sentences = json.load(open(sys.argv[1]))
one = []
for sentence in sentences:
    t = time.perf_counter()
    model.embed([sentence])
    one.append((time.perf_counter() - t) * 1000)
ours = model.embed(sentences)
heavy = [m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules]
t = time.perf_counter()
from store.embedder import MiniLMEmbedder
reference = MiniLMEmbedder()
reference.embed(["What did the alignment faking study find?"])
full = time.perf_counter() - t
diff = float(abs(ours - reference.embed(sentences)).max())
one.sort()
print(json.dumps({
    "import_s": round(imported - start, 3),
    "load_s": round(loaded - imported, 3),
    "first_embed_s": round(first - loaded, 3),
    "import_load_embed_s": round(first - start, 3),
    "embed_ms_median": round(one[len(one) // 2], 1),
    "heavy_modules_before_reference": heavy,
    "sentence_transformers_import_load_embed_s": round(full, 2),
    "sentences_compared": len(sentences),
    "max_abs_difference": diff,
}))
"""


def embedder_sentences(texts: dict[str, str], files: int = 25, per_file: int = 2) -> list[str]:
    """About 50 corpus sentences (two from each of the first 25 sources) and one text longer
    than the model's 256 tokens, as tests/test_query_embedder.py does."""
    import re

    out: list[str] = []
    for source in sorted(texts)[:files]:
        parts = re.split(r"(?<=[.!?])\s+", texts[source])
        out += [p for p in parts if 20 < len(p) < 400][:per_file]
    return [*out, "word " * 400]


def query_embedder(home: Path, texts: dict[str, str]) -> dict[str, Any]:
    """The torch-free query embedder in a fresh interpreter: import, load and first-embed time,
    per-question embed time, and the largest difference from sentence-transformers' vectors."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(embedder_sentences(texts), handle)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _EMBEDDER_SCRIPT, handle.name],
            env=env_for(home),
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    finally:
        os.unlink(handle.name)
    if proc.returncode != 0:
        return {"error": proc.stderr[-500:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def verdict(results: dict[str, Any]) -> dict[str, bool | None]:
    q, c, f = results["quality"], results["cold"], results["floor"]
    floor = f["import_sentence_transformers_s"]
    return {
        "recall_at_5>=0.9": q["recall_at_5"] >= GOALS["recall_at_5"],
        "grounding==1.0": q["grounding"] == GOALS["grounding"]
        if q["grounding"] is not None
        else None,
        "warm_median<100ms": q["warm_ms_median"] < GOALS["warm_ms"],
        "cold<half_import": c["cold_s_median"] < GOALS["cold_share_of_import"] * floor,
    }


def print_summary(results: dict[str, Any]) -> None:
    q, c, f = results["quality"], results["cold"], results["floor"]
    print(f"questions           {results['questions']}")
    print(f"recall@5            {q['recall_at_5']:.3f}  (mrr@5 {q['mrr_at_5']:.3f})")
    for kind, row in q["recall_by_kind"].items():
        print(f"  {kind:<17} {row['hits']}/{row['questions']}")
    print(f"grounding           {q['citations_grounded']}/{q['citations_shown']}")
    print(f"dropped citations   {q['dropped_citations']}")
    print(
        f"warm ask            median {q['warm_ms_median']} ms, p90 {q['warm_ms_p90']} ms,"
        f" max {q['warm_ms_max']} ms (first call {q['warm_first_call_s']} s)"
    )
    print(f"cold tracker ask    median {c['cold_s_median']} s  {c['cold_s_all']}")
    print(f"import sent.-transf {f['import_sentence_transformers_s']} s")
    print(f"heavy imports       {results['heavy_imports']}")
    e = results["query_embedder"]
    if "error" in e:
        print(f"query embedder      failed: {e['error']}")
    else:
        print(
            f"query embedder      import+load+embed {e['import_load_embed_s']} s, "
            f"{e['embed_ms_median']} ms per question, max |diff| {e['max_abs_difference']:.1e} "
            f"over {e['sentences_compared']} texts (sentence-transformers: "
            f"{e['sentence_transformers_import_load_embed_s']} s to load and embed)"
        )
    print(f"goals               {results['goals_met']}")
    for miss in q["misses"]:
        print(f"MISS {miss['id']} expected {miss['expected']} cited {miss['cited']}")
    for row in q["per_question"]:
        for bad in row["ungrounded"]:
            print(f"UNGROUNDED {row['id']} [{bad['n']}] {bad['source']}: {bad['quote'][:80]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="existing workspace to use (pass a copy)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("-k", type=int, default=RECALL_AT)
    args = parser.parse_args()
    if args.cold_runs < 5:
        parser.error("--cold-runs must be at least 5")

    try:
        import agent.ask.asker  # noqa: F401  (fail early, before minutes of workspace building)
    except ImportError as exc:
        sys.exit(f"agent/ask.py is not importable yet ({exc}); nothing to benchmark")
    questions = load_questions(args.questions)
    texts = source_texts(args.corpus)
    build = None
    if args.home is None:
        home = Path(tempfile.mkdtemp(prefix="tracker-ask-bench-")) / "home"
        build = build_workspace(args.corpus, home)
    else:
        home = args.home

    results: dict[str, Any] = {
        "questions": len(questions),
        "k": args.k,
        "home": str(home),
        "built": build,
        "quality": quality_and_warm(home, questions, texts, args.k),
        "cold": cold_asks(home, questions, args.cold_runs, args.k),
        "floor": import_floor(home),
        "heavy_imports": heavy_imports_of_cold_ask(home),
        "query_embedder": query_embedder(home, texts),
        "goals": GOALS,
    }
    results["goals_met"] = verdict(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_summary(results)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
