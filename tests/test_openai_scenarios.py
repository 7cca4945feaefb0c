"""The real `langchain-openai` client against a scripted server on 127.0.0.1.

Each scenario of the provider issue runs `tracker process` end to end through the CLI and then
checks what an auditor would check: the audit log, the source's status on disk, the credences,
and the recorded model calls.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from store.archive import scan_archive
from tests.llm_server import (
    LLMServer,
    Reply,
    Request,
    claim_for,
    reply_json,
    source_sentences,
    valid_reply,
)

SOURCES = {
    "audits": """---
type: source
title: "What automated audits miss"
url: https://example.org/audits
date: 2026-03-01
domain: ai-alignment
format: paper
status: unprocessed
---

Automated audits flagged only a third of the deceptive behaviours seeded into the test models.
Human reviewers needed four times longer than the models took to produce the transcripts.
The authors expect the gap between checking and producing to widen with each model generation.
""",
    "budgets": """---
type: source
title: "Where lab budgets go"
url: https://example.org/budgets
date: 2026-04-01
domain: ai-alignment
format: article
status: unprocessed
---

Three frontier labs spent less than five percent of their compute on safety research last year.
Safety teams reported losing staff to product groups during every major release cycle.
""",
    "proofs": """---
type: source
title: "Proof checkers at scale"
url: https://example.org/proofs
date: 2026-05-01
domain: ai-alignment
format: paper
status: unprocessed
---

Formal proof checkers verified every generated lemma in the benchmark within seconds.
Machine-checked proofs kept pace with the generator as the lemmas grew longer.
""",
}

runner = CliRunner()


def asks_about(request: Request, name: str) -> bool:
    """Whether the request's prompt holds SOURCES[name] (prompts name a source by its title)."""
    title = re.search(r'^title: "(.*)"$', SOURCES[name], re.M)
    assert title is not None
    return f'<source title="{title.group(1)}">' in request.prompt


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    for name, text in SOURCES.items():
        (folder / f"{name}.md").write_text(text)
    return folder


@pytest.fixture
def prices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text("openai:*: {input: 1.0, output: 2.0}\n")
    monkeypatch.setenv("TRACKER_PRICES", str(path))


def serve(scripts: dict, monkeypatch: pytest.MonkeyPatch) -> LLMServer:
    server = LLMServer(scripts).__enter__()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return server


def process(archive: Path, model: str, *extra: str):
    return runner.invoke(app, ["process", str(archive), "--llm", f"openai:{model}", *extra])


def process_json(archive: Path, model: str, *extra: str) -> tuple[int, dict]:
    result = process(archive, model, "--json", *extra)
    return result.exit_code, json.loads(result.stdout)


def db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "tracker.db")


def credences(home: Path) -> dict[str, float]:
    return dict(db(home).execute("SELECT belief, credence FROM credences").fetchall())


def unmoved(home: Path) -> bool:
    """Every stored credence still equals its prior."""
    rows = db(home).execute("SELECT prior, credence FROM credences").fetchall()
    return all(prior == value for prior, value in rows)


def prior(home: Path, belief: str) -> float:
    return db(home).execute("SELECT prior FROM credences WHERE belief = ?", [belief]).fetchone()[0]


def audit_codes(home: Path) -> list[str]:
    rows = db(home).execute("SELECT reasons FROM rejections WHERE superseded_at IS NULL")
    return sorted(r["code"] for (reasons,) in rows for r in json.loads(reasons))


def statuses(archive: Path) -> dict[str, str]:
    return {s.id: str(s.status) for s in scan_archive([archive]).sources}


def marker_script(special: str, bad: Reply | None = None) -> object:
    """Valid replies, except `bad` for the source whose id is `special`."""

    def script(request: Request) -> Reply:
        if bad is not None and asks_about(request, special):
            return bad
        return Reply(valid_reply(request))

    return script


def test_valid_replies_are_accepted_recorded_and_priced(
    archive, workspace_env, monkeypatch, prices
) -> None:
    with serve({"valid": lambda r: Reply(valid_reply(r))}, monkeypatch) as server:
        result = process(archive, "valid")
    assert result.exit_code == 0, result.output
    assert audit_codes(workspace_env) == []
    assert set(statuses(archive).values()) == {"processed"}
    assert credences(workspace_env)["B4"] > prior(workspace_env, "B4")  # six claims support it
    calls = (
        db(workspace_env)
        .execute(
            "SELECT model, prompt_name, prompt_hash, raw_reply, input_tokens, output_tokens, "
            "latency_ms, cost_usd, cached FROM model_calls"
        )
        .fetchall()
    )
    assert len(calls) == 3 == len(server.requests)
    for model, prompt, prompt_hash, raw, tokens_in, tokens_out, latency, cost, cached in calls:
        assert (model, prompt, cached) == ("openai:valid", "extract", 0)
        assert len(prompt_hash) == 64 and raw.startswith('{"claims"') and latency > 0
        assert cost == pytest.approx((tokens_in * 1.0 + tokens_out * 2.0) / 1e6)
    total_in = sum(c[4] for c in calls)
    total_out = sum(c[5] for c in calls)
    assert f"model calls: 3 (0 cached, 0 failed), tokens: {total_in:,} in / {total_out:,} out" in (
        result.stdout
    )
    assert f"cost: ${(total_in + 2 * total_out) / 1e6:.4f}" in result.stdout


def test_fenced_reply_and_prose_before_json_are_parsed(archive, workspace_env, monkeypatch):
    def script(request: Request) -> Reply:
        body = valid_reply(request, count=1)
        if asks_about(request, "audits"):
            return Reply(f"Here is what I found.\n```json\n{body}\n```\nHope it helps.")
        return Reply(f"I read the source carefully. Two claims stand out. {body}")

    with serve({"chatty": script}, monkeypatch):
        code, report = process_json(archive, "chatty")
    assert code == 0 and report["claims_accepted"] == 3 and report["claims_rejected"] == 0


def test_invalid_then_valid_is_retried_with_the_parse_error_shown(
    archive, workspace_env, monkeypatch
):
    def script(request: Request) -> Reply:
        return Reply('{"claims": [{"title": ' if request.repeat == 0 else valid_reply(request))

    with serve({"flaky": script}, monkeypatch) as server:
        code, report = process_json(archive, "flaky")
    assert code == 0 and report["claims_accepted"] == 6 and audit_codes(workspace_env) == []
    retries = [r for r in server.requests if r.repeat == 1]
    assert len(retries) == 3
    assert all("could not be used" in r.messages[-1]["content"] for r in retries)
    rows = (
        db(workspace_env)
        .execute("SELECT attempt, error FROM model_calls WHERE source = 'audits' ORDER BY attempt")
        .fetchall()
    )
    assert rows[0][0] == 1 and rows[0][1] and rows[1] == (2, None)


def test_never_valid_is_one_malformed_rejection_and_a_null_result(
    archive, workspace_env, monkeypatch
):
    with serve({"broken": lambda r: Reply("Sorry, I can't produce JSON today.")}, monkeypatch):
        code, report = process_json(archive, "broken")
    assert code == 0 and report["failed"] == []
    assert audit_codes(workspace_env) == ["MALFORMED_OUTPUT"] * 3
    assert set(statuses(archive).values()) == {"null-result"}
    notes = scan_archive([archive]).sources[0].frontmatter["extraction_notes"]
    assert "malformed after 3 attempts" in notes
    assert unmoved(workspace_env)
    calls = db(workspace_env).execute("SELECT COUNT(*) FROM model_calls").fetchone()[0]
    assert calls == 9


def test_429_then_success_honours_retry_after(archive, workspace_env, monkeypatch):
    def script(request: Request) -> Reply:
        if request.repeat == 0 and asks_about(request, "audits"):
            return Reply(status=429, headers={"Retry-After": "1"})
        return Reply(valid_reply(request))

    with serve({"limited": script}, monkeypatch) as server:
        code, report = process_json(archive, "limited")
    assert code == 0 and report["processed"] == 3 and report["failed"] == []
    first, second = server.requests_for("limited")[:2]
    assert second.at - first.at >= 0.9  # backoff is 0 in tests: only Retry-After explains this
    assert report["model_calls"]["failed"] == 1 and report["model_calls"]["calls"] == 4
    errors = [r[0] for r in db(workspace_env).execute("SELECT error FROM model_calls")]
    assert any(e and "HTTP 429" in e for e in errors)


def test_persistent_500_fails_one_source_and_the_next_run_does_it(
    archive, workspace_env, monkeypatch
):
    monkeypatch.setenv("TRACKER_LLM_RETRIES", "2")
    scripts = {
        "outage": marker_script("budgets", Reply(status=500)),
        "healthy": marker_script("budgets"),
    }
    with serve(scripts, monkeypatch) as server:
        code, report = process_json(archive, "outage")
        assert code == 1 and report["processed"] == 2
        assert [Path(f["path"]).stem for f in report["failed"]] == ["budgets"]
        assert "HTTP 500" in report["failed"][0]["error"]
        assert statuses(archive) == {
            "audits": "processed",
            "budgets": "unprocessed",
            "proofs": "processed",
        }
        assert sum("budgets" in r.prompt for r in server.requests) == 3  # 1 + 2 retries
        before = credences(workspace_env)
        code, report = process_json(archive, "healthy")
    assert code == 0 and report["processed"] == 1 and report["skipped"] == 2
    assert statuses(archive)["budgets"] == "processed"
    assert credences(workspace_env)["B4"] > before["B4"]


def test_slow_reply_past_the_timeout_fails_only_that_source(archive, workspace_env, monkeypatch):
    monkeypatch.setenv("TRACKER_LLM_TIMEOUT", "0.5")
    monkeypatch.setenv("TRACKER_LLM_RETRIES", "1")
    slow = marker_script("proofs", Reply(reply_json([]), delay=3.0))
    with serve({"slow": slow}, monkeypatch):
        code, report = process_json(archive, "slow")
    assert code == 1 and report["processed"] == 2
    assert [Path(f["path"]).stem for f in report["failed"]] == ["proofs"]
    assert "Timeout" in report["failed"][0]["error"]
    assert statuses(archive)["proofs"] == "unprocessed"


def test_invented_quotes_are_rejected_and_move_nothing(archive, workspace_env, monkeypatch):
    def script(request: Request) -> Reply:
        sentence = source_sentences(request.prompt)[0]
        invented = "The study proved beyond doubt that every safeguard always fails."
        return Reply(reply_json([claim_for(sentence, quote=invented)]))

    with serve({"liar": script}, monkeypatch):
        code, report = process_json(archive, "liar")
    assert code == 0 and report["claims_rejected"] == 3
    assert audit_codes(workspace_env) == ["QUOTE_NOT_IN_SOURCE"] * 3
    assert set(statuses(archive).values()) == {"null-result"}
    assert unmoved(workspace_env)


def test_unknown_beliefs_are_rejected(archive, workspace_env, monkeypatch):
    with serve({"b99": lambda r: Reply(valid_reply(r, count=1, belief="B99"))}, monkeypatch):
        code, _ = process_json(archive, "b99")
    assert code == 0 and audit_codes(workspace_env) == ["UNKNOWN_BELIEF"] * 3
    assert unmoved(workspace_env)


def test_forty_claims_for_one_belief_move_it_at_most_the_cap(archive, workspace_env, monkeypatch):
    def script(request: Request) -> Reply:
        sentence = source_sentences(request.prompt)[0]
        claims = [
            claim_for(
                sentence,
                belief="B1",
                confidence="proven",
                title=f"{sentence.rstrip('.')} in replication number {i}",
            )
            for i in range(40)
        ]
        return Reply(reply_json(claims))

    (archive / "budgets.md").unlink()
    (archive / "proofs.md").unlink()
    with serve({"flood": script}, monkeypatch):
        code, report = process_json(archive, "flood")
    assert code == 0 and report["claims_proposed"] == 40
    shift = credences(workspace_env)["B1"] - prior(workspace_env, "B1")
    assert 0 < shift <= 0.1 + 1e-12


def test_jobs_land_the_same_credences_as_one_at_a_time(archive, tmp_path, monkeypatch):
    def script(request: Request) -> Reply:
        stance = "challenges" if "proof" in request.prompt.lower() else "supports"
        return Reply(valid_reply(request, stance=stance), delay=0.3)

    results = {}
    with serve({"steady": script}, monkeypatch) as server:
        for jobs in (1, 3):
            home = tmp_path / f"home-{jobs}"
            result = runner.invoke(
                app,
                [
                    "process",
                    str(archive),
                    "--llm",
                    "openai:steady",
                    "--home",
                    str(home),
                    "--no-write-back",
                    "--jobs",
                    str(jobs),
                    "--json",
                ],
            )
            assert result.exit_code == 0, result.output
            rows = db(home).execute("SELECT id, source FROM claims ORDER BY id").fetchall()
            results[jobs] = (credences(home), rows)
        assert server.max_in_flight >= 2  # --jobs 3 really had calls in flight together
    assert results[1] == results[3]


def test_a_rerun_after_changing_nothing_in_the_prompt_is_served_from_the_cache(
    archive, tmp_path, monkeypatch
):
    """A second workspace (a re-run from scratch) pays nothing: same model, same prompts."""
    with serve({"valid": lambda r: Reply(valid_reply(r))}, monkeypatch) as server:
        home = tmp_path / "home"
        process(archive, "valid", "--home", str(home), "--no-write-back")
        assert len(server.requests) == 3
        with db(home) as conn:
            conn.execute("DELETE FROM sources")  # forget what was done, keep the cache
        code, report = process_json(archive, "valid", "--home", str(home), "--no-write-back")
        assert len(server.requests) == 3  # nothing new reached the server
    assert code == 0 and report["model_calls"]["cached"] == 3
    assert report["model_calls"]["cost_usd"] == 0.0 and report["claims_accepted"] == 6


def test_api_key_never_leaks(archive, workspace_env, monkeypatch, capsys):
    key = "sk-test-DO-NOT-LEAK-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", key)

    def script(request: Request) -> Reply:
        if asks_about(request, "audits"):
            echoed = request.headers.get("authorization", "")
            return Reply(status=401, body=json.dumps({"error": {"message": f"bad key {echoed}"}}))
        return Reply(valid_reply(request))

    with serve({"leaky": script}, monkeypatch) as server:
        result = process(archive, "leaky", "--json")
        human = process(archive, "leaky")
    assert any(key in r.headers.get("authorization", "") for r in server.requests)
    assert result.exit_code == 1 and "HTTP 401" in result.stdout
    for text in (result.stdout, result.stderr, human.stdout, human.stderr):
        assert key not in text
    dump = "\n".join(db(workspace_env).iterdump())
    assert key not in dump and "[redacted]" in dump


def test_an_exported_run_replays_without_the_server(archive, tmp_path, monkeypatch):
    def script(request: Request) -> Reply:
        if request.repeat == 0 and asks_about(request, "budgets"):
            return Reply("not json yet")  # the replay must reproduce the retry too
        stance = "challenges" if "proof" in request.prompt.lower() else "supports"
        return Reply(valid_reply(request, stance=stance))

    original = tmp_path / "original"
    with serve({"recorded": script}, monkeypatch):
        process(archive, "recorded", "--home", str(original), "--no-write-back")
    replies = tmp_path / "replies.jsonl"
    result = runner.invoke(app, ["export-replies", str(replies), "--home", str(original), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["replies"] == 4
    replayed = tmp_path / "replayed"
    result = runner.invoke(
        app,
        ["process", str(archive), "--llm", f"replay:{replies}", "--home", str(replayed),
         "--no-write-back", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert credences(replayed) == credences(original)
    claims = "SELECT id, title FROM claims ORDER BY id"
    assert db(replayed).execute(claims).fetchall() == db(original).execute(claims).fetchall()
    assert json.loads(result.stdout)["model_calls"]["calls"] == 4


def test_a_replay_file_without_the_reply_fails_the_source_clearly(archive, tmp_path):
    replies = tmp_path / "empty.jsonl"
    replies.write_text("")
    result = runner.invoke(app, ["process", str(archive), "--llm", f"replay:{replies}", "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and len(report["failed"]) == 3
    assert "has no recorded reply" in report["failed"][0]["error"]
