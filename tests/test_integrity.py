"""Counted once whatever happens to the files, and nothing of the curators' lost (issue 13).

Every scenario runs the real pipeline (offline model, hashing embedder, real SQLite and Chroma
in a temp folder) and ends by checking the ledger against a clean run on the final files and
`tracker replay --check`.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agent.cli import app
from agent.config import resolve_settings
from agent.extract.pipeline import ProcessOptions, ProcessReport, process
from agent.workspace import open_workspace
from store.archive import scan_archive
from store.frontmatter import parse_document

SAMPLE = Path(__file__).resolve().parent.parent / "archive"
runner = CliRunner()

CURATED = """---
type: source
title: "A survey the curators already processed"
url: https://example.org/curated
date: 2026-01-00
domain: ai-alignment
format: report
status: null-result
processed_by: theseus
processed_date: 2026-01-20
claims_extracted:
  - "Safety budgets lag capability budgets at every lab surveyed"
extraction_model: "anthropic/claude-sonnet-4.5"
extraction_notes: "Curator: one claim, kept as an enrichment of an existing note."
---

Labs surveyed in the study spent a small share of compute on safety evaluation.
Reviewers needed four times longer than the models took to produce the transcripts they checked.
Oversight of agentic coding fell behind as the changes it produced grew longer and more numerous.
"""


def run(archive: Path | list[Path], home: Path, **options) -> ProcessReport:
    roots = archive if isinstance(archive, list) else [archive]
    beliefs = options.pop("beliefs", None)
    settings = resolve_settings(home=str(home), beliefs=str(beliefs) if beliefs else None)
    return process(settings, ProcessOptions(archives=roots, **options))


def credences(home: Path) -> dict[str, float]:
    result = runner.invoke(app, ["beliefs", "--json", "--home", str(home)])
    assert result.exit_code == 0, result.stderr
    return {row["id"]: round(row["credence"], 12) for row in json.loads(result.stdout)}


def live_events(home: Path) -> list[tuple]:
    ws = open_workspace(resolve_settings(home=str(home)))
    return ws.db.execute(
        "SELECT belief, source, stance, weight FROM events WHERE superseded_at IS NULL "
        "ORDER BY belief, source, stance, weight"
    ).fetchall()


def replay_holds(home: Path) -> bool:
    result = runner.invoke(app, ["replay", "--check", "--home", str(home)])
    return result.exit_code == 0


def clean_run(archive: Path, tmp: Path) -> dict[str, float]:
    """Credences of a fresh workspace over a copy of the archive as it is now."""
    copy = tmp / f"clean-{len(list(tmp.glob('clean-*')))}"
    shutil.copytree(archive, copy)
    home = copy.with_name(copy.name + "-home")
    run(copy, home, write_back=False)
    return credences(home)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    target = tmp_path / "archive"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


# -- 1. curators' keys are theirs -----------------------------------------------------------------


def test_write_back_keeps_every_value_a_curator_set(fake_embedder, archive, home) -> None:
    path = archive / "curated.md"
    path.write_text(CURATED)
    report = run(archive, home)
    assert report.curator_status_kept == 1
    after = parse_document(path.read_text()).frontmatter
    before = parse_document(CURATED).frontmatter
    for key in ("status", "processed_by", "processed_date", "claims_extracted"):
        assert after[key] == before[key]
    assert after["extraction_model"] == before["extraction_model"]
    assert after["extraction_notes"] == before["extraction_notes"]
    record = after["tracker"]
    assert record["status"] in ("processed", "null-result") and record["model"] == "offline"
    assert record["wrote"] == []  # it wrote none of the curator's keys
    # Everything else stays byte for byte: the curator's block is still in the file as written.
    assert CURATED.split("---\n")[1] in path.read_text()
    # A file tracker had written nothing into before gets tracker's values.
    sample = parse_document((archive / "2026-02-14-lab-safety-budgets-survey.md").read_text())
    assert sample.frontmatter["status"] in ("processed", "null-result")
    assert sample.frontmatter["processed_by"] == "theseus"
    assert replay_holds(home)


def test_tracker_updates_what_it_wrote_but_not_a_later_curator_edit(
    fake_embedder, archive, home
) -> None:
    path = archive / "2026-05-00-oversight-gap-field-notes.md"
    run(archive, home)
    first = parse_document(path.read_text()).frontmatter
    assert "status" in first["tracker"]["wrote"]
    # The content changes: tracker may rewrite its own values.
    path.write_text(
        path.read_text() + "\nA later paragraph adds one more observation of reviews.\n"
    )
    run(archive, home)
    second = parse_document(path.read_text()).frontmatter
    assert second["processed_date"] == second["tracker"]["processed_date"]
    # A curator takes the status over; the next change of content leaves it alone.
    text = path.read_text().replace(f"status: {second['status']}", "status: enrichment")
    path.write_text(text + "\nAnd one more line about the review queue.\n")
    report = run(archive, home)
    third = parse_document(path.read_text()).frontmatter
    assert third["status"] == "enrichment" and report.curator_status_kept == 1
    assert "status" not in third["tracker"]["wrote"]


def test_another_workspace_recognises_trackers_own_values(fake_embedder, archive, tmp_path):
    run(archive, tmp_path / "one")
    path = archive / "2026-05-00-oversight-gap-field-notes.md"
    path.write_text(path.read_text() + "\nA paragraph the second workspace reads first.\n")
    report = run(archive, tmp_path / "two")  # a fresh database: only the file's record is left
    assert report.curator_status_kept == 0


def test_take_over_writes_trackers_values_into_curators_keys(fake_embedder, archive, home):
    path = archive / "curated.md"
    path.write_text(CURATED)
    run(archive, home, take_over=True)
    after = parse_document(path.read_text()).frontmatter
    assert after["extraction_model"] == "offline" and after["processed_by"] == "theseus"


# -- 2. one content, one source -------------------------------------------------------------------

REFORMATS = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "bom": lambda t: "\ufeff" + t,
    "no-final-newline": lambda t: t.rstrip("\n"),
    "trailing-spaces": lambda t: t.replace("\n", "  \n"),
    "double-spaces": lambda t: t.replace(". ", ".  "),
    "blank-lines": lambda t: t.replace("\n\n", "\n\n\n"),
    "nfd": lambda t: unicodedata.normalize("NFD", t.replace("e ", "é ")),
}


def test_reformatted_copies_count_once(fake_embedder, archive, home, tmp_path) -> None:
    original = archive / "2026-02-14-lab-safety-budgets-survey.md"
    text = original.read_text()
    expected = clean_run(archive, tmp_path)
    for name, change in REFORMATS.items():
        (archive / f"copy-{name}.md").write_bytes(change(text).encode("utf-8"))
    report = run(archive, home)
    assert {d["same_as"] for d in report.duplicates} == {original.stem}
    assert len(report.duplicates) == len(REFORMATS)
    assert credences(home) == expected and replay_holds(home)


def test_a_near_copy_under_another_name_counts_once(fake_embedder, archive, home, tmp_path):
    original = archive / "2026-05-00-oversight-gap-field-notes.md"
    expected = clean_run(archive, tmp_path)
    edited = original.read_text().replace("review", "reviewing", 1) + "\nOne added line.\n"
    (archive / "zz-edited-copy.md").write_text(edited)
    report = run(archive, home)
    assert report.duplicates == [
        {"path": str(archive / "zz-edited-copy.md"), "same_as": original.stem}
    ]
    assert credences(home) == expected


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=st.lists(st.sampled_from(sorted(REFORMATS)), min_size=1, max_size=12))
def test_any_number_of_reformatted_copies_moves_nothing_more(
    fake_embedder, tmp_path_factory, changes
) -> None:
    tmp = tmp_path_factory.mktemp("copies")
    folder = tmp / "archive"
    folder.mkdir()
    # The sample source whose claims take a stance under the hashing embedder, so its events
    # are there to be counted (the field notes' stance came from their curators' note).
    text = (SAMPLE / "reading-list-notes.txt").read_text()
    (folder / "one.md").write_text(text)
    run(folder, tmp / "single")
    for number in range(len(changes)):
        data = text
        for step in changes[: number + 1]:  # copies reformatted in several ways at once
            data = REFORMATS[step](data)
        (folder / f"copy-{number}.md").write_bytes(data.encode("utf-8"))
    run(folder, tmp / "copies")
    assert credences(tmp / "copies") == credences(tmp / "single")
    # One copy counts (the first in path order), with the one source's events, and only it.
    counted = live_events(tmp / "copies")
    assert len({event[1] for event in counted}) == 1
    assert [e[:1] + e[2:] for e in counted] == [e[:1] + e[2:] for e in live_events(tmp / "single")]


# -- 3. the archive's present is the ledger's present ---------------------------------------------


def test_rename_then_edit_equals_a_clean_run(fake_embedder, archive, home, tmp_path) -> None:
    run(archive, home)
    old = archive / "2026-05-00-oversight-gap-field-notes.md"
    new = archive / "renamed-notes.md"
    old.rename(new)
    report = run(archive, home)
    assert report.removed == [{"id": old.stem, "path": str(old), "renamed_to": new.stem}]
    new.write_text(new.read_text() + "\nThe reviewers later caught up on the shorter changes.\n")
    run(archive, home)
    assert credences(home) == clean_run(archive, tmp_path)
    assert {e[1] for e in live_events(home)} <= {s.id for s in scan_archive([archive]).sources}
    assert replay_holds(home)


def test_a_deleted_source_is_retired_but_kept_in_history(fake_embedder, archive, home, tmp_path):
    run(archive, home)
    with_events = sorted({event[1] for event in live_events(home)})
    gone = next(p for p in archive.iterdir() if p.stem == with_events[0])
    gone.unlink()
    report = run(archive, home)
    assert report.removed[0]["id"] == gone.stem and report.removed[0]["renamed_to"] is None
    assert credences(home) == clean_run(archive, tmp_path)
    history = []
    for belief in ("B1", "B2", "B3", "B4", "B5"):
        result = runner.invoke(app, ["history", belief, "--json", "--home", str(home)])
        history += json.loads(result.stdout)
    retired = [row for row in history if row["source"] == gone.stem]
    assert retired and all(row["superseded"] for row in retired)
    assert replay_holds(home)


def test_ids_never_shift_when_a_colliding_file_appears(fake_embedder, tmp_path, home) -> None:
    root = tmp_path / "archive"
    text = (SAMPLE / "reading-list-notes.txt").read_text()  # a source with evidence
    for folder, extra in (("b", "first"), ("c", "second")):
        (root / folder).mkdir(parents=True)
        (root / folder / "x.md").write_text(text + f"\nThe {extra} team wrote this paragraph.\n")
    run(root, home)
    ids_before = {s.abspath: s.id for s in scan_archive([root]).sources}
    events_before = live_events(home)
    assert events_before
    (root / "a").mkdir()
    (root / "a" / "x.md").write_text("# Unrelated\n\nA note about something else entirely.\n")
    run(root, home)
    ws = open_workspace(resolve_settings(home=str(home)))
    recorded = {r[0]: r[1] for r in ws.db.execute("SELECT abspath, id FROM sources")}
    assert all(recorded[path] == source_id for path, source_id in ids_before.items())
    assert recorded[str((root / "a" / "x.md").resolve())] == "x~3"
    assert [e for e in live_events(home) if e[1] in ("x", "x~2")] == events_before


def test_a_copy_takes_over_when_its_twin_is_edited(fake_embedder, archive, home, tmp_path):
    original = archive / "2026-05-00-oversight-gap-field-notes.md"
    (archive / "zz-twin.md").write_text(original.read_text())
    run(archive, home)
    # Rewritten, not touched up (a touched-up file would keep its twin as a near-copy).
    original.write_text((archive / "reading-list-notes.txt").read_text() + "\nRewritten.\n")
    report = run(archive, home)
    assert report.processed == 2  # the edited file and the twin that now holds unique content
    assert credences(home) == clean_run(archive, tmp_path)


OPERATIONS = st.sampled_from(["add", "edit", "rename", "copy", "delete", "rerun"])


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(st.tuples(OPERATIONS, st.integers(0, 50)), min_size=2, max_size=7))
def test_any_history_of_the_files_ends_as_a_clean_run(fake_embedder, tmp_path_factory, steps):
    tmp = tmp_path_factory.mktemp("history")
    folder, home = tmp / "archive", tmp / "home"
    folder.mkdir()
    pool = sorted(SAMPLE.iterdir())
    (folder / pool[0].name).write_text(pool[0].read_text())
    for counter, (operation, pick) in enumerate(steps, start=1):
        files = sorted(folder.iterdir())
        target = files[pick % len(files)] if files else None
        if operation == "add":
            source = pool[pick % len(pool)]
            name = f"n{counter}-{source.name}"
            (folder / name).write_text(source.read_text())
        elif target is None:
            pass
        elif operation == "edit":
            target.write_text(target.read_text() + f"\nAn edit, number {counter}, to the text.\n")
        elif operation == "rename":
            target.rename(folder / f"r{counter}{target.suffix}")
        elif operation == "copy":
            shutil.copyfile(target, folder / f"c{counter}{target.suffix}")
        elif operation == "delete":
            target.unlink()
        run(folder, home)
    run(folder, home)
    assert credences(home) == clean_run(folder, tmp)
    assert replay_holds(home)


# -- 4. the register is workspace data ------------------------------------------------------------


def register_variant(home: Path, target: Path, edit) -> Path:
    """The workspace's register file, edited by `edit` (a function of its text), at `target`."""
    text = (home / "beliefs.yaml").read_text()
    target.write_text(edit(text))
    return target


def test_a_changed_prior_is_applied_and_replay_holds(fake_embedder, archive, home) -> None:
    run(archive, home)
    path = home / "beliefs.yaml"
    path.write_text(path.read_text().replace("prior: 0.8", "prior: 0.6"))
    report = run(archive, home)  # nothing else to do, and still the credences are stored
    assert report.register_changes is not None
    assert report.register_changes.priors == (("B1", 0.8, 0.6),)
    assert report.processed == 0 and replay_holds(home)


def test_renamed_and_removed_beliefs_are_never_orphaned(fake_embedder, archive, home, tmp_path):
    run(archive, home)
    before = credences(home)
    path = home / "beliefs.yaml"
    text = path.read_text().replace("id: B4", "id: B6")
    start = text.index("  - id: B5")
    path.write_text(text[:start])
    report = run(archive, home)
    changes = report.register_changes
    assert changes is not None and changes.renamed == (("B4", "B6"),)
    assert changes.removed == ("B5",)
    after = credences(home)
    assert after["B6"] == before["B4"] and "B5" not in after and "B4" not in after
    assert not [e for e in live_events(home) if e[0] in ("B4", "B5")]
    assert report.processed == 0 or report.processed == 4
    assert replay_holds(home)


def test_a_new_belief_gets_evidence_from_sources_already_read(fake_embedder, archive, home):
    run(archive, home)
    path = home / "beliefs.yaml"
    path.write_text(
        path.read_text()
        + """
  - id: B6
    statement: >-
      Reviewers of machine-written code need more time to check it than the models take to
      write it.
    prior: 0.5
    level: hypothesis
    disconfirmation: Review time falling as generated changes grow longer.
"""
    )
    report = run(archive, home)
    assert report.register_changes is not None and report.register_changes.added == ("B6",)
    assert report.processed == 4  # every source judged again against the new register
    assert replay_holds(home)


def test_switching_registers_reprocesses_and_is_remembered(fake_embedder, archive, home, tmp_path):
    run(archive, home)
    other = register_variant(
        home, tmp_path / "other.yaml", lambda t: t.replace("agent: theseus", "agent: other")
    )
    text = other.read_text().replace("prior: 0.55", "prior: 0.5").replace("id: B5", "id: C5")
    other.write_text(text.replace("Building superintelligence", "Growing superintelligence"))
    report = run(archive, home, beliefs=other)
    assert report.processed == 4 and report.skipped == 0  # judged against the other register
    result = runner.invoke(app, ["beliefs", "--json", "--home", str(home)])
    ids = [row["id"] for row in json.loads(result.stdout)]
    assert "C5" in ids and "B5" not in ids  # a plain command uses the register the ledger has
    assert replay_holds(home)


def test_read_commands_use_the_recorded_register_not_a_later_edit(fake_embedder, archive, home):
    run(archive, home)
    before = credences(home)
    path = home / "beliefs.yaml"
    path.write_text(path.read_text().replace("prior: 0.8", "prior: 0.3"))
    assert credences(home) == before and replay_holds(home)  # until `process` applies it
