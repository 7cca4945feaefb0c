"""Exported notes read like a curator's: no machine rationales, file names of sensible length."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from agent.reports.export_notes import SLUG_CHARS, slug

runner = CliRunner()


def test_file_names_are_capped_between_words() -> None:
    title = " ".join(["interpretability"] * 3 + ["and", "verification"] * 20)
    stem = slug(title, "C0123456789ab")
    assert len(stem) <= SLUG_CHARS and stem.endswith("-c0123456789ab")
    assert stem.startswith("interpretability-interpretability-") and "--" not in stem
    assert all(part for part in stem.split("-"))  # whole words only
    assert slug("x" * 200, "C1") == "x" * (SLUG_CHARS - 3) + "-c1"
    assert slug("Short title", "C1") == "short-title-c1"


def test_the_offline_models_arithmetic_stays_out_of_exported_notes(
    fake_embedder, sample_archive: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["process", str(sample_archive), "-q"]).exit_code == 0
    claims = json.loads(runner.invoke(app, ["claims", "--json"]).stdout)
    assert claims, "the offline model found claims in the sample archive"
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", str(out), "--json"])
    assert result.exit_code == 0, result.output
    for note in [*(out / "claims").glob("*.md"), out / "beliefs.md"]:
        text = note.read_text()
        assert "cosine" not in text and "disconfirmation target;" not in text, note.name
        assert len(note.stem) <= SLUG_CHARS
