"""The pipeline end to end on small archives, with the hashing embedder and a real Chroma."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.config import resolve_settings
from agent.extract.pipeline import ProcessOptions, process
from agent.workspace import WorkspaceBusy, open_workspace, process_lock
from store.archive import scan_archive


def run(archive: Path | list[Path], home: Path | None = None, **kwargs):
    settings = resolve_settings(home=str(home) if home else None)
    roots = archive if isinstance(archive, list) else [archive]
    return process(settings, ProcessOptions(archives=roots, **kwargs))


def credences(home: Path | None = None) -> dict[str, float]:
    ws = open_workspace(resolve_settings(home=str(home) if home else None))
    return {row[0]: row[1] for row in ws.db.execute("SELECT belief, credence FROM credences")}


def live_events(home: Path | None = None) -> list[tuple]:
    ws = open_workspace(resolve_settings(home=str(home) if home else None))
    return ws.db.execute(
        "SELECT belief, source, stance, weight FROM events WHERE superseded_at IS NULL "
        "ORDER BY belief, source, stance, weight"
    ).fetchall()


def test_sample_archive_processes_and_writes_back(fake_embedder, sample_archive: Path) -> None:
    before = {p.name: p.read_text() for p in sample_archive.iterdir()}
    report = run(sample_archive)
    assert report.sources_seen == 4 == report.processed
    assert report.failed == []
    assert report.claims_accepted > 0
    assert report.claims_proposed == report.claims_accepted + report.claims_rejected
    for source in scan_archive([sample_archive]).sources:
        assert source.status in ("processed", "null-result")
        assert source.frontmatter["processed_by"] == "theseus"
        assert source.frontmatter["extraction_model"] == "offline"
        assert "rejected by validator" in source.frontmatter["extraction_notes"]
        original = before[source.path.name]
        assert source.body == original[len(original) - len(source.body) :]


def test_second_run_skips_everything_and_changes_nothing(fake_embedder, sample_archive) -> None:
    run(sample_archive)
    first = credences()
    events = live_events()
    report = run(sample_archive)
    assert (report.processed, report.skipped, report.claims_proposed) == (0, 4, 0)
    assert credences() == first
    assert live_events() == events


def test_order_independence(fake_embedder, sample_archive, tmp_path) -> None:
    files = sorted(sample_archive.iterdir())
    for home, order in ((tmp_path / "h1", files), (tmp_path / "h2", list(reversed(files)))):
        for path in order:
            run(path, home=home, write_back=False)
    assert credences(tmp_path / "h1") == credences(tmp_path / "h2")
    assert live_events(tmp_path / "h1") == live_events(tmp_path / "h2")


def test_duplicate_content_counts_once(fake_embedder, sample_archive, tmp_path) -> None:
    clean_home = tmp_path / "clean"
    run(sample_archive, home=clean_home, write_back=False)
    src = sample_archive / "2026-02-14-lab-safety-budgets-survey.md"
    copy_dir = tmp_path / "more"
    copy_dir.mkdir()
    shutil.copy(src, copy_dir / "copy-of-survey.md")
    report = run([sample_archive, copy_dir], write_back=False)
    assert report.duplicates == [{"path": str(copy_dir / "copy-of-survey.md"), "same_as": src.stem}]
    assert report.sources_seen == 5 and report.skipped == 1 and report.processed == 4
    assert credences() == credences(clean_home)


def test_changed_source_replaces_its_evidence(fake_embedder, sample_archive, tmp_path) -> None:
    run(sample_archive)
    # The one sample source whose claims take a stance under the hashing embedder (the field
    # notes' stance came from their "Why this matters" note, no longer shown to the model).
    target = sample_archive / "reading-list-notes.txt"
    text = target.read_text()
    assert "questions of values or intent" in text
    target.write_text(text.replace("questions of values or intent", "questions of goals or intent"))
    report = run(sample_archive)
    assert report.processed == 1 and report.skipped == 3
    # A clean run over the changed archive gives exactly the same credences.
    clean = tmp_path / "clean-archive"
    shutil.copytree(sample_archive, clean)
    run(clean, home=tmp_path / "clean-home", write_back=False)
    assert credences() == credences(tmp_path / "clean-home")
    ws = open_workspace(resolve_settings())
    superseded = ws.db.execute(
        "SELECT DISTINCT source FROM events WHERE superseded_at IS NOT NULL"
    ).fetchall()
    assert superseded == [(target.stem,)]  # the old events stay in the ledger, marked


def test_bad_file_fails_alone(fake_embedder, sample_archive) -> None:
    bad = sample_archive / "broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n")
    original = bad.read_bytes()
    report = run(sample_archive)
    assert [f["path"] for f in report.failed] == [str(bad)]
    assert "YAML" in report.failed[0]["error"]
    assert report.processed == 4
    assert report.sources_seen == report.processed + report.skipped + len(report.failed)
    assert bad.read_bytes() == original


def test_no_write_back_leaves_files(fake_embedder, sample_archive) -> None:
    before = {p: p.read_bytes() for p in sample_archive.iterdir()}
    run(sample_archive, write_back=False)
    assert {p: p.read_bytes() for p in sample_archive.iterdir()} == before


def test_only_unprocessed(fake_embedder, sample_archive) -> None:
    from store.archive import write_back

    path = sample_archive / "2026-02-14-lab-safety-budgets-survey.md"
    for source in scan_archive([sample_archive]).sources:  # whatever an earlier run wrote
        write_back(source, {"status": "enrichment" if source.path == path else "unprocessed"})
    report = run(sample_archive, only_unprocessed=True)
    assert report.processed == 3
    ws = open_workspace(resolve_settings())
    assert (
        ws.db.execute("SELECT COUNT(*) FROM sources WHERE id = ?", [path.stem]).fetchone()[0] == 0
    )


def test_lock_refuses_a_second_run(fake_embedder, sample_archive, workspace_env) -> None:
    with process_lock(workspace_env / "process.lock"), pytest.raises(WorkspaceBusy, match="busy"):
        run(sample_archive)


def test_replay_matches_after_processing(fake_embedder, sample_archive) -> None:
    from agent.credences import replay_differences

    run(sample_archive)
    ws = open_workspace(resolve_settings())
    assert replay_differences(ws.db, ws.register, ws.rule) == []
    ws.db.execute("UPDATE credences SET credence = credence + 0.01 WHERE belief = 'B1'")
    ws.db.conn.commit()
    assert [d.belief for d in replay_differences(ws.db, ws.register, ws.rule)] == ["B1"]


def test_rejections_are_stored_with_reasons(fake_embedder, sample_archive) -> None:
    report = run(sample_archive)
    ws = open_workspace(resolve_settings())
    rows = ws.db.execute("SELECT reasons, proposed FROM rejections").fetchall()
    assert len(rows) == report.claims_rejected
    for reasons, proposed in rows:
        assert json.loads(reasons) and all(r["code"] and r["message"] for r in json.loads(reasons))
        assert proposed is not None
