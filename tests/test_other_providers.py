"""anthropic: and ollama: through their real langchain clients against the loopback server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.llm_server import LLMServer, Reply, Request, valid_reply
from tests.test_openai_scenarios import SOURCES, asks_about, statuses

runner = CliRunner()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    for name, text in SOURCES.items():
        (folder / f"{name}.md").write_text(text)
    return folder


def run(archive: Path, spec: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["process", str(archive), "--llm", spec, "--json"])
    return result.exit_code, json.loads(result.stdout)


def calls(home: Path) -> list[tuple]:
    with sqlite3.connect(home / "tracker.db") as conn:
        return conn.execute(
            "SELECT model, raw_reply IS NOT NULL, error, input_tokens, output_tokens "
            "FROM model_calls ORDER BY id"
        ).fetchall()


def test_anthropic_replies_land_and_a_429_is_retried(archive, workspace_env, monkeypatch) -> None:
    def script(request: Request) -> Reply:
        if request.repeat == 0 and asks_about(request, "audits"):
            return Reply(status=429, headers={"retry-after": "0"})
        return Reply("Here you are.\n" + valid_reply(request))

    with LLMServer({"claude-test": script}) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key-not-secret")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.root_url)
        code, report = run(archive, "anthropic:claude-test")
    assert code == 0 and report["processed"] == 3 and report["claims_accepted"] == 6
    assert set(statuses(archive).values()) == {"processed"}
    rows = calls(workspace_env)
    assert [r[1] for r in rows].count(False) == 1 and "HTTP 429" in rows[0][2]
    assert all(r[0] == "anthropic:claude-test" for r in rows)
    assert all(r[3] and r[4] for r in rows if r[1])  # usage read from the Anthropic reply
    assert report["model_calls"]["failed"] == 1


def test_ollama_replies_land_and_a_down_server_fails_the_source(
    archive, workspace_env, monkeypatch
) -> None:
    monkeypatch.setenv("TRACKER_LLM_RETRIES", "1")

    def script(request: Request) -> Reply:
        if asks_about(request, "proofs"):
            return Reply(status=500)
        return Reply(valid_reply(request))

    with LLMServer({"llama-test": script}) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.root_url)
        code, report = run(archive, "ollama:llama-test")
        assert sum("proofs" in r.prompt for r in server.requests) == 2  # 1 + 1 retry
    assert code == 1 and report["processed"] == 2
    assert [Path(f["path"]).stem for f in report["failed"]] == ["proofs"]
    assert statuses(archive)["proofs"] == "unprocessed"
    rows = calls(workspace_env)
    assert all(r[3] and r[4] for r in rows if r[1])  # prompt_eval_count / eval_count
