"""Time per source against registers of 5, 1,000 (and with --large 10,000) beliefs.

Run from the project root:  .venv/bin/python bench/register_scale.py [--sources N] [--large]

Issue 14's goal: a register of 1,000 beliefs costs at most 2x the time per source of five. The
five are the packaged register; the large registers add generated beliefs (statements built from
a fixed vocabulary with a seeded generator, so every run asks the same) to it. Each size gets a
fresh workspace and two runs over the first N sources of teleo-ai-alignment: a first run over
half of them (the register is embedded) and a later run that adds the other half (the register's
vectors are kept in the workspace). The model is loaded once, before any timer starts, and each
run gets an empty text cache, so no run profits from another's. Prints seconds per source and
the ratio to five beliefs; numbers go to stdout and bench/results/register_scale.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "corpus" / "teleo-ai-alignment" / "sources"
DEFAULT = ROOT / "beliefs" / "default_register.yaml"

SUBJECTS = (
    "frontier labs", "open-weight models", "interpretability research", "compute governance",
    "evaluation suites", "national regulators", "model developers", "red teams",
    "oversight boards", "scalable oversight", "reward models", "autonomous agents",
    "safety cases", "export controls", "audit firms", "benchmark makers",
)  # fmt: skip
VERBS = (
    "will outpace", "cannot keep up with", "depend on", "are shaped by", "undermine",
    "strengthen", "lag behind", "are captured by", "make tractable", "obscure",
)  # fmt: skip
OBJECTS = (
    "capability gains", "public accountability", "international coordination",
    "deceptive behaviour", "market incentives", "long-horizon planning", "verification",
    "incident reporting", "liability rules", "human feedback", "deployment decisions",
    "specification gaming", "secure hardware", "third-party access",
)  # fmt: skip


def generated_register(count: int) -> dict:
    """The packaged register plus `count - 5` generated beliefs, deterministic by seed."""
    base = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    rng = random.Random(14)
    beliefs = list(base["beliefs"])
    for n in range(len(beliefs) + 1, count + 1):
        subject, verb, obj = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)
        horizon = rng.choice(("within five years", "this decade", "before 2035", "for now"))
        beliefs.append(
            {
                "id": f"B{n}",
                "statement": f"{subject.capitalize()} {verb} {obj} {horizon} (G{n}).",
                "prior": round(rng.uniform(0.2, 0.8), 2),
                "level": "hypothesis",
                "disconfirmation": f"Evidence that {subject} do not affect {obj} {horizon}.",
            }
        )
    return {**base, "beliefs": beliefs[:count]}


def timed_runs(tmp: Path, sources: list[Path], count: int, model: object) -> dict:
    """A first run over half the sources, then a later run that adds the other half: the first
    pays for embedding the register, the later one finds its vectors in the workspace."""
    from agent.config import resolve_settings
    from agent.extract.pipeline import ProcessOptions, process
    from store.embedder import MiniLMEmbedder

    register = tmp / f"beliefs-{count}.yaml"
    register.write_text(yaml.safe_dump(generated_register(count)), encoding="utf-8")
    settings = resolve_settings(home=str(tmp / f"home-{count}"), beliefs=str(register))
    archive = tmp / f"sources-{count}"
    archive.mkdir()
    half = len(sources) // 2

    def embedder() -> MiniLMEmbedder:
        fresh = MiniLMEmbedder()
        fresh._model = model  # loaded once, outside every timer; the text cache starts empty
        return fresh

    result: dict = {"beliefs": count}
    for name, batch in (("first_run", sources[:half]), ("later_run", sources[half:])):
        for path in batch:
            shutil.copy(path, archive / path.name)
        started = time.perf_counter()
        report = process(settings, ProcessOptions(archives=[archive], write_back=False), embedder)
        seconds = time.perf_counter() - started
        result[name] = {
            "processed": report.processed,
            "failed": len(report.failed),
            "claims_accepted": report.claims_accepted,
            "evidence_events": report.evidence_events,
            "seconds": round(seconds, 2),
            "seconds_per_source": round(seconds / max(report.processed, 1), 3),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=12)
    parser.add_argument("--large", action="store_true", help="also 10,000 beliefs")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "register_scale.json"
    )
    args = parser.parse_args()
    from agent.config import prepare_model_environment
    from store.embedder import MiniLMEmbedder

    prepare_model_environment()
    model = MiniLMEmbedder()._load()
    sizes = [5, 1000] + ([10_000] if args.large else [])
    sources = sorted(SOURCES.glob("*.md"))[: args.sources]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "warm").mkdir()
        timed_runs(tmp / "warm", sources[:4], 5, model)  # imports and kernels warm, not counted
        runs = [timed_runs(tmp, sources, size, model) for size in sizes]
    for run in runs:
        for key in ("first_run", "later_run"):
            part = run[key]
            part["ratio_to_five"] = round(
                part["seconds_per_source"] / runs[0][key]["seconds_per_source"], 2
            )
        first, later = run["first_run"], run["later_run"]
        print(
            f"{run['beliefs']:>6} beliefs: first run {first['seconds_per_source']:.3f} s/source "
            f"({first['ratio_to_five']}x five), later run {later['seconds_per_source']:.3f} "
            f"s/source ({later['ratio_to_five']}x five); "
            f"{first['evidence_events'] + later['evidence_events']} events, "
            f"{first['failed'] + later['failed']} failed"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": runs}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
