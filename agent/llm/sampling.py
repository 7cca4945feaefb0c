"""How a model is asked to sample: temperature, the most output tokens, and a seed.

Left to server defaults, a llama.cpp server samples at temperature 0.8 with no output limit, so
the same prompt gave a different (and often worse) reply on every run (issue 17). These are
settings now (TRACKER_LLM_TEMPERATURE, TRACKER_LLM_MAX_TOKENS, TRACKER_LLM_SEED), sent on every
call, recorded with every call (`model_calls.sampling`) and shown by `tracker config`.
Extraction is copying and judging, not writing: temperature 0 by default.

A seed is sent only to providers that take one (OpenAI-compatible servers and Ollama);
Anthropic's API has no seed, so what is recorded for it leaves the seed out: the record says
what was sent, never what was merely configured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.errors import ConfigError

if TYPE_CHECKING:
    from agent.config import Settings

DEFAULT_TEMPERATURE = 0.0
DEFAULT_MAX_TOKENS = 4096
DEFAULT_SEED = 0
SEEDED_PROVIDERS = ("openai", "ollama")
"""Providers whose API takes a sampling seed."""
NO_SEED = ("", "none", "off")
"""TRACKER_LLM_SEED values that send no seed at all (the server picks one)."""


@dataclass(frozen=True)
class Sampling:
    """What every call of one run sends: `seed` None means none is sent."""

    temperature: float = DEFAULT_TEMPERATURE
    max_tokens: int = DEFAULT_MAX_TOKENS
    seed: int | None = DEFAULT_SEED

    def for_provider(self, provider: str) -> Sampling:
        """The sampling a provider is actually sent (no seed where its API has none)."""
        if provider in SEEDED_PROVIDERS:
            return self
        return Sampling(self.temperature, self.max_tokens, None)

    def as_record(self) -> dict[str, Any]:
        """The JSON object kept with each call (and in the reply cache's key)."""
        record: dict[str, Any] = {"temperature": self.temperature, "max_tokens": self.max_tokens}
        if self.seed is not None:
            record["seed"] = self.seed
        return record

    def record_text(self) -> str:
        return json.dumps(self.as_record(), sort_keys=True)


def _parse(name: str, raw: str | None, kind: type, default: Any, low: float, high: float) -> Any:
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise ConfigError(f"{name}={raw!r} is not {what}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value


def sampling_settings(settings: Settings) -> Sampling:
    """TRACKER_LLM_TEMPERATURE (0..2), TRACKER_LLM_MAX_TOKENS (1..200000), TRACKER_LLM_SEED."""
    seed_raw = settings.llm_seed
    if seed_raw is not None and seed_raw.strip().lower() in NO_SEED:
        seed: int | None = None
    else:
        seed = _parse("TRACKER_LLM_SEED", seed_raw, int, DEFAULT_SEED, 0, 2**31 - 1)
    return Sampling(
        temperature=_parse(
            "TRACKER_LLM_TEMPERATURE", settings.llm_temperature, float, DEFAULT_TEMPERATURE, 0, 2
        ),
        max_tokens=_parse(
            "TRACKER_LLM_MAX_TOKENS", settings.llm_max_tokens, int, DEFAULT_MAX_TOKENS, 1, 200_000
        ),
        seed=seed,
    )
