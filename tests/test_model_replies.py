"""What the pipeline does with the replies a model can give, through langchain's fake chat model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

import agent.extract.pipeline
from agent.config import resolve_settings
from agent.extract.pipeline import ProcessOptions, process
from agent.workspace import open_workspace
from store.archive import scan_archive

SOURCE = """---
type: source
title: "Review speed and caught defects"
url: https://example.org/r
date: 2026-03-01
domain: ai-alignment
format: paper
status: unprocessed
---

Reviewers caught half of the defects in short changes but only a fifth in long ones.
Longer machine-written changes take more time to check than to write.
"""

QUOTE = "Longer machine-written changes take more time to check than to write."


def claim(
    title: str,
    belief: str = "B4",
    stance: str = "supports",
    quote: str = QUOTE,
    confidence: str = "likely",
) -> dict:
    return {
        "title": title,
        "description": "A field observation of review outcomes on long changes.",
        "confidence": confidence,
        "domain": "ai-alignment",
        "evidence": [{"quote": quote}],
        "beliefs": [{"id": belief, "stance": stance, "rationale": "test"}],
    }


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "review.md").write_text(SOURCE)
    return folder


def with_replies(monkeypatch: pytest.MonkeyPatch, replies: list[str]) -> None:
    model = FakeListChatModel(responses=replies)
    monkeypatch.setattr(
        agent.extract.pipeline, "make_chat_model", lambda spec, embedder, policy=None: model
    )


def run(archive: Path):
    return process(resolve_settings(), ProcessOptions(archives=[archive]))


def audit(code: str | None = None) -> list[dict]:
    from agent.reports.views import audit_rows

    ws = open_workspace(resolve_settings())
    return audit_rows(ws.db, reason=code)


def belief(belief_id: str) -> float:
    ws = open_workspace(resolve_settings())
    row = ws.db.execute("SELECT credence FROM credences WHERE belief = ?", [belief_id]).fetchone()
    return row[0] if row else ws.register.get(belief_id).prior


def test_fenced_reply_with_prose_is_parsed(fake_embedder, archive, monkeypatch) -> None:
    body = json.dumps({"claims": [claim("Verification of long changes lags their production")]})
    with_replies(monkeypatch, [f"Let me think.\n```json\n{body}\n```\n"])
    report = run(archive)
    assert (report.claims_accepted, report.claims_rejected) == (1, 0)
    assert belief("B4") > 0.5
    assert scan_archive([archive]).sources[0].status == "processed"


def test_malformed_thrice_is_a_null_result_not_a_failure(fake_embedder, archive, monkeypatch):
    bad = ["I cannot help with that.", "Still no JSON here {oops", '{"claims": "none"}']
    with_replies(monkeypatch, bad)
    report = run(archive)
    assert report.failed == [] and report.processed == 1
    assert (report.claims_proposed, report.claims_rejected) == (1, 1)
    rows = audit("MALFORMED_OUTPUT")
    assert len(rows) == 1 and rows[0]["source"] == "review"
    source = scan_archive([archive]).sources[0]
    assert source.status == "null-result"
    assert "malformed" in source.frontmatter["extraction_notes"]
    ws = open_workspace(resolve_settings())
    calls = ws.db.execute("SELECT raw_reply, error FROM model_calls ORDER BY attempt").fetchall()
    assert [c[0] for c in calls] == bad and all(c[1] for c in calls)


def test_invalid_then_valid_reply_is_retried(fake_embedder, archive, monkeypatch) -> None:
    good = json.dumps({"claims": [claim("Verification of long changes lags their production")]})
    with_replies(monkeypatch, ['{"claims": [', good])
    report = run(archive)
    assert report.claims_accepted == 1 and audit("MALFORMED_OUTPUT") == []


def test_invented_quote_and_unknown_belief_are_rejected(fake_embedder, archive, monkeypatch):
    reply = json.dumps(
        {
            "claims": [
                claim(
                    "Reviewers always catch every defect in long changes", quote="never said this"
                ),
                claim("Verification of long changes lags their production", belief="B99"),
            ]
        }
    )
    with_replies(monkeypatch, [reply])
    report = run(archive)
    assert (report.claims_accepted, report.claims_rejected) == (0, 2)
    assert len(audit("QUOTE_NOT_IN_SOURCE")) == 1
    assert len(audit("UNKNOWN_BELIEF")) == 1
    assert scan_archive([archive]).sources[0].status == "null-result"


def test_forty_claims_move_a_belief_at_most_the_cap(fake_embedder, archive, monkeypatch) -> None:
    prior = belief("B4")
    claims = [
        claim(
            f"Verification of long changes lags their production in case {i}", confidence="proven"
        )
        for i in range(40)
    ]
    with_replies(monkeypatch, [json.dumps({"claims": claims})])
    report = run(archive)
    assert report.claims_proposed == 40
    assert 0 < belief("B4") - prior <= 0.1 + 1e-12


def test_provider_down_fails_the_source_and_leaves_it_unprocessed(
    fake_embedder, archive, monkeypatch
) -> None:
    class Down(FakeListChatModel):
        def invoke(self, *args, **kwargs):
            raise ConnectionError("connection refused")

    monkeypatch.setattr(
        agent.extract.pipeline, "make_chat_model", lambda s, e, p=None: Down(responses=["x"])
    )
    report = run(archive)
    assert len(report.failed) == 1 and "connection refused" in report.failed[0]["error"]
    assert scan_archive([archive]).sources[0].status == "unprocessed"
    good = json.dumps({"claims": [claim("Verification of long changes lags their production")]})
    with_replies(monkeypatch, [good])
    report = run(archive)
    assert report.processed == 1 and report.failed == []


def test_challenge_carries_a_disconfirmation_note(fake_embedder, archive, monkeypatch) -> None:
    reply = json.dumps(
        {
            "claims": [
                claim(
                    "Checking long changes is becoming cheaper than writing them",
                    stance="challenges",
                ),
            ]
        }
    )
    with_replies(monkeypatch, [reply])
    run(archive)
    from agent.reports.views import history_rows

    ws = open_workspace(resolve_settings())
    rows = history_rows(ws.db, ws.register, "B4")
    assert len(rows) == 1 and rows[0]["stance"] == "challenges"
    note = rows[0]["note"]
    assert note.startswith("challenges B4 (") and "Checking long changes" in note
    assert "touches the disconfirmation target" in note
    target = ws.register.get("B4").disconfirmation
    label = note.split('target "')[1].rstrip('".').rstrip("…")
    assert label and label in target and len(note) < len(target) + 200


def test_near_duplicate_across_sources_becomes_evidence(fake_embedder, archive, monkeypatch):
    # Another source (not a near-copy of the first, which would count once) making the same point.
    other = SOURCE.replace(
        "Reviewers caught half of the defects in short changes but only a fifth in long ones.",
        "A second lab's audit of its own review queue over a full year found the same pattern.",
    )
    (archive / "review-2.md").write_text(other)
    title = "Verification of long changes lags their production"
    with_replies(monkeypatch, [json.dumps({"claims": [claim(title)]})] * 2)
    report = run(archive)
    assert (report.claims_accepted, report.claims_rejected) == (1, 1)
    rows = audit("DUPLICATE_CLAIM")
    assert len(rows) == 1 and rows[0]["duplicate_of"]
    ws = open_workspace(resolve_settings())
    assert ws.db.execute("SELECT COUNT(*) FROM claim_evidence").fetchone()[0] == 1
    sources = {r[0] for r in ws.db.execute("SELECT source FROM events")}
    assert sources == {"review", "review-2"}
