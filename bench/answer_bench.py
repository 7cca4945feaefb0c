"""Benchmark the answers of `tracker ask` on both shared corpora: do they answer?

Run from the project root:
    .venv/bin/python bench/answer_bench.py [--home DIR] [--questions FILE] [--out FILE]
                                           [--code DIR] [--label NAME]

Without --home a fresh workspace is built with `tracker process --no-write-back` over
../shared/corpus/teleo-ai-alignment/sources and ../shared/corpus/teleo-collective/sources (real
MiniLM, several minutes); with --home an existing workspace is used (pass a COPY: opening it runs
any pending migration). `--code DIR` runs another checkout of tracker (e.g. `git archive` of an
older commit unpacked into DIR) against the same workspace, for before/after numbers; the
script itself only needs `Asker(settings).ask(question, k)` returning `answer` and `citations`.

Scored per question of bench/answer_questions.yaml, with a warm `Asker.ask(question, k=5)`:

- source hit: one of the expected sources is cited (for `sources: ledger`, one of the three
  sources with the most live weight on the side asked for in the belief's ledger);
- facts: share of the required facts found in the answer TEXT (substring, or /regex/, case
  insensitive); for a belief question the belief's id and "credence 0.NN" are required too;
  also the share of questions with every fact present;
- grounding: share of all shown citations whose quote is found in the cited corpus FILE
  (rechecked here with `agent.text.normalize.quote_in_text`, independently of the asker);
- clean quotes: share of citations free of markup and curation labels (`**`, `[[`, a leading
  `- `/`#`, `CLAIM:`, `PRIMARY CONNECTION:`, a bare table row of `|` cells);
- cold: median wall time of `python -m agent.cli ask QUESTION --json` subprocesses; warm: median
  and p90 of `Asker.ask` after one warm-up question.

Results go to bench/results/answers.json (or --out); nothing here touches the network.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [
    ROOT.parent / "shared" / "corpus" / "teleo-ai-alignment" / "sources",
    ROOT.parent / "shared" / "corpus" / "teleo-collective" / "sources",
]
DEFAULT_QUESTIONS = ROOT / "bench" / "answer_questions.yaml"
DEFAULT_OUT = ROOT / "bench" / "results" / "answers.json"
K = 5
LEDGER_TOP = 3
SIDES = {"against": ("challenges", "complicates"), "for": ("supports",)}
_MARKUP = re.compile(
    r"\*\*|\[\[|^\s*(?:[-*+]\s|#+\s|>)|^(?:CLAIM|PRIMARY CONNECTION|WHY ARCHIVED|EXTRACTION HINTS?)"
    r"\s*:|^\|",
    re.I,
)


def load_questions(path: Path) -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def corpus_texts() -> dict[str, str]:
    """Every corpus file's whole text by source id (file stem), read here, not through tracker."""
    texts: dict[str, str] = {}
    for corpus in CORPORA:
        for path in sorted(corpus.rglob("*")):
            if path.is_file() and path.suffix in (".md", ".markdown", ".txt"):
                if path.stem in texts:
                    sys.exit(f"two corpus files share the id {path.stem}")
                texts[path.stem] = path.read_text(encoding="utf-8")
    return texts


def env_for(home: Path, code: Path) -> dict[str, str]:
    env = {**os.environ, "TRACKER_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["PYTHONPATH"] = str(code)
    for name in ("TRACKER_LLM", "TRACKER_BELIEFS", "TRACKER_CHROMA_URL"):
        env.pop(name, None)
    return env


def build_workspace(home: Path, code: Path) -> dict[str, Any]:
    """`tracker process` both corpora into `home`, leaving the shared files as they are."""
    cmd = [sys.executable, "-m", "agent.cli", "process", *map(str, CORPORA), "--no-write-back"]
    start = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "--json"], env=env_for(home, code), capture_output=True, text=True, cwd=code
    )
    if proc.returncode not in (0, 1):
        sys.exit(f"tracker process failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return {"seconds": round(time.perf_counter() - start, 1), **json.loads(proc.stdout)}


def fact_found(fact: str, text: str) -> bool:
    if len(fact) > 2 and fact.startswith("/") and fact.endswith("/"):
        return re.search(fact[1:-1], text, re.I) is not None
    return fact.casefold() in text.casefold()


def ledger_sources(home: Path, belief: str, side: str) -> list[str]:
    """The sources carrying the most live weight on one side of a belief's ledger."""
    import sqlite3

    stances = SIDES.get(side, ("supports", "challenges", "complicates"))
    marks = ", ".join("?" for _ in stances)
    with sqlite3.connect(f"file:{home / 'tracker.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            f"SELECT source, SUM(weight) FROM events WHERE belief = ? AND stance IN ({marks}) "
            "AND superseded_at IS NULL GROUP BY source ORDER BY 2 DESC, source LIMIT ?",
            [belief, *stances, LEDGER_TOP],
        ).fetchall()
    return [r[0] for r in rows]


def score(home: Path, questions: list[dict[str, Any]], texts: dict[str, str]) -> dict[str, Any]:
    """Ask every question through one warm Asker and score the answers."""
    from agent.ask.asker import Asker
    from agent.config import resolve_settings
    from agent.text.normalize import quote_in_text

    asker = Asker(resolve_settings(home=str(home)))
    start = time.perf_counter()
    asker.ask("What is mechanistic interpretability?", k=K)
    first_call = time.perf_counter() - start
    rows, warm = [], []
    for q in questions:
        start = time.perf_counter()
        answer = asker.ask(q["question"], k=K)
        warm.append((time.perf_counter() - start) * 1000)
        expected = q["sources"]
        if expected == "ledger":
            expected = ledger_sources(home, q["belief"], q.get("side", "any"))
        facts = list(q.get("facts") or [])
        if q.get("belief"):
            facts += [f"/\\b{q['belief']}\\b/", "/credence 0\\.\\d\\d/"]
        present = [f for f in facts if fact_found(f, answer.answer)]
        cited = [c.source for c in answer.citations]
        grounded = [bool(quote_in_text(c.quote, texts.get(c.source, ""))) for c in answer.citations]
        clean = [not _MARKUP.search(c.quote) for c in answer.citations]
        rows.append(
            {
                "id": q["id"],
                "kind": q["kind"],
                "question": q["question"],
                "expected": expected,
                "cited": cited,
                "hit": any(s in expected for s in cited),
                "facts": facts,
                "facts_present": present,
                "facts_missing": [f for f in facts if f not in present],
                "citations": len(cited),
                "grounded": sum(grounded),
                "clean": sum(clean),
                "dropped_citations": answer.dropped_citations,
                "warm_ms": round(warm[-1], 1),
                "answer": answer.answer,
                "quotes": [c.quote for c in answer.citations],
            }
        )
    shown = sum(r["citations"] for r in rows)
    by_kind = {}
    for kind in sorted({r["kind"] for r in rows}):
        of = [r for r in rows if r["kind"] == kind]
        by_kind[kind] = {
            "questions": len(of),
            "source_hit": round(sum(r["hit"] for r in of) / len(of), 3),
            "facts": round(statistics.mean(_fact_share(r) for r in of), 3),
        }
    ordered = sorted(warm)
    return {
        "source_hit": round(sum(r["hit"] for r in rows) / len(rows), 3),
        "facts_present": round(statistics.mean(_fact_share(r) for r in rows), 3),
        "all_facts": round(sum(not r["facts_missing"] for r in rows) / len(rows), 3),
        "grounding": round(sum(r["grounded"] for r in rows) / shown, 3) if shown else None,
        "clean_quotes": round(sum(r["clean"] for r in rows) / shown, 3) if shown else None,
        "citations_shown": shown,
        "by_kind": by_kind,
        "warm_first_call_s": round(first_call, 2),
        "warm_ms_median": round(statistics.median(warm), 1),
        "warm_ms_p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "per_question": rows,
    }


def _fact_share(row: dict[str, Any]) -> float:
    return len(row["facts_present"]) / len(row["facts"]) if row["facts"] else 1.0


def cold(home: Path, code: Path, questions: list[dict[str, Any]], runs: int) -> dict[str, Any]:
    """Median wall time of `tracker ask --json` in a fresh interpreter, one per question."""
    times, failures = [], []
    for q in questions[:runs]:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "agent.cli", "ask", q["question"], "-k", str(K), "--json"],
            env=env_for(home, code),
            capture_output=True,
            text=True,
            cwd=code,
        )
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            failures.append({"id": q["id"], "exit": proc.returncode, "stderr": proc.stderr[-300:]})
        else:
            json.loads(proc.stdout)
    return {
        "cold_s_median": round(statistics.median(times), 2),
        "cold_s_all": [round(t, 2) for t in times],
        "cold_failures": failures,
    }


def print_summary(result: dict[str, Any]) -> None:
    s = result["scores"]
    print(f"{result['label']}: {result['questions']} questions, k={K}, code {result['code']}")
    print(f"source hit          {s['source_hit']:.3f}")
    print(f"facts present       {s['facts_present']:.3f}  (every fact: {s['all_facts']:.3f})")
    print(f"grounding           {s['grounding']}  ({s['citations_shown']} citations)")
    print(f"clean quotes        {s['clean_quotes']}")
    for kind, row in s["by_kind"].items():
        print(
            f"  {kind:<9} hit {row['source_hit']:.2f}  facts {row['facts']:.2f}  "
            f"({row['questions']})"
        )
    print(f"warm ask            median {s['warm_ms_median']} ms, p90 {s['warm_ms_p90']} ms")
    c = result["cold"]
    print(f"cold tracker ask    median {c['cold_s_median']} s  {c['cold_s_all']}")
    for row in s["per_question"]:
        if row["facts_missing"] or not row["hit"]:
            miss = "" if row["hit"] else f" MISS cited {row['cited']}"
            print(f"  {row['id']}: missing {row['facts_missing']}{miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="existing workspace to use (pass a copy)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--code", type=Path, default=ROOT, help="tracker checkout to run")
    parser.add_argument("--label", default="current")
    parser.add_argument("--cold-runs", type=int, default=7)
    args = parser.parse_args()
    code = args.code.resolve()
    sys.path.insert(0, str(code))
    questions = load_questions(args.questions)
    texts = corpus_texts()
    build = None
    home = args.home
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="tracker-answer-bench-")) / "home"
        build = build_workspace(home, code)
    result = {
        "label": args.label,
        "code": str(code),
        "home": str(home),
        "built": build,
        "questions": len(questions),
        "scores": score(home, questions, texts),
        "cold": cold(home, code, questions, args.cold_runs),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_summary(result)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
