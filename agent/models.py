"""Choosing the chat model behind `TRACKER_LLM`.

Every model is used through langchain's chat-model interface, so the offline default and a remote
provider go through the same prompt, parser and validator. Only the offline model is available in
this version; the remote providers are named in the contract and refused here with a clear message
rather than half-working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from beliefs.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from store.embedder import Embedder

REMOTE_PROVIDERS = ("openai", "anthropic", "ollama", "replay")


def check_model_spec(spec: str) -> str:
    """Validate a TRACKER_LLM value early, before any work starts."""
    if spec == "offline":
        return spec
    provider, _, name = spec.partition(":")
    if provider in REMOTE_PROVIDERS and name:
        raise ConfigError(
            f"TRACKER_LLM={spec}: the {provider} provider is not available in this version of "
            "tracker; use TRACKER_LLM=offline"
        )
    raise ConfigError(
        f"TRACKER_LLM={spec!r} is not a model tracker knows; use offline "
        "(or, once supported, openai:MODEL, anthropic:MODEL, ollama:MODEL, replay:FILE)"
    )


def make_chat_model(spec: str, embedder: Embedder) -> BaseChatModel:
    check_model_spec(spec)
    from agent.offline_model import OfflineChatModel

    return OfflineChatModel(embedder=embedder)
