"""The integrity scenarios of issue 13, measured on a copy of the shared ai-alignment corpus.

Run from the project root:  .venv/bin/python bench/integrity_bench.py [--out FILE]

Each scenario works on fresh copies in a temp folder (the shared corpus is never written) with
the real offline model and MiniLM, and reports what tracker does: curators' frontmatter kept or
not, how far copies move a belief, live events after renames, deletions, id collisions and
register edits, and whether `replay --check` holds. Numbers go to stdout and
bench/results/integrity.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "teleo-ai-alignment" / "sources"
KEEP = "2026-02-28-knuth-claudes-cycles"  # one source with evidence, for the copy scenarios
LIFECYCLE = (
    "status",
    "processed_by",
    "processed_date",
    "claims_extracted",
    "extraction_model",
    "extraction_notes",
)


class Bench:
    def __init__(self, tmp: Path) -> None:
        from agent.config import prepare_model_environment
        from store.embedder import MiniLMEmbedder

        prepare_model_environment()
        self.tmp = tmp
        self.embedder = MiniLMEmbedder()
        self.count = 0

    def fresh(self, name: str) -> tuple[Path, Path]:
        self.count += 1
        archive = self.tmp / f"{self.count}-{name}"
        shutil.copytree(CORPUS, archive)
        return archive, self.tmp / f"{self.count}-{name}-home"

    def run(self, archive: Path | list[Path], home: Path, **options: Any) -> Any:
        from agent.config import resolve_settings
        from agent.extract.pipeline import ProcessOptions, process

        beliefs = options.pop("beliefs", None)
        settings = resolve_settings(home=str(home), beliefs=str(beliefs) if beliefs else None)
        roots = archive if isinstance(archive, list) else [archive]
        return process(settings, ProcessOptions(archives=roots, **options), lambda: self.embedder)


def credences(home: Path) -> dict[str, float]:
    with sqlite3.connect(home / "tracker.db") as conn:
        return dict(conn.execute("SELECT belief, credence FROM credences").fetchall())


def live_count(home: Path, belief: str) -> int:
    with sqlite3.connect(home / "tracker.db") as conn:
        sql = "SELECT COUNT(*) FROM events WHERE belief = ? AND superseded_at IS NULL"
        return conn.execute(sql, [belief]).fetchone()[0]


def replay_ok(home: Path) -> bool:
    from agent.config import resolve_settings
    from agent.credences import replay_differences
    from agent.workspace import open_workspace

    ws = open_workspace(resolve_settings(home=str(home)))
    return not replay_differences(ws.db, ws.register, ws.rule)


def curators_kept(bench: Bench) -> dict[str, Any]:
    from store.frontmatter import parse_document

    archive, home = bench.fresh("curators")
    before = {p.name: parse_document(p.read_text()).frontmatter for p in archive.glob("*.md")}
    report = bench.run(archive, home)
    changed: dict[str, int] = dict.fromkeys(LIFECYCLE, 0)
    for path in archive.glob("*.md"):
        after = parse_document(path.read_text()).frontmatter
        for key in LIFECYCLE:
            was = before[path.name].get(key)
            if was not in (None, "unprocessed") and was != after.get(key):
                changed[key] += 1
    null_results = sum(1 for fm in before.values() if fm.get("status") == "null-result")
    return {
        "files": len(before),
        "curator_values_changed": changed,
        "curator_status_kept": report.curator_status_kept,
        "null_result_statuses_before": null_results,
        "replay_ok": replay_ok(home),
    }


def reformatted_copies(bench: Bench) -> dict[str, Any]:
    archive, home = bench.fresh("one")
    keep = KEEP
    for path in archive.iterdir():
        if path.stem != keep:
            path.unlink()
    original = next(archive.iterdir())
    bench.run(archive, home)
    one = credences(home)
    copies, copies_home = bench.fresh("copies")
    for path in copies.iterdir():
        if path.stem != keep:
            path.unlink()
    text = original.read_text()
    for number in range(20):
        variant = text.replace("\n", "\r\n" if number % 2 else "\n")
        variant = variant.replace(". ", ".  " if number % 3 else ". ").rstrip("\n" * (number % 2))
        (copies / f"copy-{number:02d}.md").write_bytes(variant.encode("utf-8"))
    report = bench.run(copies, copies_home)
    return {
        "copies": 20,
        "duplicates_reported": len(report.duplicates),
        "credences_equal_one_source": credences(copies_home) == one,
        "one_source_credences": one,
        "twenty_copies_credences": credences(copies_home),
    }


def saved_three_ways(bench: Bench) -> dict[str, Any]:
    archive, home = bench.fresh("plain")
    bench.run(archive, home)
    plain_b1 = live_count(home, "B1")
    other, other_home = bench.fresh("saved-three-ways")
    for path in list(other.glob("*.md")):
        text = path.read_text()
        (other / f"{path.stem}-crlf.md").write_bytes(text.replace("\n", "\r\n").encode())
        (other / f"{path.stem}-bom.md").write_bytes(("\ufeff" + text).encode())
        (other / f"{path.stem}-nofinal.md").write_bytes(text.rstrip("\n").encode())
    bench.run(other, other_home)
    return {
        "b1_live_events_original": plain_b1,
        "b1_live_events_with_three_copies_each": live_count(other_home, "B1"),
        "credences_equal": credences(other_home) == credences(home),
    }


def rename_delete_ids(bench: Bench) -> dict[str, Any]:
    archive, home = bench.fresh("rename")
    bench.run(archive, home)
    name = KEEP
    renamed = archive / f"{name}-moved.md"
    (archive / f"{name}.md").rename(renamed)
    rename_report = bench.run(archive, home)
    renamed.write_text(renamed.read_text() + "\nA curator's added paragraph on the report.\n")
    bench.run(archive, home)
    gone = sorted(archive.glob("2026-*.md"))[0]
    gone.unlink()
    delete_report = bench.run(archive, home)
    clean, clean_home = bench.fresh("clean-after")
    shutil.rmtree(clean)
    shutil.copytree(archive, clean)
    bench.run(clean, clean_home, write_back=False)
    # id collisions: two folders with the same file name, then a third ahead of them
    root = bench.tmp / "collide"
    for folder in ("b", "c"):
        shutil.copytree(CORPUS, root / folder)
    collide_home = bench.tmp / "collide-home"
    bench.run(root, collide_home)
    with sqlite3.connect(collide_home / "tracker.db") as conn:
        ids_before = dict(conn.execute("SELECT abspath, id FROM sources").fetchall())
    (root / "a").mkdir()
    shutil.copyfile(CORPUS / f"{name}.md", root / "a" / f"{name}.md")
    collide_report = bench.run(root, collide_home)
    with sqlite3.connect(collide_home / "tracker.db") as conn:
        ids_after = dict(conn.execute("SELECT abspath, id FROM sources").fetchall())
    shifted = sum(1 for path, sid in ids_before.items() if ids_after.get(path) != sid)
    return {
        "rename_reported": rename_report.removed,
        "delete_reported": delete_report.removed,
        "credences_equal_clean_run": credences(home) == credences(clean_home),
        "b2_live_events": live_count(home, "B2"),
        "b2_live_events_clean_run": live_count(clean_home, "B2"),
        "ids_shifted_by_a_new_collision": shifted,
        "new_file_counted_as_duplicate_of": [
            d["same_as"] for d in collide_report.duplicates if "/a/" in d["path"]
        ],
        "replay_ok": replay_ok(home) and replay_ok(collide_home),
    }


def register_rename_only(bench: Bench) -> dict[str, Any]:
    archive, home = bench.fresh("rename-belief")
    bench.run(archive, home)
    before = credences(home)
    path = home / "beliefs.yaml"
    path.write_text(path.read_text().replace("id: B4", "id: B6"))
    report = bench.run(archive, home)
    return {
        "reprocessed": report.processed,
        "b6_equals_old_b4": credences(home).get("B6") == before.get("B4"),
        "b4_live_events": live_count(home, "B4"),
        "b6_live_events": live_count(home, "B6"),
        "replay_ok": replay_ok(home),
    }


def register_edits(bench: Bench) -> dict[str, Any]:
    archive, home = bench.fresh("register")
    bench.run(archive, home)
    before = credences(home)
    path = home / "beliefs.yaml"
    text = path.read_text()
    text = text.replace("id: B4", "id: B6").replace("prior: 0.8", "prior: 0.7")
    path.write_text(text[: text.index("  - id: B5")])
    started = time.perf_counter()
    report = bench.run(archive, home)
    changes = report.register_changes.as_json() if report.register_changes else None
    after = credences(home)
    return {
        "changes": changes,
        "reprocessed": report.processed,
        "seconds": round(time.perf_counter() - started, 2),
        "b6_equals_old_b4": after.get("B6") == before.get("B4"),
        "b5_live_events": live_count(home, "B5"),
        "replay_ok": replay_ok(home),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "integrity.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"corpus": str(CORPUS)}
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp))
        for name, scenario in (
            ("curators", curators_kept),
            ("reformatted_copies", reformatted_copies),
            ("saved_three_ways", saved_three_ways),
            ("rename_delete_ids", rename_delete_ids),
            ("register_rename_only", register_rename_only),
            ("register_edits", register_edits),
        ):
            started = time.perf_counter()
            results[name] = scenario(bench)
            results[name]["bench_seconds"] = round(time.perf_counter() - started, 1)
            print(f"{name}: {json.dumps(results[name])}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
