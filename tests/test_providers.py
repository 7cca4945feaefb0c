"""The provider-independent parts: model specs, fault classification, backoff, redaction,
prices, the reply cache and the extractor, with langchain's fake chat models."""

from __future__ import annotations

import httpx
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from agent.config import resolve_settings
from agent.errors import ConfigError
from agent.extract.extraction import Extractor, ProviderError
from agent.llm.faults import classify
from agent.llm.policy import CallPolicy, call_policy
from agent.llm.pricing import load_prices
from agent.llm.prompts import load_prompt
from agent.llm.providers import check_model_spec, make_chat_model
from agent.llm.secrets import redact
from store.database import open_database
from store.reply_cache import ReplyCache

GOOD = '{"claims": [], "notes": "nothing to extract"}'


def status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(status, headers=headers or {}, request=request)
    cls = {429: openai.RateLimitError, 500: openai.InternalServerError}.get(
        status, openai.APIStatusError
    )
    return cls("scripted", response=response, body=None)


def test_faults_are_classified_by_status_and_kind() -> None:
    assert classify(status_error(429, {"retry-after": "7"})).retry_after == 7.0
    assert classify(status_error(500)).retryable and classify(status_error(503)).retryable
    assert not classify(status_error(401)).retryable
    assert not classify(status_error(404)).retryable
    request = httpx.Request("POST", "http://127.0.0.1/")
    assert classify(openai.APITimeoutError(request=request)).retryable
    assert classify(ConnectionRefusedError("refused")).retryable
    assert not classify(ValueError("bad arguments")).retryable


def test_retry_after_as_an_http_date_is_understood() -> None:
    fault = classify(status_error(429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert fault.retryable and fault.retry_after == 0.0  # a date in the past: retry now


@given(st.integers(min_value=1, max_value=40), st.floats(min_value=0, max_value=1e6))
def test_backoff_is_capped_and_retry_after_wins(fault_number: int, retry_after: float) -> None:
    policy = CallPolicy(backoff=2.0)
    assert 0 <= policy.delay(fault_number, None) <= policy.backoff_cap
    assert policy.delay(fault_number, retry_after) == min(policy.backoff_cap, retry_after)


def test_policy_reads_and_checks_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_LLM_TIMEOUT", "3.5")
    monkeypatch.setenv("TRACKER_LLM_RETRIES", "1")
    policy = call_policy(resolve_settings())
    assert policy.timeout == 3.5 and policy.retries == 1
    monkeypatch.setenv("TRACKER_LLM_RETRIES", "lots")
    with pytest.raises(ConfigError, match="TRACKER_LLM_RETRIES"):
        call_policy(resolve_settings())


def test_keys_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "local-secret-value")
    secrets = resolve_settings().secret_values
    text = redact("got local-secret-value and sk-abcdefghijkl123 and Bearer xyzxyzxyz123", secrets)
    assert "local-secret-value" not in text and "sk-abcdefghijkl123" not in text
    assert "xyzxyzxyz123" not in text and text.count("[redacted]") == 3


def test_model_specs_are_checked_before_any_work(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        check_model_spec("openai:gpt-4o-mini", resolve_settings())
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        check_model_spec("anthropic:claude-haiku-4-5", resolve_settings())
    with pytest.raises(ConfigError, match="does not exist"):
        check_model_spec(f"replay:{tmp_path / 'missing.jsonl'}", resolve_settings())
    with pytest.raises(ConfigError, match="not a model tracker knows"):
        check_model_spec("gemini:pro", resolve_settings())
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    assert check_model_spec("openai:local", resolve_settings()) == "openai:local"
    assert check_model_spec("ollama:llama3", resolve_settings()) == "ollama:llama3"
    # Building the clients touches no network.
    monkeypatch.setenv("TRACKER_LLM_TIMEOUT", "5")
    for spec in ("openai:local", "anthropic:claude-haiku-4-5", "ollama:llama3"):
        assert make_chat_model(spec, None, resolve_settings()) is not None


def test_a_bad_replay_file_names_the_line(tmp_path) -> None:
    path = tmp_path / "replies.jsonl"
    path.write_text('{"messages_sha256": "x", "reply": "y"}\nnot json\n')
    with pytest.raises(ConfigError, match="line 2"):
        make_chat_model(f"replay:{path}", None, resolve_settings())


def test_prices_wildcards_and_unknown_models(tmp_path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text('"openai:*": {input: 1, output: 2}\nopenai:big: {input: 10, output: 20}\n')
    table = load_prices(path)
    assert table.price_for("openai:big").cost(1_000_000, 0) == 10
    assert table.price_for("openai:small").cost(500_000, 500_000) == 1.5
    assert table.price_for("anthropic:x") is None
    path.write_text("openai:big: {input: cheap}\n")
    with pytest.raises(ConfigError, match="openai:big"):
        load_prices(path)


def test_packaged_price_table_loads(tmp_path) -> None:
    from agent.llm.pricing import ensure_prices

    table = load_prices(ensure_prices(tmp_path / "prices.yaml"))
    assert table.price_for("offline").cost(10**6, 10**6) == 0
    assert table.price_for("openai:gpt-4o-mini") is not None


def extractor(model, tmp_path, cache: bool = True, **policy) -> Extractor:
    db_path = tmp_path / "tracker.db"
    open_database(db_path)
    return Extractor(
        model,
        "openai:fake",
        load_prompt("extract"),
        CallPolicy(backoff=0, **policy),
        ReplyCache(db_path) if cache else None,
        None,
        sleep=lambda seconds: None,
    )


def test_the_cache_answers_the_same_messages_twice(tmp_path) -> None:
    model = FakeListChatModel(responses=[GOOD, "a different reply"])
    first = extractor(model, tmp_path).extract("prompt")
    second = extractor(model, tmp_path).extract("prompt")
    assert first.calls[0].cached is False and second.calls[0].cached is True
    assert second.calls[0].raw_reply == GOOD and second.calls[0].cost_usd == 0.0
    other = extractor(model, tmp_path).extract("another prompt")
    assert other.calls[0].raw_reply == "a different reply"


def test_a_malformed_reply_is_not_served_twice_as_if_new(tmp_path) -> None:
    """The retry sends different messages (the parse error), so the cache cannot loop."""
    model = FakeListChatModel(responses=["{oops", GOOD])
    result = extractor(model, tmp_path).extract("prompt")
    assert result.reply is not None and len(result.calls) == 2
    again = extractor(FakeListChatModel(responses=["unused"]), tmp_path).extract("prompt")
    assert [c.cached for c in again.calls] == [True, True] and again.reply is not None


def test_provider_faults_are_retried_then_reported_with_every_attempt(tmp_path) -> None:
    class Flaky(FakeListChatModel):
        failures: int = 0

        def invoke(self, *args, **kwargs):
            if self.failures < 2:
                self.failures += 1
                raise status_error(503)
            return super().invoke(*args, **kwargs)

    result = extractor(Flaky(responses=[GOOD]), tmp_path, retries=2).extract("p")
    assert [c.raw_reply is None for c in result.calls] == [True, True, False]
    with pytest.raises(ProviderError) as info:
        extractor(Flaky(responses=[GOOD]), tmp_path, cache=False, retries=1).extract("p")
    assert len(info.value.calls) == 2 and "HTTP 503" in str(info.value)


def test_a_permanent_fault_is_not_retried(tmp_path) -> None:
    class Unauthorised(FakeListChatModel):
        def invoke(self, *args, **kwargs):
            raise status_error(401)

    with pytest.raises(ProviderError, match="not retryable") as info:
        extractor(Unauthorised(responses=[GOOD]), tmp_path, retries=4).extract("p")
    assert len(info.value.calls) == 1


def test_the_call_summary_counts_every_call_once() -> None:
    from agent.extract.extraction import CallRecord
    from agent.llm.summary import CallSummary

    summary = CallSummary("openai:x", prices_path="prices.yaml")
    for _ in range(50):  # records freed between batches must still each count (no id() reuse)
        summary.add(
            [CallRecord("extract", "h", "openai:x", 1, "{}", None, 10, 5, 1.0, cost_usd=0.5)]
        )
    summary.add([CallRecord("extract", "h", "openai:x", 1, None, "HTTP 500", None, None, 1.0)])
    summary.add(
        [CallRecord("extract", "h", "openai:x", 1, "{}", None, 1, 1, 0.1, cached=True, cost_usd=0)]
    )
    assert summary.as_json() == {
        "model": "openai:x",
        "calls": 52,
        "cached": 1,
        "failed": 1,
        "input_tokens": 501,
        "output_tokens": 251,
        "cost_usd": 25.0,
        "cost_basis": "priced",
        "unpriced_calls": 0,
    }
    summary.add([CallRecord("extract", "h", "openai:x", 1, "{}", None, 1, 1, 0.1)])  # unpriced
    assert summary.as_json()["cost_usd"] is None and "unknown" in summary.line()
    assert summary.as_json()["cost_basis"] == "unknown" and summary.unpriced == 1


def test_config_shows_the_call_policy_and_whether_keys_are_set_never_the_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    from typer.testing import CliRunner

    from agent.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", "sk-config-must-not-print-this")
    monkeypatch.setenv("TRACKER_LLM_TIMEOUT", "30")
    result = CliRunner().invoke(app, ["config", "--json"])
    assert result.exit_code == 0 and "sk-config" not in result.stdout
    values = json.loads(result.stdout)
    pick = {k: {"value": v["value"], "from": v["from"]} for k, v in values.items()}
    assert pick["openai_api_key"] == {"value": "set", "from": "env"}
    assert values["anthropic_api_key"]["value"] == "unset"
    assert pick["llm_timeout"] == {"value": 30.0, "from": "env"}
    assert pick["llm_retries"] == {"value": 4, "from": "default"}
    assert values["source_cap"]["env"] == "TRACKER_SOURCE_CAP"
