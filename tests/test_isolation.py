"""One bad source fails alone: whatever reading, extracting or landing it raises, the rest of the
batch is processed and the report (and `process --json`) comes out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from typer.testing import CliRunner

import agent.extract.extraction
import agent.extract.landing
import agent.extract.pipeline
from agent.cli import app
from agent.config import resolve_settings
from agent.credences import replay_differences
from agent.extract.pipeline import ProcessOptions, process
from agent.llm.prompt_blocks import read_blocks
from agent.workspace import open_workspace
from store import archive as archive_module
from store.frontmatter import parse_document

SOURCE = """---
type: source
title: "{title}"
url: https://example.org/{name}
date: 2026-03-01
domain: ai-alignment
format: paper
status: unprocessed
---

{body}
"""
QUOTE = "Longer machine-written changes take more time to check than to write."


def write(folder: Path, name: str, title: str = "A plain title", body: str = QUOTE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(SOURCE.format(title=title, name=name, body=body), encoding="utf-8")
    return path


def claim(title: str, quote: str = QUOTE) -> dict[str, Any]:
    return {
        "title": title,
        "description": "A field observation of review outcomes on long changes.",
        "confidence": "likely",
        "domain": "ai-alignment",
        "evidence": [{"quote": quote}],
        "beliefs": [{"id": "B4", "stance": "supports", "rationale": "test"}],
    }


def run(archive: Path, llm: str | None = None):
    return process(resolve_settings(llm=llm), ProcessOptions(archives=[archive]))


def check_ledger() -> None:
    ws = open_workspace(resolve_settings())
    assert replay_differences(ws.db, ws.register, ws.rule) == []


def accounted(report) -> None:
    assert report.sources_seen == report.processed + report.skipped + len(report.failed)
    assert report.claims_proposed == report.claims_accepted + report.claims_rejected
    for failure in report.failed:
        assert "\n" not in failure["error"] and len(failure["error"]) <= 500


class Replier(FakeListChatModel):
    """A fake model that answers every prompt with `reply(prompt)`."""

    def invoke(self, messages: Any, *args: Any, **kwargs: Any) -> Any:
        from langchain_core.messages import AIMessage

        prompt = messages[-1].content
        return AIMessage(content=self.responses[0] if "POISON" not in prompt else "POISON")


def with_model(monkeypatch: pytest.MonkeyPatch, model: Any) -> None:
    monkeypatch.setattr(agent.extract.pipeline, "make_chat_model", lambda s, e, p=None: model)


# -- text that UTF-8 cannot hold -----------------------------------------------------------------


def test_a_title_with_a_lone_surrogate_is_processed(fake_embedder, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write(archive, "a-first")
    bad = write(archive, "b-surrogate", title="\\uD800 broken title")
    write(archive, "c-last")
    result = CliRunner().invoke(app, ["process", str(archive), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["processed"] == 3 and report["failed"] == []
    ws = open_workspace(resolve_settings())
    title = ws.db.execute("SELECT title FROM sources WHERE id = 'b-surrogate'").fetchone()[0]
    assert title == "\ufffd broken title"
    assert parse_document(bad.read_text()).frontmatter["status"] in ("processed", "null-result")
    assert '"\\uD800 broken title"' in bad.read_text()  # the curator's line kept as written
    again = CliRunner().invoke(app, ["process", str(archive), "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["skipped"] == 3
    check_ledger()


@pytest.mark.parametrize("form", ["escaped", "raw"])
def test_a_reply_with_a_lone_surrogate_is_stored(
    fake_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    archive = tmp_path / "archive"
    write(archive, "review")
    reply = json.dumps(
        {"claims": [claim("Checks of long changes lag \ud800 behind writing them")]},
        ensure_ascii=form == "escaped",
    )
    with_model(monkeypatch, FakeListChatModel(responses=[reply]))
    report = run(archive)
    accounted(report)
    assert report.failed == [] and report.processed == 1
    ws = open_workspace(resolve_settings())
    titles = [r[0] for r in ws.db.execute("SELECT title FROM claims")]
    titles += [r[0] for r in ws.db.execute("SELECT claim_title FROM rejections")]
    assert titles and all("\ud800" not in t for t in titles)
    check_ledger()


def test_a_poisoned_cached_reply_cannot_crash_a_rerun(
    fake_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run 1 caches the reply, then dies landing it; run 2 must land it from the cache."""
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    archive = tmp_path / "archive"
    write(archive, "review")
    reply = json.dumps({"claims": [claim("Checks of long changes lag \ud800 behind writing")]})
    with_model(monkeypatch, FakeListChatModel(responses=[reply]))
    real_land = agent.extract.landing.SourceLander.land

    def die(self, source, extraction, *rest):
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(agent.extract.landing.SourceLander, "land", die)
    first = run(archive, llm="openai:cached-test")
    assert len(first.failed) == 1 and "UnicodeEncodeError" in first.failed[0]["error"]

    class Unreachable(FakeListChatModel):
        def invoke(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the reply should come from the cache")

    monkeypatch.setattr(agent.extract.landing.SourceLander, "land", real_land)
    with_model(monkeypatch, Unreachable(responses=["x"]))
    second = run(archive, llm="openai:cached-test")
    accounted(second)
    assert second.failed == [] and second.processed == 1
    assert second.calls.cached == 1
    check_ledger()


# -- whatever one source raises, at any stage ------------------------------------------------------


def _poisoned(real: Any, exc: BaseException) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if any("POISON" in str(a) for a in args):
            raise exc
        return real(*args, **kwargs)

    return wrapper


STAGES = {
    "reading: RecursionError": (archive_module, "parse_document", RecursionError("too deep")),
    "reading: MemoryError": (archive_module, "parse_document", MemoryError()),
    "chunking: ValueError": (agent.extract.pipeline, "chunk_text", ValueError("bad chunk")),
    "prompt: KeyError": (agent.extract.pipeline, "source_block", KeyError("title")),
    "reply: RecursionError": (agent.extract.extraction, "parse_reply", RecursionError("deep")),
    "landing: UnicodeEncodeError": (
        agent.extract.landing,
        "source_row",
        UnicodeEncodeError("utf-8", "x", 0, 1, "surrogates not allowed"),
    ),
}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_an_unexpected_error_fails_one_source(
    fake_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    module, name, exc = STAGES[stage]
    archive = tmp_path / "archive"
    write(archive, "a-first")
    poisoned = write(archive, "b-poisoned", body=f"POISON. {QUOTE}")
    write(archive, "c-last")
    reply = json.dumps({"claims": [claim("Checks of long changes lag behind writing them")]})
    with_model(monkeypatch, Replier(responses=[reply]))
    monkeypatch.setattr(module, name, _poisoned(getattr(module, name), exc))
    report = run(archive)
    accounted(report)
    assert [f["path"] for f in report.failed] == [str(poisoned)], report.failed
    assert type(exc).__name__ in report.failed[0]["error"]
    assert report.processed == 2
    check_ledger()


def test_a_failed_source_is_done_by_the_next_run(
    fake_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    write(archive, "a-first")
    write(archive, "b-poisoned", body=f"POISON. {QUOTE}")
    real = archive_module.parse_document
    monkeypatch.setattr(archive_module, "parse_document", _poisoned(real, RecursionError()))
    assert len(run(archive).failed) == 1
    monkeypatch.setattr(archive_module, "parse_document", real)
    report = run(archive)
    assert report.failed == [] and (report.processed, report.skipped) == (1, 1)


def test_a_deep_frontmatter_file_fails_alone_with_json(fake_embedder, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write(archive, "a-first")
    deep = archive / "deep.md"
    deep.write_text("---\ntitle: x\nv: " + "[" * 500 + "]" * 500 + "\n---\nbody\n")
    write(archive, "z-last")
    result = CliRunner().invoke(app, ["process", str(archive), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["processed"] == 2
    assert [f["path"] for f in report["failed"]] == [str(deep)]
    assert "nested more than" in report["failed"][0]["error"]
    assert f"tracker: failed: {deep}: " in result.stderr


def test_a_reply_nested_too_deep_is_malformed_not_a_crash(
    fake_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    write(archive, "review")
    deep = '{"claims": [' + '{"x": [' * 20_000 + "]}" * 20_000 + "]}"
    with_model(monkeypatch, FakeListChatModel(responses=[deep]))
    report = run(archive)
    accounted(report)
    assert report.failed == [] and report.rejected_by_code == {"MALFORMED_OUTPUT": 1}


def test_a_quoted_file_name_cannot_break_the_prompt(tmp_path: Path) -> None:
    from agent.extract.pipeline import extract_prompt_values
    from agent.llm.prompt_blocks import BeliefView, beliefs_block

    source = archive_module.read_source(write(tmp_path, 'say "hello"'), 'say "hello"')
    values = extract_prompt_values(source, beliefs_block([BeliefView("B1", "s", "d")]))
    blocks = read_blocks(values["beliefs_block"] + "\n" + values["source_block"])
    assert blocks.title == source.title and blocks.text == source.body
    assert 'say "hello"' not in values["source_block"]  # the prompt names no file
