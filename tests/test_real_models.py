"""Issue 17: the LLM path tuned on a real model's replies.

Sampling as a setting, sent and recorded; quotes snapped onto verbatim spans; curators' sections
kept out of the prompt and out of the evidence; the prompt's shape; the re-ask; per-attempt times
and one cost rule; and the recorded replies of a real model replayed through `tracker process`.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field
from typer.testing import CliRunner

import agent.extract.pipeline
import agent.llm.caller
from agent.cli import app
from agent.config import resolve_settings
from agent.errors import ConfigError
from agent.extract.validate import validate_claim
from agent.llm.prompts import load_prompt, split_messages
from agent.llm.sampling import Sampling, sampling_settings
from agent.text.curation import split_curation
from agent.text.normalize import quote_in_text
from tests.llm_server import LLMServer, Reply, valid_reply

runner = CliRunner()
REPLIES = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "corpus"
    / "model-replies"
    / "qwen2.5-coder-1.5b-q4km.jsonl"
)

SOURCE = """---
type: source
title: "Safety index scores"
url: https://example.org/index
date: 2025-07-01
domain: ai-alignment
format: report
status: unprocessed
---

## Content

- NO company scored above D in existential safety despite claiming AGI within a decade
- Only 3 firms (Anthropic, OpenAI, DeepMind) conduct substantive testing for dangerous capabilities
- "None of the companies has anything like a coherent, actionable plan" for human-level AI safety

## Agent Notes
**Why this matters:** The scores are damning and this is the evidence for our race claim.

**Context:** The index methodology was peer-reviewed by outside experts.

## Curator Notes (structured handoff for extractor)
PRIMARY CONNECTION: [[the alignment tax creates a race to the bottom]]
EXTRACTION HINT: The headline claim is that no company scores above D in existential safety.

## Key Facts
- FLI evaluated 7 companies across 6 dimensions using a peer-reviewed methodology
"""
BODY = SOURCE.split("---\n", 2)[2]


def claim(quote: str, title: str = "No frontier company scored above D in existential safety"):
    return {
        "title": title,
        "description": "Letter grades from an outside panel, summer 2025, seven companies.",
        "confidence": "likely",
        "domain": "ai-alignment",
        "evidence": [{"quote": quote}],
        "beliefs": [{"id": "B1", "stance": "supports", "rationale": "Shows the gap."}],
    }


def judge(proposed: dict):
    curated = split_curation(BODY)
    return validate_claim(
        proposed, curated.evidence, ["B1"], curator_text=curated.notes, whole_text=BODY
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "index.md").write_text(SOURCE)
    return folder


def db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "tracker.db")


def with_model(monkeypatch: pytest.MonkeyPatch, model: Any) -> None:
    monkeypatch.setattr(agent.extract.pipeline, "make_chat_model", lambda s, e, p=None: model)


class Recording(FakeListChatModel):
    """Queued replies, and every conversation it was sent."""

    seen: list[list[Any]] = Field(default_factory=list)

    def invoke(self, messages: Any, *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super().invoke(messages, *args, **kwargs)


# --- 1. sampling is a setting ------------------------------------------------------------------


def test_sampling_defaults_to_temperature_zero_with_a_seed_and_checks_its_values() -> None:
    assert sampling_settings(resolve_settings(environ={})) == Sampling(0.0, 4096, 0)
    env = {
        "TRACKER_LLM_TEMPERATURE": "0.3",
        "TRACKER_LLM_MAX_TOKENS": "900",
        "TRACKER_LLM_SEED": "7",
    }
    assert sampling_settings(resolve_settings(environ=env)) == Sampling(0.3, 900, 7)
    assert sampling_settings(resolve_settings(environ={"TRACKER_LLM_SEED": "none"})).seed is None
    assert Sampling().for_provider("anthropic").as_record() == {
        "temperature": 0.0,
        "max_tokens": 4096,
    }
    for name, bad in (("TRACKER_LLM_TEMPERATURE", "3"), ("TRACKER_LLM_MAX_TOKENS", "lots")):
        with pytest.raises(ConfigError, match=name):
            sampling_settings(resolve_settings(environ={name: bad}))


def test_config_shows_the_sampling_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_LLM_MAX_TOKENS", "512")
    rows = json.loads(runner.invoke(app, ["config", "--json"]).stdout)
    assert rows["llm_temperature"] == {
        "value": 0.0,
        "from": "default",
        "env": "TRACKER_LLM_TEMPERATURE",
        "description": "sampling temperature sent (0..2)",
    }
    assert (rows["llm_max_tokens"]["value"], rows["llm_max_tokens"]["from"]) == (512, "env")
    assert rows["llm_seed"]["value"] == 0
    text = runner.invoke(app, ["config"]).stdout
    assert "TRACKER_LLM_SEED" in text and "TRACKER_LLM_TEMPERATURE" in text


def test_every_call_sends_the_sampling_and_records_it(archive, workspace_env, monkeypatch):
    monkeypatch.setenv("TRACKER_LLM_SEED", "11")
    with LLMServer({"valid": lambda r: Reply(valid_reply(r))}) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["process", str(archive), "--llm", "openai:valid"])
        assert result.exit_code == 0, result.output
        (request,) = server.requests
    body = request.payload
    assert body["temperature"] == 0.0 and body["seed"] == 11
    assert 4096 in (body.get("max_tokens"), body.get("max_completion_tokens"))
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user"]
    assert "<source" in body["messages"][1]["content"]
    assert "<source" not in body["messages"][0]["content"]
    (sampling,) = db(workspace_env).execute("SELECT sampling FROM model_calls").fetchone()
    assert json.loads(sampling) == {"temperature": 0.0, "max_tokens": 4096, "seed": 11}


def test_another_sampling_is_not_served_from_the_cache(archive, tmp_path, monkeypatch):
    with LLMServer({"valid": lambda r: Reply(valid_reply(r))}) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        home = str(tmp_path / "h")
        args = ["process", str(archive), "--llm", "openai:valid", "--home", home]
        runner.invoke(app, args)
        with sqlite3.connect(Path(home) / "tracker.db") as conn:
            conn.execute("DELETE FROM sources")  # forget what was done, keep the cache
        monkeypatch.setenv("TRACKER_LLM_TEMPERATURE", "0.7")
        runner.invoke(app, args)
        assert len(server.requests) == 2  # the cached reply was sampled at 0, not 0.7
        assert server.requests[1].payload["temperature"] == 0.7


# --- 5. records ---------------------------------------------------------------------------------


def test_each_attempt_records_its_own_time(archive, workspace_env, monkeypatch) -> None:
    times = iter(["2026-01-01T00:00:01+00:00", "2026-01-01T00:00:02+00:00"])
    monkeypatch.setattr(agent.llm.caller, "now_iso", lambda: next(times))
    good = json.dumps({"claims": [], "notes": "nothing checkable"})
    with_model(monkeypatch, FakeListChatModel(responses=['{"claims": [', good]))
    runner.invoke(app, ["process", str(archive)])
    rows = db(workspace_env).execute("SELECT attempt, at FROM model_calls ORDER BY id").fetchall()
    assert rows == [(1, "2026-01-01T00:00:01+00:00"), (2, "2026-01-01T00:00:02+00:00")]


def test_cost_is_stated_by_one_rule_in_a_first_run_and_a_rerun(archive, monkeypatch) -> None:
    """The packaged price table has no price for a local server's model: unknown, not 0.0."""
    with LLMServer({"unpriced-local": lambda r: Reply(valid_reply(r))}) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        args = ["process", str(archive), "--llm", "openai:unpriced-local", "--no-write-back"]
        first = runner.invoke(app, [*args, "--json"])
        second = runner.invoke(app, [*args, "--json"])
        again = runner.invoke(app, args)
    one, two = json.loads(first.stdout)["model_calls"], json.loads(second.stdout)["model_calls"]
    assert (one["cost_usd"], one["cost_basis"], one["unpriced_calls"]) == (None, "unknown", 1)
    assert (two["calls"], two["cost_usd"], two["cost_basis"], two["unpriced_calls"]) == (
        0,
        0.0,
        "no calls",
        0,
    )
    assert "cost: $0.0000 (no calls)" in again.stdout


# --- 2. quote snapping --------------------------------------------------------------------------


def test_a_near_miss_quote_is_snapped_onto_the_verbatim_span() -> None:
    near = "NO company scored above D in existential safety despite claiming AGI within a decade."
    verdict = judge(claim(near))
    assert verdict.accepted, verdict.reasons
    (quote,) = verdict.claim.quotes
    assert quote == near.rstrip(".") and quote in BODY
    assert verdict.claim.snapped_from == (near,)


def test_a_verbatim_quote_records_no_snap_and_a_rewording_stays_not_in_source() -> None:
    exact = "Only 3 firms (Anthropic, OpenAI, DeepMind) conduct substantive testing"
    assert judge(claim(exact)).claim.snapped_from == ()
    changed = "Only 5 firms (Anthropic, OpenAI, DeepMind) conduct substantive testing for risks"
    assert [r.code for r in judge(claim(changed)).reasons] == ["QUOTE_NOT_IN_SOURCE"]


def test_a_quote_from_the_curators_notes_has_its_own_reason() -> None:
    verdict = judge(claim("The index methodology was peer-reviewed by outside experts."))
    assert [r.code for r in verdict.reasons] == ["QUOTE_FROM_CURATOR_NOTES"]
    assert "curators' notes" in verdict.reasons[0].message


def test_a_snapped_quote_is_stored_verbatim_with_what_the_model_wrote(
    archive, workspace_env, monkeypatch
) -> None:
    near = "NO company scored above D in existential safety despite claiming AGI within a decade."
    reply = json.dumps({"claims": [claim(near)], "notes": ""})
    with_model(monkeypatch, FakeListChatModel(responses=[reply]))
    assert runner.invoke(app, ["process", str(archive), "--no-write-back"]).exit_code == 0
    (row,) = json.loads(runner.invoke(app, ["claims", "--json"]).stdout)
    assert row["evidence"] == [{"quote": near.rstrip("."), "snapped_from": near}]
    assert quote_in_text(row["evidence"][0]["quote"], BODY)
    assert "snapped from" in runner.invoke(app, ["claims"]).stdout


# --- 3. the prompt ------------------------------------------------------------------------------


def test_curators_sections_are_left_out_and_a_plain_body_is_kept_byte_for_byte() -> None:
    curated = split_curation(BODY)
    assert "Why this matters" not in curated.evidence and "EXTRACTION HINT" not in curated.evidence
    assert "PRIMARY CONNECTION" in curated.notes and "peer-reviewed by outside" in curated.notes
    assert "## Key Facts" in curated.evidence and "NO company scored" in curated.evidence
    assert curated.left_out == ("Agent Notes", "Curator Notes (structured handoff for extractor)")
    plain = "Intro.\n\n**Key finding:** costs fell.\n"
    assert split_curation(plain).evidence == plain


def test_a_labelled_curator_note_outside_a_section_is_left_out_to_its_blank_line() -> None:
    body = "Text one.\n\n**KB connections:**\n- [[a]] confirms\n- [[b]]\n\nText two.\n"
    curated = split_curation(body)
    assert "[[a]]" not in curated.evidence and "Text two." in curated.evidence
    assert "Text one." in curated.evidence


def test_the_prompt_is_a_system_message_of_rules_and_a_user_message_of_the_source() -> None:
    template = load_prompt("extract")
    system, user = split_messages(
        template.render(beliefs_block="<beliefs>\n</beliefs>", source_block="S", domain="d")
    )
    assert system is not None and "<beliefs>" in user and "S" in user
    assert "This note argues" not in template.text  # nothing a model can copy into a title
    assert system.count('{"claims": [') == 1 and user.count('{"claims"') == 0  # shape shown once
    assert '\\"' in system  # the escaping rule
    assert split_messages("one old-style prompt") == (None, "one old-style prompt")


def test_the_reask_shows_the_parse_error_and_the_offending_span(
    archive, workspace_env, monkeypatch
) -> None:
    broken = '{"claims": [{"title": "None of the companies has a "coherent" plan"}]}'
    model = Recording(responses=[broken, '{"claims": []}'])
    with_model(monkeypatch, model)
    runner.invoke(app, ["process", str(archive), "--no-write-back"])
    reask = model.seen[1][-1].content
    assert "Expecting ',' delimiter" in reask
    assert 'None of the companies has a "<<HERE>>coherent' in reask
    assert 'write a double quote as \\"' in reask


def test_the_reading_frame_is_not_part_of_a_title() -> None:
    framed = claim(
        "NO company scored above D in existential safety despite claiming AGI within a decade",
        title="This note argues that no frontier company scored above D in existential safety",
    )
    assert judge(framed).claim.title == "No frontier company scored above D in existential safety"


# --- 6. the recorded replies of a real model ------------------------------------------------------


def test_the_recorded_replies_of_a_small_model_replayed_through_process(
    tmp_path: Path, fake_embedder
) -> None:
    """Qwen2.5-Coder-1.5B's ten recorded exchanges (three runs over three sources): 3 of 13
    proposals were accepted before issue 17, two of them only on quotes of the curators' notes;
    5 of 14 now (the reply with a bare `"` in its strings is read once repaired, and its claim
    is accepted). Three are saved by snapping (both RSP claims: a trailing "." and "in February
    2026." added; "The FLI AI Safety Index ..." with "The" added), the Lean claim keeps its place
    with its "This note argues that" frame cut, and "The index methodology was peer-reviewed",
    quoted from the curators' Context note, is refused with its own reason."""
    if not REPLIES.exists():
        pytest.skip("../shared/corpus/model-replies is not beside the project")
    from bench.replay_replies import replay_run, runs_of, source_files

    runs = runs_of(REPLIES)
    files = source_files({title for run in runs for title, _ in run}, REPLIES.parents[1])
    results = [replay_run(run, files, tmp_path / f"run{n}") for n, run in enumerate(runs)]
    reasons: Counter[str] = Counter()
    for result in results:
        reasons.update(result["reasons"])
    assert [r["proposed"] for r in results] == [3, 6, 5]
    assert [r["accepted"] for r in results] == [2, 2, 1]
    assert reasons == {
        "NOT_A_PROPOSITION": 4,
        "DESCRIPTION_REPEATS_TITLE": 3,
        "QUOTE_NOT_IN_SOURCE": 2,
        "QUOTE_FROM_CURATOR_NOTES": 1,
    }
    assert sum(r["snapped_quotes_in_accepted"] for r in results) == 3
