"""End to end on a copy of the shared corpus with the real MiniLM model and a real Chroma."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from store.archive import scan_archive
from tests.conftest import require_corpus


@pytest.mark.slow
def test_whole_corpus_goes_through(tmp_path: Path) -> None:
    corpus = require_corpus() / "sources"
    archive = tmp_path / "sources"
    shutil.copytree(corpus, archive)
    curators = {s.id: s.frontmatter for s in scan_archive([archive]).sources}
    runner = CliRunner()
    result = runner.invoke(app, ["process", str(archive), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["sources_seen"] == 68
    assert report["failed"] == []
    assert report["processed"] + report["skipped"] == 68
    assert report["claims_accepted"] >= 68
    assert report["claims_proposed"] == report["claims_accepted"] + report["claims_rejected"]

    scan = scan_archive([archive])
    assert scan.failures == []
    for source in scan.sources:
        record = source.frontmatter["tracker"]  # tracker's own record, always written
        assert record["status"] in ("processed", "null-result"), source.id
        assert record["processed_by"] == "theseus"
        before = curators[source.id]
        for key in ("status", "processed_by", "claims_extracted", "extraction_notes"):
            if before.get(key) not in (None, "unprocessed"):  # a curator's value: kept
                assert source.frontmatter[key] == before[key], (source.id, key)
    flattened = [
        s
        for s in scan.sources
        if "mechanistic-interpretability" in s.id
        and s.path.suffix == ".md"
        and s.id.startswith("2026-01-12")
    ]
    assert flattened and all(s.layout == "block" for s in flattened)

    beliefs = json.loads(runner.invoke(app, ["beliefs", "--json"]).stdout)
    assert sum(b["evidence"] for b in beliefs) > 0
    assert runner.invoke(app, ["replay", "--check"]).exit_code == 0

    again = json.loads(runner.invoke(app, ["process", str(archive), "--json"]).stdout)
    assert (again["processed"], again["skipped"]) == (0, 68)
