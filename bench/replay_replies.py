"""Replay a real model's recorded replies through `tracker process`: what is accepted, and why not.

Reads a JSONL of recorded exchanges `{request, reply, seconds}` (the OpenAI-format request tracker
sent and the server's reply; `../shared/corpus/model-replies/`). The exchanges are cut into runs
(a run ends when a source comes round again) and each run is replayed in a fresh workspace over
the same source files (found by title in the shared corpus): the model is a langchain fake that
gives the recorded replies in their recorded order, so a re-ask gets the reply the model gave to
the re-ask. Everything else is tracker's real pipeline (today's prompt, parser, validator,
ledger), so the numbers say what today's tracker makes of those replies.

Run: .venv/bin/python bench/replay_replies.py [REPLIES.jsonl] [--out bench/results/replay.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_REPLIES = CORPUS / "model-replies" / "qwen2.5-coder-1.5b-q4km.jsonl"
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "replay.json"


def recorded_title(request: dict[str, Any]) -> str:
    """The source title of a recorded request (the `<source title=...>` tag)."""
    import re

    for message in request["messages"]:
        found = re.search(r'<source (?:id="[^"]*" )?title=("(?:[^"\\]|\\.)*")>', message["content"])
        if found:
            return str(json.loads(found.group(1)))
    raise ValueError("recorded request has no <source> block")


def runs_of(path: Path) -> list[list[tuple[str, list[str]]]]:
    """[[(title, [reply, re-ask reply, ...]) per source, in order] per run]."""
    runs: list[list[tuple[str, list[str]]]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        reply = record["reply"]["choices"][0]["message"]["content"]
        title = recorded_title(record["request"])
        reask = any(m["role"] == "assistant" for m in record["request"]["messages"])
        if reask:
            runs[-1][-1][1].append(reply)
            continue
        if any(t == title for t, _ in runs[-1]):
            runs.append([])
        runs[-1].append((title, [reply]))
    return [run for run in runs if run]


def source_files(titles: set[str], corpus: Path = CORPUS) -> dict[str, Path]:
    """title -> the shared corpus file with that frontmatter title."""
    from store.archive import scan_archive

    found: dict[str, Path] = {}
    for folder in sorted(corpus.glob("*/sources")):
        for source in scan_archive([folder]).sources:
            if source.title in titles and source.title not in found:
                found[source.title] = source.path
    missing = titles - found.keys()
    if missing:
        raise SystemExit(f"no source in {corpus} has the title(s): {sorted(missing)}")
    return found


def recorded_model(run: list[tuple[str, list[str]]]) -> Any:
    """A chat model that answers each prompt with the next recorded reply for its source's title
    (so a reply that parses now, where it did not then, leaves the re-ask reply unused instead of
    handing it to the next source)."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from langchain_core.messages import AIMessage

    from agent.llm.messages import message_text
    from agent.llm.prompt_blocks import read_blocks

    queues = {title: list(replies) for title, replies in run}

    class Recorded(FakeListChatModel):
        def invoke(self, messages: Any, *args: Any, **kwargs: Any) -> Any:
            prompt = next(
                message_text(m) for m in reversed(messages) if "<source " in message_text(m)
            )
            queue = queues[read_blocks(prompt).title]
            return AIMessage(content=queue.pop(0) if queue else '{"claims": []}')

    return Recorded(responses=[""])


def replay_run(run: list[tuple[str, list[str]]], files: dict[str, Path], home: Path) -> dict:
    """One run in a fresh workspace `home`; its proposals, acceptances and reason codes."""
    import agent.extract.pipeline as pipeline
    from agent.config import resolve_settings
    from agent.extract.pipeline import ProcessOptions, process

    archive = home / "archive"
    archive.mkdir(parents=True)
    for number, (title, _) in enumerate(run):
        shutil.copy(files[title], archive / f"{number:02d}-{files[title].name}")
    model = recorded_model(run)
    original = pipeline.make_chat_model
    pipeline.make_chat_model = lambda spec, embedder, settings=None: model  # type: ignore[assignment]
    try:
        settings = resolve_settings(home=str(home / ".tracker"), llm="offline")
        report = process(settings, ProcessOptions(archives=[archive], write_back=False))
    finally:
        pipeline.make_chat_model = original  # type: ignore[assignment]
    db = sqlite3.connect(home / ".tracker" / "tracker.db")
    codes: Counter[str] = Counter()
    for (reasons,) in db.execute("SELECT reasons FROM rejections"):
        codes.update({item["code"] for item in json.loads(reasons)})
    columns = {row[1] for row in db.execute("PRAGMA table_info(claims)")}
    snapped = 0
    if "snapped_from" in columns:
        for (value,) in db.execute("SELECT snapped_from FROM claims"):
            snapped += sum(1 for item in json.loads(value or "[]") if item)
    accepted = [row[0] for row in db.execute("SELECT title FROM claims ORDER BY title")]
    db.close()
    return {
        "proposed": report.claims_proposed,
        "accepted": report.claims_accepted,
        "rejected": report.claims_rejected,
        "reasons": dict(sorted(codes.items())),
        "accepted_titles": accepted,
        "snapped_quotes_in_accepted": snapped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("replies", nargs="?", type=Path, default=DEFAULT_REPLIES)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    runs = runs_of(args.replies)
    files = source_files({title for run in runs for title, _ in run}, args.corpus)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for number, run in enumerate(runs):
            results.append(replay_run(run, files, Path(tmp) / f"run{number}"))
    total: Counter[str] = Counter()
    for result in results:
        total.update(result["reasons"])
    summary = {
        "replies": str(args.replies),
        "runs": len(runs),
        "proposed": sum(r["proposed"] for r in results),
        "accepted": sum(r["accepted"] for r in results),
        "reasons": dict(sorted(total.items())),
        "per_run": results,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "per_run"}, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
