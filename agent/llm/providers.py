"""Choosing the chat model behind `TRACKER_LLM`.

Every model is used through langchain's chat-model interface, so the offline default, a remote
provider and a replay file all go through the same prompt, parser and validator. Provider clients
are built with their own retries switched off (`max_retries=0`): tracker retries itself, with one
policy for every provider (`agent.llm.policy`), and records every attempt. Keys, base URLs and
the timeout come from `Settings`, never from the environment directly.

Nothing here asks for tool calling or provider-specific structured output: the model is asked for
JSON in the message text, and tracker judges the reply itself.

Sampling (temperature, most output tokens, a seed where the API takes one) is set on every
client from `agent.llm.sampling`, never left to a server's defaults; `sampling_sent` says what a
provider is sent, and that is what each call records.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import ConfigError
from agent.llm.policy import call_policy
from agent.llm.sampling import Sampling, sampling_settings

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from agent.config import Settings
    from store.embedder import Embedder

REMOTE_PROVIDERS = ("openai", "anthropic", "ollama")
LOCAL_SERVER_KEY = "not-needed-for-a-local-server"
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"


def provider_of(spec: str) -> str:
    return "offline" if spec == "offline" else spec.partition(":")[0]


def is_remote(spec: str) -> bool:
    """Calls that cost money or time: cached, and run `--jobs` at a time."""
    return provider_of(spec) in REMOTE_PROVIDERS


def check_model_spec(spec: str, settings: Settings) -> str:
    """Validate a TRACKER_LLM value early, before any work starts; ConfigError names the fix."""
    if spec == "offline":
        return spec
    provider, _, name = spec.partition(":")
    if provider not in (*REMOTE_PROVIDERS, "replay") or not name:
        raise ConfigError(
            f"TRACKER_LLM={spec!r} is not a model tracker knows; use offline, openai:MODEL, "
            "anthropic:MODEL, ollama:MODEL or replay:FILE"
        )
    if provider == "replay" and not Path(name).expanduser().is_file():
        raise ConfigError(f"TRACKER_LLM={spec}: replay file {name} does not exist")
    if provider == "openai" and not (settings.openai_api_key or settings.openai_base_url):
        raise ConfigError(
            f"TRACKER_LLM={spec}: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local "
            "OpenAI-compatible server (llama.cpp, vLLM, Ollama's /v1)"
        )
    if provider == "anthropic" and not settings.anthropic_api_key:
        raise ConfigError(f"TRACKER_LLM={spec}: set ANTHROPIC_API_KEY")
    return spec


def sampling_sent(spec: str, settings: Settings) -> Sampling | None:
    """The sampling `spec`'s provider is sent on every call; None for offline and replay, which
    sample nothing (their replies are fixed by the prompt)."""
    if not is_remote(spec):
        return None
    return sampling_settings(settings).for_provider(provider_of(spec))


def make_chat_model(spec: str, embedder: Embedder | None, settings: Settings) -> BaseChatModel:
    """The langchain chat model for `spec`; provider SDKs are imported only here."""
    check_model_spec(spec, settings)
    policy = call_policy(settings)
    sampling = sampling_sent(spec, settings) or Sampling()
    provider, _, name = spec.partition(":")
    if spec == "offline":
        from agent.llm.offline import OfflineChatModel

        return OfflineChatModel(embedder=embedder)
    if provider == "replay":
        from agent.llm.replay import ReplayChatModel, load_replies

        path = Path(name).expanduser()
        return ReplayChatModel(path=str(path), replies=load_replies(path))
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        base_url = settings.openai_base_url
        key = settings.openai_api_key or LOCAL_SERVER_KEY
        return ChatOpenAI(
            model=name,
            base_url=base_url,
            api_key=key,
            timeout=policy.timeout,
            max_retries=0,
            temperature=sampling.temperature,
            max_tokens=sampling.max_tokens,
            seed=sampling.seed,
        )
    if provider == "anthropic":
        from langchain_anthropic import ChatAnthropic

        return ChatAnthropic(  # type: ignore[call-arg]
            model=name,
            anthropic_api_key=settings.anthropic_api_key,
            anthropic_api_url=settings.anthropic_base_url or "https://api.anthropic.com",
            default_request_timeout=policy.timeout,
            max_retries=0,
            max_tokens=sampling.max_tokens,
            temperature=sampling.temperature,
        )
    from langchain_ollama import ChatOllama

    host = settings.ollama_host or DEFAULT_OLLAMA_URL
    return ChatOllama(
        model=name,
        base_url=host if "://" in host else f"http://{host}",
        client_kwargs={"timeout": policy.timeout},
        temperature=sampling.temperature,
        num_predict=sampling.max_tokens,
        seed=sampling.seed,
    )
