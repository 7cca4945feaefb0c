"""Off-topic sources move nothing: teleo-collective's 65 sources of other domains (health, space,
collective intelligence, cultural dynamics ...) processed against the default register (Theseus's
ai-alignment beliefs), once as they are and once with their frontmatter removed.

With frontmatter, a source's `domain` routes it: a domain the register does not cover means the
model is shown no beliefs and nothing moves (the extraction note says why). Without frontmatter
there is no domain, and the relevance rule alone decides (a claim links only the beliefs it is
about, and a direction needs an explicit signal aimed at the belief's claim). The goal: total
move per belief at most 0.01 in both runs.

Run from the project root:  .venv/bin/python bench/offtopic_bench.py [--out FILE]
The copies live in a temporary folder; the shared corpus is read, never written.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "corpus" / "teleo-collective" / "sources"
GOAL = 0.01


def _tracker() -> str:
    return str(Path(sys.executable).parent / "tracker")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return env


def _cli(args: list[str]) -> dict | list:
    done = subprocess.run(
        [_tracker(), *args, "--json"], capture_output=True, text=True, env=_env(), check=False
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"tracker {args[0]} exited {done.returncode}: {done.stderr[-800:]}")
    return json.loads(done.stdout)


def _without_frontmatter(text: str) -> str:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[text.find("\n", end + 1) + 1 :]
    return text


def run(label: str, work: Path, strip: bool) -> dict:
    archive, home = work / label / "archive", work / label / "home"
    archive.mkdir(parents=True)
    for path in sorted(SOURCES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        (archive / path.name).write_text(
            _without_frontmatter(text) if strip else text, encoding="utf-8"
        )
    started = time.perf_counter()
    report = _cli(["process", str(archive), "--home", str(home), "--no-write-back"])
    seconds = time.perf_counter() - started
    beliefs = _cli(["beliefs", "--home", str(home)])
    moves, directional, related = {}, {}, {}
    for row in beliefs:
        moves[row["id"]] = round(row["credence"] - row["prior"], 6)
        events = _cli(["history", row["id"], "--home", str(home)])
        live = [e for e in events if e.get("kind", "evidence") == "evidence"]
        directional[row["id"]] = sum(e["stance"] != "related" for e in live)
        related[row["id"]] = sum(e["stance"] == "related" for e in live)
    worst = max(abs(v) for v in moves.values())
    return {
        "frontmatter": not strip,
        "sources": report.get("sources_seen"),
        "unrouted": report.get("unrouted"),
        "claims_accepted": report.get("claims_accepted"),
        "evidence_events": report.get("evidence_events"),
        "move_per_belief": moves,
        "directional_events": directional,
        "related_events": related,
        "largest_move": worst,
        "goal_met": worst <= GOAL,
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "offtopic.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="offtopic-") as tmp:
        work = Path(tmp)
        results = {
            "corpus": str(SOURCES),
            "register": "packaged default (theseus, domains: ai-alignment)",
            "goal": f"total move per belief <= {GOAL}",
            "runs": [run("with", work, strip=False), run("without", work, strip=True)],
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for r in results["runs"]:
        state = "met" if r["goal_met"] else "NOT met"
        print(
            f"frontmatter={r['frontmatter']!s:<5} sources {r['sources']} unrouted {r['unrouted']} "
            f"claims {r['claims_accepted']} events {r['evidence_events']} "
            f"largest move {r['largest_move']:.4f} ({state}); moves {r['move_per_belief']}; "
            f"directional {r['directional_events']}; related {r['related_events']}"
        )


if __name__ == "__main__":
    main()
