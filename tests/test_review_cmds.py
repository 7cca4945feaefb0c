"""Review commands on a workspace built in the test: revalidate (with a validator rule changed
in the test), export, serve."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from typer.testing import CliRunner

import agent.extract.pipeline
import agent.extract.validate
import tests.auditor_workspace as aw
from agent.cli import app
from tests.auditor_workspace import build

runner = CliRunner()


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder) -> Path:
    build(tmp_path, monkeypatch)
    return tmp_path


def cli_json(*args: str, code: int = 0):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def dump(home: Path) -> str:
    with closing(sqlite3.connect(home / "tracker.db")) as conn:
        return "\n".join(conn.iterdump())


def file_digest(home: Path) -> str:
    """The database file's bytes, after folding the write-ahead log in (as a reader's close may)."""
    with closing(sqlite3.connect(home / "tracker.db")) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256((home / "tracker.db").read_bytes()).hexdigest()


def test_revalidate_with_todays_rules_unchanged_changes_nothing(built) -> None:
    report = cli_json("revalidate")
    assert report["sources_checked"] == 3 and report["decisions"] == 6
    assert report["changed"] == 0 and report["not_rechecked"] == []


def test_a_stricter_rule_is_reported_then_applied_through_the_ledger(built, monkeypatch):
    home = built / "home"
    monkeypatch.setattr(
        agent.extract.validate, "REPEAT_JACCARD", 0.0
    )  # every description "repeats"
    before, digest = dump(home), file_digest(home)
    report = cli_json("revalidate")
    assert report["accepted_now_rejected"] == 4 and report["rejected_now_accepted"] == 0
    assert all("DESCRIPTION_REPEATS_TITLE" in c["now"] for c in report["changes"])
    unknown = [c for c in report["changes"] if c["was"] == "rejected: UNKNOWN_BELIEF"]
    assert unknown and "UNKNOWN_BELIEF" in unknown[0]["now"]  # codes changed, still rejected
    assert dump(home) == before and file_digest(home) == digest  # read-only without --apply

    monkeypatch.setenv("TRACKER_LLM", "openai:gpt-4o-mini")  # today's model is another one
    applied = cli_json("revalidate", "--apply")
    assert applied["applied"] is True and applied["still_changed"] == 0
    with closing(sqlite3.connect(home / "tracker.db")) as conn:
        models = conn.execute("SELECT DISTINCT model FROM rejections WHERE superseded_at IS NULL")
        assert [m for (m,) in models] == ["offline"]  # no model was asked; the recorded one named
    assert cli_json("claims") == []
    assert runner.invoke(app, ["replay", "--check"]).exit_code == 0
    beliefs = {b["id"]: b for b in cli_json("beliefs")}
    assert beliefs["B4"]["credence"] == 0.58 and beliefs["B4"]["evidence"] == 0
    history = cli_json("history", "B4")
    assert any(r["superseded"] for r in history)  # the old events are kept, marked
    assert cli_json("revalidate")["changed"] == 0  # today's rules now agree with the record


def test_a_changed_file_is_not_rechecked(built) -> None:
    path = built / "archive" / "b-proofs.md"
    path.write_text(path.read_text() + "\nA sentence added later.\n")
    report = cli_json("revalidate")
    assert report["sources_checked"] == 2
    assert report["not_rechecked"][0]["source"] == "b-proofs"


def test_revalidate_names_an_unknown_source(built) -> None:
    result = runner.invoke(app, ["revalidate", "--source", "no-such-source"])
    assert result.exit_code == 1 and "no processed source with id 'no-such-source'" in result.stderr


def build_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replies: list) -> None:
    """The auditor workspace's archive and register, processed with these replies in turn."""
    register = tmp_path / "register.yaml"
    register.write_text(aw.REGISTER)
    monkeypatch.setenv("TRACKER_BELIEFS", str(register))
    texts = [r if isinstance(r, str) else json.dumps(r) for r in replies]
    model = FakeListChatModel(responses=texts)
    monkeypatch.setattr(
        agent.extract.pipeline, "make_chat_model", lambda spec, e, policy=None: model
    )
    from agent.config import resolve_settings
    from agent.extract.pipeline import ProcessOptions, process

    archive = aw.write_archive(tmp_path / "archive")
    assert process(resolve_settings(), ProcessOptions(archives=[archive])).failed == []


def test_repeats_within_a_reply_and_a_retried_malformed_reply_are_judged_as_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder
) -> None:
    """The reply used is the first of the last run's attempts that parses; a repeat of a claim
    of the same reply is found again without the embedder (only other sources' are kept)."""
    first = aw._claim(aw.SOURCES["a-audits"][2][0], "B4", "supports")
    build_with(
        tmp_path,
        monkeypatch,
        [
            {"claims": [first, dict(first)]},
            "this reply is not JSON at all",
            {"claims": [aw._claim(aw.SOURCES["b-proofs"][2][0], "B4", "challenges")]},
            {"claims": [aw._claim(aw.SOURCES["c-budgets"][2][0], "B1", "complicates")]},
        ],
    )
    with closing(sqlite3.connect(tmp_path / "home" / "tracker.db")) as conn:
        reasons = [
            json.loads(r)[0]["code"] for (r,) in conn.execute("SELECT reasons FROM rejections")
        ]
        attempts = conn.execute("SELECT attempt FROM model_calls WHERE source = 'b-proofs'")
        assert reasons == ["DUPLICATE_CLAIM"] and [a for (a,) in attempts] == [1, 2]
    report = cli_json("revalidate")
    assert report["sources_checked"] == 3 and report["decisions"] == 4
    assert report["changed"] == 0, report["changes"]


def frontmatter(path: Path) -> dict:
    text = path.read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_export_writes_claim_notes_in_the_corpus_format(built) -> None:
    out = built / "export"
    result = cli_json("export", str(out))
    assert result["claims"] == 4 and "beliefs.md" in result["files"]
    notes = sorted((out / "claims").glob("*.md"))
    assert len(notes) == 4
    with closing(sqlite3.connect(built / "home" / "tracker.db")) as conn:
        live = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT id, title, description, confidence, quotes FROM claims "
                "WHERE superseded_at IS NULL"
            )
        }
    for note in notes:
        meta = frontmatter(note)
        title, description, confidence, quotes = live[meta["tracker_id"]]
        # The YAML round-trips: what parses back is what the ledger holds.
        assert meta["type"] == "claim" and meta["domain"] == "ai-alignment"
        assert (meta["description"], meta["confidence"]) == (description, confidence)
        assert isinstance(meta["created"], datetime.date)  # unquoted, as the curators write it
        assert meta["source"].startswith("Source ") and meta["source_url"].startswith("https://")
        body = note.read_text()
        assert f"\n# {title}\n" in body and "## Beliefs it bears on" in body
        assert all(f"\n> {q}\n" in body for q in json.loads(quotes))
        assert "- **B4** " in body or "- **B1** " in body
    beliefs = (out / "beliefs.md").read_text()
    assert "## B4:" in beliefs and "credence **" in beliefs
    assert "> Formal verification keeping pace with generated code." in beliefs
    links = re.findall(r"\]\((claims/[^)]+\.md)\)", beliefs)
    # Four grounding links, and the challenge of B4 and the complication of B1 as notes.
    assert len(links) == 6 and all((out / link).exists() for link in links)
    # The proof-checker claim's challenge of B4, linked to its note, with the model's rationale.
    challenge = [line for line in beliefs.splitlines() if line.startswith("- challenges, from")]
    assert len(challenge) == 1 and "`b-proofs`" in challenge[0]
    assert "Rationale: It bears on it." in challenge[0]


def test_export_overwrites_only_its_own_files(built) -> None:
    out = built / "export"
    first = cli_json("export", str(out))
    mine = out / first["files"][0]
    # A note this workspace exported for a claim since superseded: in its manifest, unchanged.
    stale = out / "claims" / "old-claim-c000000000000.md"
    stale.write_text(mine.read_text())
    manifest = json.loads((out / ".tracker-export.json").read_text())
    manifest["files"]["claims/old-claim-c000000000000.md"] = manifest["files"][first["files"][0]]
    (out / ".tracker-export.json").write_text(json.dumps(manifest))
    # A curator's file that merely contains tracker's marker line is theirs.
    foreign = out / "claims" / "notes-by-a-curator.md"
    foreign.write_text("---\ntype: claim\nexported_by: tracker\n---\n# Mine\n")
    again = cli_json("export", str(out))
    assert again["removed"] == ["claims/old-claim-c000000000000.md"] and foreign.exists()
    mine.write_text("# a curator's edit of the exported note\n")
    result = runner.invoke(app, ["export", str(out)])
    assert result.exit_code == 1 and "edited since tracker exported it" in result.stderr
    assert mine.read_text().startswith("# a curator's edit")
    result = runner.invoke(app, ["export", str(out)])  # and on every later export
    assert mine.read_text().startswith("# a curator's edit") and foreign.exists()


def test_export_refuses_a_folder_of_another_workspace(built, tmp_path) -> None:
    out = built / "export"
    cli_json("export", str(out))
    notes = sorted(p.name for p in (out / "claims").glob("*.md"))
    other_home = tmp_path / "other-home"
    (other_home).mkdir()
    from store.database import open_database

    open_database(other_home / "tracker.db")  # an empty workspace of its own
    result = runner.invoke(app, ["export", str(out), "--home", str(other_home)])
    assert result.exit_code == 2 and "another workspace" in result.stderr
    forced = runner.invoke(app, ["export", str(out), "--home", str(other_home), "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert sorted(p.name for p in (out / "claims").glob("*.md")) == notes  # nothing deleted


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_serve_opens_the_database_read_only_on_loopback(built) -> None:
    home = built / "home"
    port = free_port()
    tracker = Path(sys.executable).parent / "tracker"
    env = {**os.environ, "TRACKER_HOME": str(home)}
    child = subprocess.Popen(
        [str(tracker), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/tracker"
    try:
        for _ in range(100):
            try:
                get(f"{base}.json")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        digest = hashlib.sha256((home / "tracker.db").read_bytes()).hexdigest()
        rejections = get(f"{base}/rejections.json?_shape=array")
        assert sorted(r["source"] for r in rejections) == ["a-audits", "b-proofs"]
        history = get(f"{base}/belief_history.json?belief=B4&_shape=array")
        assert len(history) == 3 and history[0]["credence_before"] == 0.58
        claims = get(f"{base}/source_claims.json?source=a-audits&_shape=array")
        assert len(claims) == 2
        by_code = get(f"{base}/rejections_by_reason.json?code=UNKNOWN_BELIEF&_shape=array")
        assert [r["source"] for r in by_code] == ["b-proofs"]
        with pytest.raises(urllib.error.HTTPError):
            get(f"{base}.json?sql=delete+from+events")
        assert hashlib.sha256((home / "tracker.db").read_bytes()).hexdigest() == digest
        assert get(f"{base}/events.json?_shape=array&_size=1")  # the ledger is still there
        databases = get(f"http://127.0.0.1:{port}/-/databases.json")
        assert [(d["name"], d["is_mutable"]) for d in databases] == [("tracker", False)]
        meta = get(f"http://127.0.0.1:{port}/-/metadata.json")
        assert "events" in meta["databases"]["tracker"]["tables"]
    finally:
        child.terminate()
        child.wait(timeout=10)


def test_serve_metadata_describes_every_table_of_a_workspace(built) -> None:
    from agent.reports.serve import metadata_path

    tables = yaml.safe_load(metadata_path().read_text())["databases"]["tracker"]["tables"]
    with closing(sqlite3.connect(built / "home" / "tracker.db")) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    shadow = ("_config", "_data", "_docsize", "_idx")  # FTS5's own tables; Datasette hides them
    names = [n for n in names if not ("_fts_" in n and n.endswith(shadow))]
    undescribed = [
        n
        for n in names
        if not (tables.get(n, {}).get("description") or tables.get(n, {}).get("hidden"))
    ]
    assert names and undescribed == []


def test_serve_without_a_workspace_is_a_configuration_error(tmp_path) -> None:
    result = runner.invoke(app, ["serve", "--home", str(tmp_path / "none")])
    assert result.exit_code == 2 and "run `tracker process` first" in result.stderr
