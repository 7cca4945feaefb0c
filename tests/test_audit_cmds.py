"""Auditor commands on a workspace built in the test: audit filters and summary, history with
level changes and influence, digest, plot."""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path

import pytest
from sqlite_utils import Database
from typer.testing import CliRunner

from agent.cli import app
from beliefs.rule import Evidence, credence
from tests.auditor_workspace import build

runner = CliRunner()
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder) -> Path:
    build(tmp_path, monkeypatch)
    return tmp_path


def cli_json(*args: str):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_audit_filters_by_date_and_model(built) -> None:
    assert len(cli_json("audit")) == 2
    assert len(cli_json("audit", "--since", TODAY.isoformat())) == 2
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert cli_json("audit", "--since", tomorrow) == []
    assert len(cli_json("audit", "--model", "offline")) == 2
    assert cli_json("audit", "--model", "openai:gpt-4o-mini") == []
    rows = cli_json("audit", "--reason", "UNKNOWN_BELIEF", "--source", "b-proofs")
    assert [r["source"] for r in rows] == ["b-proofs"]
    bad = runner.invoke(app, ["audit", "--since", "last week"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_audit_summary_counts_by_reason_model_and_format(built) -> None:
    summary = cli_json("audit", "--summary")
    assert (summary["proposed"], summary["accepted"], summary["rejected"]) == (6, 4, 2)
    assert summary["by_reason"] == {"QUOTE_NOT_IN_SOURCE": 1, "UNKNOWN_BELIEF": 1}
    assert summary["by_model"]["offline"]["acceptance_rate"] == round(4 / 6, 4)
    formats = {k: (v["proposed"], v["accepted"]) for k, v in summary["by_format"].items()}
    assert formats == {"paper": (3, 2), "article": (2, 1), "tweet": (1, 1)}
    human = runner.invoke(app, ["audit", "--summary"])
    assert "QUOTE_NOT_IN_SOURCE" in human.stdout and "66.7%" in human.stdout
    assert runner.invoke(app, ["audit", "--summary", "--reason", "SCHEMA"]).exit_code == 2


def test_a_threshold_crossing_is_a_level_change_in_history(built) -> None:
    rows = cli_json("history", "B4")
    changes = [r for r in rows if r["kind"] == "level_change"]
    assert changes and changes[0]["note"] == "level: hypothesis -> belief (crossed 0.60)"
    assert changes[0]["credence_before"] < 0.6 <= changes[0]["credence_after"]
    assert changes[0]["source"] == "a-audits"
    evidence = [r for r in rows if r["kind"] == "evidence"]
    assert {"at", "source", "claim", "stance", "weight", "credence_before", "credence_after",
            "note"} <= set(changes[0]) == set(evidence[0])  # fmt: skip
    index = rows.index(changes[0])
    assert rows[index - 1]["kind"] == "evidence" and rows[index - 1]["source"] == "a-audits"
    assert "LEVEL" in runner.invoke(app, ["history", "B4"]).stdout


def test_level_changes_are_append_only(built) -> None:
    import sqlite3

    db = sqlite3.connect(built / "home" / "tracker.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM level_changes")


def test_the_level_backfill_reads_the_ledger(tmp_path: Path) -> None:
    from store import migrations as m

    db = Database(tmp_path / "old.db")
    m.m001_initial(db)
    db.execute(
        "INSERT INTO events (belief, claim, source, sha256, stance, confidence, raw_weight, "
        "weight, credence_before, credence_after, at) VALUES "
        "('B4', 'C1', 's1', 'h', 'supports', 'proven', 1, 1, 0.58, 0.61, '2026-01-01'), "
        "('B4', 'C2', 's2', 'h', 'supports', 'proven', 1, 1, 0.61, 0.64, '2026-01-02')"
    )
    m.m003_level_changes(db)
    rows = db.execute("SELECT belief, level_before, level_after, source FROM level_changes")
    assert rows.fetchall() == [("B4", "hypothesis", "belief", "s1")]


def test_influence_is_leave_one_out_from_the_ledger(built) -> None:
    from agent.config import resolve_settings

    result = cli_json("history", "B4", "--influence")
    by_source = {r["source"]: r for r in result}
    assert set(by_source) == {"a-audits", "b-proofs"}
    db = Database(built / "home" / "tracker.db")
    live = [
        Evidence(*row)
        for row in db.execute(
            "SELECT belief, source, stance, weight FROM events WHERE belief = 'B4' "
            "AND superseded_at IS NULL"
        )
    ]
    rule = resolve_settings().rule
    for source, row in by_source.items():
        without = credence(0.58, [e for e in live if e.source_id != source], rule)
        assert row["credence_without"] == pytest.approx(without, abs=1e-6)
        current = credence(0.58, live, rule)
        assert row["credence"] == pytest.approx(current, abs=1e-6)
        assert row["shift"] == pytest.approx(current - without, abs=1e-6)
    assert by_source["a-audits"]["shift"] > 0 > by_source["b-proofs"]["shift"]
    shifts = [abs(r["shift"]) for r in result]
    assert shifts == sorted(shifts, reverse=True)
    only = cli_json("history", "B1", "--influence")
    assert [(r["source"], r["date"], r["events"]) for r in only] == [("c-budgets", "2026-03-10", 1)]


def test_digest_sorts_beliefs_into_the_journal_headings(built) -> None:
    digest = cli_json("digest", "--processed-since", TODAY.isoformat())
    verdicts = {b["id"]: b["verdicts"] for b in digest["beliefs"]}
    assert verdicts["B4"] == ["STRENGTHENED"]  # two proven supports outweigh one challenge
    assert "COMPLICATED" in verdicts["B1"]
    assert digest["rejections"] == {"QUOTE_NOT_IN_SOURCE": 1, "UNKNOWN_BELIEF": 1}
    assert digest["level_changes"][0]["level_after"] == "belief"
    assert digest["sources_processed"] == 3
    text = runner.invoke(app, ["digest", "--processed-since", TODAY.isoformat()]).stdout
    for heading in ("## STRENGTHENED", "## WEAKENED", "## COMPLICATED", "## Level changes",
                    "## Rejections by reason", "### B4"):  # fmt: skip
        assert heading in text
    later = cli_json("digest", "--processed-since", (TODAY + dt.timedelta(days=1)).isoformat())
    assert later["beliefs"] == [] and later["rejections"] == {}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_png_of_the_fixed_size(built) -> None:
    out = built / "b.png"
    result = runner.invoke(app, ["plot", "B1", "B4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert png_size(out) == (1200, 600)
    from agent.config import resolve_settings
    from agent.reports.plot import credence_series
    from store.registers import load_register

    register = load_register(built / "register.yaml")
    series = credence_series(
        Database(built / "home" / "tracker.db"), register.get("B4"), resolve_settings().rule
    )
    assert [d.isoformat() for d in series.dates[1:]] == ["2026-01-10", "2026-02-10"]
    assert series.credences[0] == 0.58 and len(series.challenges) == 1
    assert series.credences[-1] == pytest.approx(
        cli_json("history", "B4", "--influence")[0]["credence"]
    )


def test_plot_refuses_unknown_beliefs_and_other_formats(built) -> None:
    assert runner.invoke(app, ["plot", "B7", "-o", str(built / "x.png")]).exit_code == 2
    assert runner.invoke(app, ["plot", "B4", "-o", str(built / "x.svg")]).exit_code == 2
    assert runner.invoke(app, ["plot", "B4"]).exit_code == 2


def test_audit_csv_and_summary_keep_the_filters(built) -> None:
    result = runner.invoke(app, ["audit", "--csv", "--reason", "QUOTE_NOT_IN_SOURCE"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("at,source,claim,codes") and len(lines) == 2
    assert ",a-audits,Audits catch everything" in lines[1]
    # b-proofs proposed one accepted challenge and one claim naming an unknown belief.
    summary = cli_json("audit", "--summary", "--source", "b-proofs")
    assert (summary["proposed"], summary["accepted"], summary["rejected"]) == (2, 1, 1)
    assert summary["by_reason"] == {"UNKNOWN_BELIEF": 1}
    assert summary["by_format"]["article"]["acceptance_rate"] == 0.5
    nothing = cli_json("audit", "--summary", "--model", "openai:gpt-4o-mini")
    assert nothing["proposed"] == 0 and nothing["by_model"] == {} and nothing["by_reason"] == {}
    human = runner.invoke(app, ["audit", "--summary", "--model", "openai:gpt-4o-mini"])
    assert human.exit_code == 0 and "acceptance -" in human.stdout


def _ledger_db(tmp_path: Path):
    from agent.config import resolve_settings
    from store.database import open_database
    from store.registers import load_register
    from tests.auditor_workspace import REGISTER

    (tmp_path / "r.yaml").write_text(REGISTER)
    return (
        open_database(tmp_path / "ledger.db"),
        load_register(tmp_path / "r.yaml"),
        resolve_settings().rule,
    )


def _land(db, register, rule, source: str, stance: str, fmt: str, at: str) -> None:
    """One source with one proven claim on B4, landed as the pipeline does, in one transaction."""
    from agent.credences import store_credences
    from agent.extract.events import StanceEvidence, append_events, plan_events
    from store.database import write_transaction

    item = StanceEvidence(f"C-{source}", f"claim of {source}", "proven", "B4", stance, "")
    with write_transaction(db):
        planned = plan_events([item], fmt, rule)
        append_events(db, register, rule, source, "h" + source, fmt, planned, at)
        store_credences(db, register, rule, at, source)


def test_store_credences_records_each_crossing_with_its_evidence(tmp_path: Path) -> None:
    db, register, rule = _ledger_db(tmp_path)
    _land(db, register, rule, "s1", "supports", "paper", "2026-01-01T00:00:00")  # 0.58 -> 0.62
    _land(db, register, rule, "s2", "complicates", "tweet", "2026-01-02T00:00:00")  # stays above
    _land(db, register, rule, "s3", "challenges", "paper", "2026-01-03T00:00:00")  # back below
    rows = db.execute(
        "SELECT source, level_before, level_after, credence_before, credence_after "
        "FROM level_changes ORDER BY id"
    ).fetchall()
    assert [r[:3] for r in rows] == [("s1", "hypothesis", "belief"), ("s3", "belief", "hypothesis")]
    live = [Evidence(e.belief_id, e.source_id, e.stance, e.weight) for e in _live(db)]
    assert rows[0][3] == 0.58 and rows[0][4] == pytest.approx(credence(0.58, live[:1], rule))
    assert rows[1][4] == pytest.approx(credence(0.58, live, rule)) and rows[1][4] < 0.6
    stored = db.execute("SELECT credence FROM credences WHERE belief = 'B4'").fetchone()[0]
    assert stored == rows[1][4]
    from agent.reports.views import history_rows

    history = history_rows(db, register, "B4")
    assert [(r["kind"], r["source"]) for r in history] == [
        ("evidence", "s1"),
        ("level_change", "s1"),
        ("evidence", "s2"),
        ("evidence", "s3"),
        ("level_change", "s3"),
    ]
    assert history[4]["note"] == "level: belief -> hypothesis (crossed 0.60)"
    assert (history[4]["claim"], history[4]["stance"], history[4]["weight"]) == (None, None, 0)


def _live(db) -> list[Evidence]:
    from store.ledger import live_evidence

    return live_evidence(db, "B4")


def test_backfilled_crossings_read_as_one_per_source_transaction(tmp_path: Path) -> None:
    from agent.reports.views import level_change_rows
    from store import migrations as m

    db = Database(tmp_path / "old.db")
    m.m001_initial(db)
    steps = [  # s1 dips across 0.6 and comes back; s2 crosses 0.85, back, and across again
        ("s1", 0.62, 0.59, "a"),
        ("s1", 0.59, 0.63, "a"),
        ("s2", 0.84, 0.86, "b"),
        ("s2", 0.86, 0.84, "b"),
        ("s2", 0.84, 0.87, "b"),
    ]
    for source, before, after, at in steps:
        db.execute(
            "INSERT INTO events (belief, claim, source, sha256, stance, confidence, raw_weight, "
            "weight, credence_before, credence_after, at) "
            "VALUES ('B1', 'C', ?, 'h', 'supports', 'proven', 1, 1, ?, ?, ?)",
            [source, before, after, at],
        )
    m.m003_level_changes(db)
    assert db.execute("SELECT COUNT(*) FROM level_changes").fetchone()[0] == 5
    rows = level_change_rows(db, "B1")
    assert [(r["source"], r["level_before"], r["level_after"]) for r in rows] == [
        ("s2", "belief", "axiom")
    ]
    assert (rows[0]["credence_before"], rows[0]["credence_after"]) == (0.84, 0.87)


def test_crossed_thresholds_follow_the_direction_of_travel() -> None:
    from agent.reports.levels import crossed_thresholds, level_change_note

    assert crossed_thresholds(0.3, 0.9) == [0.4, 0.6, 0.85]
    assert crossed_thresholds(0.9, 0.6) == [0.85]  # 0.6 itself is still "belief"
    assert crossed_thresholds(0.6, 0.59) == [0.6]
    assert crossed_thresholds(0.5, 0.55) == []
    assert level_change_note("unconvinced", "belief", 0.3, 0.7) == (
        "level: unconvinced -> belief (crossed 0.40, 0.60)"
    )


@pytest.fixture
def with_b5(built: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The built workspace read with a register that also has a belief nothing bears on."""
    from tests.auditor_workspace import REGISTER

    extended = built / "register-b5.yaml"
    extended.write_text(
        REGISTER + '  - id: B5\n    statement: "Nothing in the archive bears on this."\n'
        "    prior: 0.55\n    level: hypothesis\n"
        '    disconfirmation: "Anything at all."\n'
    )
    monkeypatch.setenv("TRACKER_BELIEFS", str(extended))
    return built


def test_influence_of_a_belief_without_evidence_says_so(with_b5) -> None:
    assert cli_json("history", "B5", "--influence") == []
    human = runner.invoke(app, ["history", "B5", "--influence"])
    assert human.exit_code == 0 and "no live evidence for B5 yet" in human.stdout
    assert runner.invoke(app, ["history", "B9", "--influence"]).exit_code == 2


def test_digest_entries_name_claim_source_and_extractor(built) -> None:
    digest = cli_json("digest", "--processed-since", TODAY.isoformat())
    assert digest["sections"] == {
        "STRENGTHENED": ["B4"],
        "WEAKENED": ["B1"],  # a complication alone lowers the credence
        "COMPLICATED": ["B1"],
    }
    b4 = next(b for b in digest["beliefs"] if b["id"] == "B4")
    assert b4["weight"]["challenges"] == pytest.approx(0.7)  # one proven claim in an article
    assert (b4["level_before"], b4["level_after"]) == ("hypothesis", "hypothesis")
    # a-audits lifted B4 across 0.6 and b-proofs' challenge took it back below
    crossings = [(c["source"], c["level_after"]) for c in digest["level_changes"]]
    assert crossings == [("a-audits", "belief"), ("b-proofs", "hypothesis")]
    assert [e["source"] for e in b4["evidence"]["supports"]] == ["a-audits", "a-audits"]
    text = runner.invoke(app, ["digest", "--processed-since", TODAY.isoformat()]).stdout
    strengthened = text.split("## STRENGTHENED")[1].split("## WEAKENED")[0]
    assert "Next step: Update the grounding" in strengthened
    assert f"*Source: [[a-audits]] (Source a-audits, 2026-01-10) | Added: {TODAY} | " in text
    assert "Extractor: offline*" in strengthened and "1 challenges" in strengthened
    assert "hypothesis -> belief (crossed 0.60;" in text.split("## Level changes")[1]
    assert "- **QUOTE_NOT_IN_SOURCE**: 1" in text


def test_digest_since_selects_by_the_sources_own_dates(built) -> None:
    # Sources are dated 2026-01-10 (a-audits), 2026-02-10 (b-proofs), 2026-03-10 (c-budgets) and
    # were all processed today: by source date only the last two are in a period from February.
    digest = cli_json("digest", "--since", "2026-02-01")
    assert digest["by"] == "source_date" and digest["sources_processed"] == 2
    assert digest["sections"] == {
        "STRENGTHENED": [],
        "WEAKENED": ["B1", "B4"],  # b-proofs' challenge; a-audits' supports came before
        "COMPLICATED": ["B1"],
    }
    b4 = next(b for b in digest["beliefs"] if b["id"] == "B4")
    assert [e["source"] for e in b4["evidence"]["challenges"]] == ["b-proofs"]
    assert b4["evidence"]["supports"] == [] and b4["level_before"] == "belief"
    assert [(c["source"], c["level_after"]) for c in digest["level_changes"]] == [
        ("b-proofs", "hypothesis")
    ]
    assert digest["rejections"] == {"UNKNOWN_BELIEF": 1}  # a-audits' rejection is January's
    text = runner.invoke(app, ["digest", "--since", "2026-02-01"]).stdout
    assert "covers sources dated in the period. 2 sources dated in the period" in text
    assert cli_json("digest", "--since", TODAY.isoformat())["beliefs"] == []  # nothing dated today
    assert cli_json("digest", "--processed-since", TODAY.isoformat())["sources_processed"] == 3


def test_digest_takes_exactly_one_start(built) -> None:
    both = runner.invoke(
        app, ["digest", "--since", "2026-01-01", "--processed-since", "2026-01-01"]
    )
    neither = runner.invoke(app, ["digest"])
    bad = runner.invoke(app, ["digest", "--processed-since", "yesterday"])
    assert both.exit_code == neither.exit_code == bad.exit_code == 2
    assert "--processed-since 'yesterday' is not a date" in bad.stderr


def test_plot_draws_a_belief_without_evidence_beside_others(with_b5) -> None:
    out = with_b5 / "b5.png"
    result = runner.invoke(app, ["plot", "B4", "B5", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["points"] == {"B4": 3, "B5": 0}
    assert png_size(out) == (1200, 600)


def test_digest_measures_from_the_credence_when_the_period_began(tmp_path: Path) -> None:
    """A source changed in the period counts with its old version before and its new one after."""
    from agent.reports.digest import build_digest
    from store.database import write_transaction
    from store.ledger import supersede_source

    db, register, rule = _ledger_db(tmp_path)
    _land(db, register, rule, "s1", "supports", "paper", "2026-01-01T00:00:00")
    with write_transaction(db):
        supersede_source(db, "s1", "h2", "2026-01-05T00:00:00")
    _land(db, register, rule, "s1", "challenges", "paper", "2026-01-05T00:00:00")
    digest = build_digest(db, register, rule, "2026-01-03", "2026-01-06", by="processed")
    [b4] = digest["beliefs"]
    old = [Evidence("B4", "s1", "supports", 1.0)]
    assert b4["credence_before"] == pytest.approx(credence(0.58, old, rule), abs=1e-6)
    assert b4["credence_after"] == pytest.approx(credence(0.58, _live(db), rule), abs=1e-6)
    assert b4["verdicts"] == ["WEAKENED"] and digest["sections"]["STRENGTHENED"] == []
    assert [c["level_after"] for c in digest["level_changes"]] == ["hypothesis"]
