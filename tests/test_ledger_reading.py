"""Reading the ledger: source time in history (m006), short disconfirmation notes, levels in
`beliefs`, and every event's weight in `beliefs --explain BELIEF`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlite_utils import Database
from typer.testing import CliRunner

from agent.cli import app
from agent.text.labels import is_prose_rationale, statement_label, target_label
from tests.auditor_workspace import build

runner = CliRunner()


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder) -> Path:
    build(tmp_path, monkeypatch)
    return tmp_path


def cli_json(*args: str):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- source time ------------------------------------------------------------------------------


def test_history_carries_the_source_date_beside_the_recording_time(built) -> None:
    rows = cli_json("history", "B4")
    contract = {"at", "source", "claim", "stance", "weight", "credence_before",
                "credence_after", "note"}  # fmt: skip
    assert all(contract | {"source_date", "source_date_as_written"} <= set(r) for r in rows)
    dates = {(r["kind"], r["source"]): r["source_date"] for r in rows}
    assert dates[("evidence", "a-audits")] == "2026-01-10"
    assert dates[("evidence", "b-proofs")] == "2026-02-10"
    assert dates[("level_change", "a-audits")] == "2026-01-10"  # the source that caused it
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert all(r["at"].startswith(today) for r in rows)  # recorded today, dated months ago
    text = runner.invoke(app, ["history", "B4"]).stdout
    assert text.splitlines()[0].startswith("source date recorded (UTC)")
    assert "\n2026-02-10  " in text


def test_a_changed_source_keeps_each_versions_date(tmp_path: Path) -> None:
    from store.database import open_database
    from store.ledger import belief_events

    db = open_database(tmp_path / "t.db")
    for sha, date, sort in (("h1", "2025-00-00", "2025-01-01"), ("h2", "2026-03", "2026-03-01")):
        db["sources"].upsert(
            {"id": "s", "path": "s.md", "sha256": sha, "title": "S", "date": date,
             "date_sort": sort, "status": "processed", "processed_at": "2026-12-01T00:00:00"},
            pk="id", alter=False,
        )  # fmt: skip
        db.execute(
            "INSERT INTO events (belief, claim, source, sha256, stance, confidence, raw_weight, "
            "weight, credence_before, credence_after, at) VALUES "
            "('B4', 'C', 's', ?, 'supports', 'proven', 1, 1, 0.5, 0.6, ?)",
            [sha, f"2026-12-0{len(sha)}T00:00:0{sha[-1]}"],
        )
    db.execute("UPDATE sources SET written_back = 1")  # no new version for a status change
    versions = db.execute("SELECT source, sha256, date, date_sort FROM source_versions")
    assert versions.fetchall() == [
        ("s", "h1", "2025-00-00", "2025-01-01"),
        ("s", "h2", "2026-03", "2026-03-01"),
    ]
    events = belief_events(db, "B4")
    assert [(e["source_date"], e["source_date_as_written"]) for e in events] == [
        ("2025-01-01", "2025-00-00"),
        ("2026-03-01", "2026-03"),
    ]


def test_m006_backfills_current_versions_and_leaves_older_events_undated(tmp_path: Path) -> None:
    from store.migrations import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m006_source_versions")
    db["sources"].insert(
        {"id": "s", "path": "s.md", "sha256": "new", "title": "S", "date": "2024-05",
         "date_sort": "2024-05-01", "status": "processed", "processed_at": "2026-01-01"}
    )  # fmt: skip
    migrations.apply(db)
    from store.ledger import belief_events

    rows = db.execute("SELECT source, sha256, date_sort, recorded_at FROM source_versions")
    assert rows.fetchall() == [("s", "new", "2024-05-01", "2026-01-01")]
    db.execute(
        "INSERT INTO events (belief, claim, source, sha256, stance, confidence, raw_weight, "
        "weight, credence_before, credence_after, at) VALUES "
        "('B1', 'C', 's', 'old', 'supports', 'proven', 1, 1, 0.5, 0.6, '2025-01-01')"
    )
    assert belief_events(db, "B1")[0]["source_date"] is None  # that version was never kept


# -- notes ----------------------------------------------------------------------------------


def test_a_disconfirmation_note_is_one_short_sentence_naming_belief_claim_and_target(
    built,
) -> None:
    [challenge] = [r for r in cli_json("history", "B4") if r["stance"] == "challenges"]
    note = challenge["note"]
    assert note.startswith('challenges B4 ("Verification degrades faster than capability grows"):')
    assert '"Formal proof checkers verified every generated lemma' in note
    assert 'touches the disconfirmation target "Formal verification keeping pace with' in note
    assert "(It bears on it)" in note  # a prose rationale is kept
    assert note.count(". ") == 0 and len(note) < 300


def test_labels_and_prose_rationales() -> None:
    target = (
        "Major labs spending about as much on safety as on capability, or governance that "
        "keeps pace with capability gains, or international treaties that restrain labs"
    )
    assert target_label(target, "A treaty now restrains the labs internationally") == (
        "international treaties that restrain labs"
    )
    assert target_label(target, "Budgets at labs") == (
        "Major labs spending about as much on safety as on capability"
    )
    assert statement_label("One two three four five six seven eight nine ten") == (
        "One two three four five six seven eight nine…"
    )
    assert not is_prose_rationale("cosine 0.46 to the statement, 0.52 to the target; no cue")
    assert not is_prose_rationale("leans +0.12 towards the disconfirmation target")
    assert not is_prose_rationale("") and not is_prose_rationale("supports it")
    assert is_prose_rationale("The study measured verification time directly.")


# -- beliefs ------------------------------------------------------------------------------------


def test_beliefs_show_the_level_by_credence_beside_the_registers(built) -> None:
    rows = {r["id"]: r for r in cli_json("beliefs")}
    assert (rows["B1"]["level"], rows["B1"]["register_level"]) == ("belief", "axiom")
    assert {"id", "statement", "credence", "interval", "evidence", "disconfirming"} <= set(
        rows["B4"]
    )
    text = runner.invoke(app, ["beliefs"]).stdout
    assert "level" in text.splitlines()[0] and "register" in text.splitlines()[0]
    assert "belief *" in text and "differs from the level the register gives" in text
    assert [r["id"] for r in cli_json("beliefs", "B4")] == ["B4"]
    assert runner.invoke(app, ["beliefs", "B9"]).exit_code == 2


def test_explain_lists_every_live_events_weight_and_the_cap(built) -> None:
    report = cli_json("beliefs", "--explain", "B4")["belief"]
    assert report["events"] == 3
    audits = next(s for s in report["sources"] if s["source"] == "a-audits")
    assert audits["capped"] and audits["raw_total"] == pytest.approx(2.0)
    limit = report["source_limit"]
    assert audits["cap_factor"] == pytest.approx(limit / 2.0)
    for e in audits["events"]:
        assert (e["confidence_weight"], e["format_weight"], e["stance_factor"]) == (1.0, 1.0, 1.0)
        assert e["weight"] == pytest.approx(e["raw_weight"] * audits["cap_factor"])
        assert not e["raw_changed"]
    proofs = next(s for s in report["sources"] if s["source"] == "b-proofs")
    assert not proofs["capped"] and proofs["events"][0]["format_weight"] == 0.7
    text = runner.invoke(app, ["beliefs", "--explain", "B4"]).stdout
    assert "Belief update rule" in text  # the rule first
    assert "[a-audits] 2026-01-10: raw total 2.000 > limit: every weight x 0.5556" in text
    assert "proven 1 x paper 1 x supports 1 = 1.000 x 0.5556 -> 0.5556" in text
    assert "proven 1 x article 0.7 x challenges 1 = 0.700 -> 0.7000" in text
    assert "rule" in cli_json("beliefs", "--explain") and "belief" not in cli_json(
        "beliefs", "--explain"
    )
