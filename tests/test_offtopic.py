"""Issue 12, point 4: with the packaged register (domains: [ai-alignment]) a source of another
domain is read and its claims kept, but it moves nothing and its extraction note says why; a
source with no domain is judged by the relevance rule instead."""

from __future__ import annotations

import shutil
from pathlib import Path

from agent.config import resolve_settings
from agent.extract.pipeline import ProcessOptions, process
from agent.workspace import open_workspace
from store.registers import default_register

OFF_DOMAIN = """---
type: source
title: Hospital staffing and outcomes
domain: health
---

# Hospital staffing and outcomes

Verification effort did not keep pace with generation speed, because each new model wrote
more code than reviewers could read; the gap between what a system can produce and what
people can check grew every quarter of the study.
"""


def test_packaged_register_covers_ai_alignment() -> None:
    assert default_register().domains == ("ai-alignment",)


def test_a_source_of_another_domain_moves_nothing(fake_embedder, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "staffing.md").write_text(OFF_DOMAIN, encoding="utf-8")
    no_domain = (
        "# Reviewing generated code\n\nReviewers signed off on ever larger changes they did not "
        "understand, so checking what the assistant wrote lagged further behind each month.\n"
    )
    (archive / "no-domain.md").write_text(no_domain, encoding="utf-8")
    home = tmp_path / "home"
    report = process(resolve_settings(home=str(home)), ProcessOptions(archives=[archive]))
    assert report.failed == [] and report.unrouted_sources == ["staffing"], report.as_json()
    ws = open_workspace(resolve_settings(home=str(home)))
    sources = {s for (s,) in ws.db.execute("SELECT DISTINCT source FROM events")}
    assert "staffing" not in sources
    kept = ws.db.execute("SELECT COUNT(*) FROM claims WHERE source = 'staffing'").fetchone()[0]
    assert kept >= 1  # read and kept
    note = (archive / "staffing.md").read_text(encoding="utf-8")
    assert "no belief holder covers its domain (health)" in note
    # the same words without a domain reach the beliefs, and the relevance rule decides
    assert "no-domain" not in report.unrouted_sources
    shutil.rmtree(home)
