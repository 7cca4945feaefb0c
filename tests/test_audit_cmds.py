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
    from agent.workspace import rule_settings

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
    rule = rule_settings()
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
    digest = cli_json("digest", "--since", TODAY.isoformat())
    verdicts = {b["id"]: b["verdicts"] for b in digest["beliefs"]}
    assert verdicts["B4"] == ["STRENGTHENED"]  # two proven supports outweigh one challenge
    assert "COMPLICATED" in verdicts["B1"]
    assert digest["rejections"] == {"QUOTE_NOT_IN_SOURCE": 1, "UNKNOWN_BELIEF": 1}
    assert digest["level_changes"][0]["level_after"] == "belief"
    assert digest["sources_processed"] == 3
    text = runner.invoke(app, ["digest", "--since", TODAY.isoformat()]).stdout
    for heading in ("## STRENGTHENED", "## WEAKENED", "## COMPLICATED", "## Level changes",
                    "## Rejections by reason", "### B4"):  # fmt: skip
        assert heading in text
    later = cli_json("digest", "--since", (TODAY + dt.timedelta(days=1)).isoformat())
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
    from agent.plot import credence_series
    from agent.workspace import rule_settings
    from beliefs.register import load_register

    register = load_register(built / "register.yaml")
    series = credence_series(
        Database(built / "home" / "tracker.db"), register.get("B4"), rule_settings()
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
