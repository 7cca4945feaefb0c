"""The whole teleo-collective folder processed as a collective of its seven belief holders.

Run from the project root:  .venv/bin/python bench/collective_bench.py [--out FILE]

Builds a workspace from `bench/teleo_collective.yaml` (seven beliefs.md files) over a copy of the
65 sources of `../shared/corpus/teleo-collective/sources`, with the offline model and MiniLM,
and prints per holder: sources routed to it, live events, credences moved, and the time per
source of the run; plus the unrouted sources and whether `replay --check` holds.
Numbers go to stdout and bench/results/collective.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "corpus" / "teleo-collective" / "sources"
COLLECTIVE = ROOT / "bench" / "teleo_collective.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "collective.json")
    args = parser.parse_args()
    from agent.config import prepare_model_environment, resolve_settings
    from agent.credences import replay_differences
    from agent.extract.pipeline import ProcessOptions, process
    from agent.extract.routing import route, source_domains
    from agent.workspace import open_workspace

    prepare_model_environment()
    with tempfile.TemporaryDirectory() as tmp:
        archive, home = Path(tmp) / "sources", Path(tmp) / "home"
        shutil.copytree(SOURCES, archive)
        settings = resolve_settings(home=str(home), beliefs=str(COLLECTIVE))
        started = time.perf_counter()
        report = process(settings, ProcessOptions(archives=[archive], write_back=False))
        seconds = time.perf_counter() - started
        ws = open_workspace(resolve_settings(home=str(home)))
        with sqlite3.connect(home / "tracker.db") as conn:
            routed: Counter[str] = Counter()
            for (frontmatter,) in conn.execute(
                "SELECT frontmatter FROM sources WHERE status IN ('processed', 'null-result')"
            ):
                for agent in route(ws.register, source_domains(json.loads(frontmatter))).agents:
                    routed[agent] += 1
            events = Counter(
                belief.split("/")[0]
                for (belief,) in conn.execute(
                    "SELECT belief FROM events WHERE superseded_at IS NULL AND weight > 0"
                )
            )
            credences = dict(conn.execute("SELECT belief, credence FROM credences"))
        holders = {}
        for holder in ws.register.holders:
            beliefs = [b for b in ws.register.beliefs if b.holder == holder.agent]
            moves = {b.id: round(credences.get(b.id, b.prior) - b.prior, 4) for b in beliefs}
            holders[holder.agent] = {
                "domains": list(holder.domains),
                "beliefs": len(beliefs),
                "sources_routed": routed[holder.agent],
                "live_events": events[holder.agent],
                "credence_moves": moves,
            }
        results = {
            "sources": report.sources_seen,
            "processed": report.processed,
            "unrouted": len(report.unrouted_sources),
            "unrouted_sources": report.unrouted_sources,
            "claims_accepted": report.claims_accepted,
            "seconds": round(seconds, 1),
            "seconds_per_source": round(seconds / max(report.sources_seen, 1), 3),
            "replay_ok": not replay_differences(ws.db, ws.register, ws.rule),
            "holders": holders,
        }
    for agent, row in holders.items():
        print(
            f"{agent:<8} {','.join(row['domains']):<45} routed {row['sources_routed']:>3}  "
            f"events {row['live_events']:>3}"
        )
    print(
        f"{results['sources']} sources, {results['unrouted']} unrouted, "
        f"{results['seconds']} s ({results['seconds_per_source']} s/source), "
        f"replay {'ok' if results['replay_ok'] else 'DIFFERS'}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
