"""Benchmark the remote-model path on the shared corpus against a loopback OpenAI-compatible server.

Run from the project root:  .venv/bin/python bench/provider_bench.py [--latency S] [--out FILE]

The server (bench/loopback_openai.py) answers every extraction after `--latency` seconds with claims
quoting the source, as a well-behaved remote model would. Measured, each as a whole `tracker
process` subprocess on a fresh workspace: wall time with --jobs 1 and --jobs 4 (the point of
--jobs: provider latency overlaps), whether both give the same credences, and a re-run after
forgetting the sources, which the reply cache must serve without one request reaching the server.
Numbers go to stdout and bench/results/providers.json. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loopback_openai import LoopbackModel  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "teleo-ai-alignment" / "sources"
TRACKER = str(Path(sys.executable).parent / "tracker")


def run(corpus: Path, home: Path, env: dict[str, str], jobs: int) -> tuple[float, dict]:
    started = time.perf_counter()
    result = subprocess.run(
        [TRACKER, "process", str(corpus), "--no-write-back", "--json", "--jobs", str(jobs)],
        env={**env, "TRACKER_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"tracker process failed: {result.stderr[-2000:]}")
    return elapsed, json.loads(result.stdout)


def credences(home: Path) -> dict[str, float]:
    with sqlite3.connect(home / "tracker.db") as conn:
        return dict(conn.execute("SELECT belief, credence FROM credences").fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "providers.json")
    args = parser.parse_args()

    results: dict[str, object] = {"latency_s": args.latency, "corpus": str(args.corpus)}
    with LoopbackModel(args.latency, claims=3) as server, tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "OPENAI_BASE_URL": server.url,
            "TRACKER_LLM": "openai:bench",
            "TRACKER_PRICES": str(Path(tmp) / "prices.yaml"),
        }
        Path(env["TRACKER_PRICES"]).write_text("openai:bench: {input: 0.15, output: 0.6}\n")
        homes = {}
        for jobs in (1, 4):
            homes[jobs] = Path(tmp) / f"home-{jobs}"
            before = server.requests
            seconds, report = run(args.corpus, homes[jobs], env, jobs)
            results[f"jobs_{jobs}"] = {
                "seconds": round(seconds, 2),
                "requests": server.requests - before,
                "processed": report["processed"],
                "model_calls": report["model_calls"],
            }
            print(f"--jobs {jobs}: {seconds:.1f} s, {report['model_calls']}")
        results["same_credences"] = credences(homes[1]) == credences(homes[4])
        with sqlite3.connect(homes[4] / "tracker.db") as conn:
            conn.execute("DELETE FROM sources")
        before = server.requests
        seconds, report = run(args.corpus, homes[4], env, 4)
        results["cached_rerun"] = {
            "seconds": round(seconds, 2),
            "requests": server.requests - before,
            "model_calls": report["model_calls"],
        }
        print(f"re-run from cache: {seconds:.1f} s, {server.requests - before} requests")
    print(f"same credences with --jobs 1 and 4: {results['same_credences']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
