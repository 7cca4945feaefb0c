"""A related stance end to end: accepted, recorded as an event of weight 0 that moves nothing,
shown by `claims`, `history`, `beliefs` and `ask`, and `replay --check` still holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import agent.llm.offline as offline
from agent.cli import app

SOURCE = """---
title: Review load notes
domain: ai-alignment
format: report
---

# Review load notes

Reviewers now read three times as many generated changes per week as a year ago.
"""
QUOTE = "Reviewers now read three times as many generated changes per week as a year ago."


def _reply(title: str, text: str, beliefs: Any, embedder: Any, settings: Any) -> dict:
    return {
        "claims": [
            {
                "title": "Reviewers read three times as many generated changes as a year ago",
                "description": "The weekly load of generated changes per reviewer has tripled",
                "confidence": "likely",
                "domain": "ai-alignment",
                "evidence": [{"quote": QUOTE}],
                "beliefs": [
                    {"id": "B4", "stance": "related", "rationale": "about review, no direction"}
                ],
            }
        ],
        "notes": "test reply",
    }


def test_related_is_shown_everywhere_and_moves_nothing(
    fake_embedder, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(offline, "propose", _reply)
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "review-load.md").write_text(SOURCE, encoding="utf-8")
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()

    def cli(*args: str) -> Any:
        result = runner.invoke(app, [*args, *home, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    report = cli("process", str(archive), "--no-write-back")
    assert report["claims_accepted"] == 1
    (event,) = cli("history", "B4")
    assert event["stance"] == "related" and event["weight"] == 0
    assert event["credence_before"] == event["credence_after"]
    (claim,) = cli("claims")
    assert claim["beliefs"] == [{"id": "B4", "stance": "related"}]
    b4 = next(b for b in cli("beliefs") if b["id"] == "B4")
    assert b4["credence"] == b4["prior"] and b4["related"] == 1
    assert b4["evidence"] == 0 and b4["disconfirming"] == 0
    assert cli("replay", "--check")["differences"] == []
    answer = cli("ask", "How confident are we in B4?")
    assert "1 related claims" in answer["answer"]
