"""The settings in force for one command, and where each value came from.

This is the only module that reads the environment, and the only place defaults live.
Precedence: command-line flag, then environment variable, then default. Nothing is read at import
time: `resolve_settings` reads the variables when a command starts, and everything below the CLI
receives the resulting `Settings`. `tracker config` prints every value with its origin and
description, so nobody has to guess which one won.
"""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import ConfigError

if TYPE_CHECKING:
    from beliefs.rule import RuleSettings

DEFAULT_HOME = ".tracker"
DEFAULT_LLM = "offline"


@dataclass(frozen=True)
class Variable:
    """One setting: the Settings field, its environment variable and what it means."""

    field: str
    env: str
    description: str
    secret: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable("home", "TRACKER_HOME", "workspace folder: tracker.db, chroma/, beliefs.yaml"),
    Variable("beliefs_path", "TRACKER_BELIEFS", "belief register file (YAML)"),
    Variable("llm", "TRACKER_LLM", "model that proposes claims and writes answers"),
    Variable(
        "chroma_url", "TRACKER_CHROMA_URL", "Chroma server to use instead of the embedded index"
    ),
    Variable("source_cap", "TRACKER_SOURCE_CAP", "most one source may move one belief (<= 0.1)"),
    Variable("llm_timeout", "TRACKER_LLM_TIMEOUT", "seconds one model request may take"),
    Variable("llm_retries", "TRACKER_LLM_RETRIES", "retries after a provider fault"),
    Variable("llm_backoff", "TRACKER_LLM_BACKOFF", "first backoff delay in seconds"),
    Variable("llm_temperature", "TRACKER_LLM_TEMPERATURE", "sampling temperature sent (0..2)"),
    Variable("llm_max_tokens", "TRACKER_LLM_MAX_TOKENS", "most output tokens a reply may have"),
    Variable("llm_seed", "TRACKER_LLM_SEED", "sampling seed, where the provider takes one"),
    Variable("prices", "TRACKER_PRICES", "price table for the cost summary (USD per 1M tokens)"),
    Variable("prompts_dir", "TRACKER_PROMPTS", "folder of prompt templates (default: packaged)"),
    Variable("openai_api_key", "OPENAI_API_KEY", "key for openai:MODEL", secret=True),
    Variable("openai_base_url", "OPENAI_BASE_URL", "OpenAI-compatible server for openai:MODEL"),
    Variable("anthropic_api_key", "ANTHROPIC_API_KEY", "key for anthropic:MODEL", secret=True),
    Variable("anthropic_base_url", "ANTHROPIC_BASE_URL", "proxy for anthropic:MODEL"),
    Variable("ollama_host", "OLLAMA_HOST", "Ollama server for ollama:MODEL"),
    Variable("ollama_api_key", "OLLAMA_API_KEY", "key for a proxied Ollama server", secret=True),
)
_BY_FIELD = {variable.field: variable for variable in VARIABLES}
# Settings holding a URL, whose userinfo (`https://user:password@host`) is a secret too.
_URL_FIELDS = ("chroma_url", "openai_base_url", "anthropic_base_url", "ollama_host")


@dataclass(frozen=True)
class Settings:
    """Resolved settings; `origins` maps each field to 'flag', 'env' or 'default'.

    Numeric settings are kept as written and checked where they are used (`rule` here,
    `agent.llm.policy.call_policy` and `agent.llm.sampling.sampling_settings` for the model call
    settings), so a bad retry count stops a
    command that calls a model, not `tracker beliefs`.
    """

    home: Path
    beliefs_path: Path
    llm: str
    chroma_url: str | None = None
    source_cap: str | None = None
    llm_timeout: str | None = None
    llm_retries: str | None = None
    llm_backoff: str | None = None
    llm_temperature: str | None = None
    llm_max_tokens: str | None = None
    llm_seed: str | None = None
    prices: Path | None = None
    prompts_dir: Path | None = None
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    anthropic_api_key: str | None = None
    anthropic_base_url: str | None = None
    ollama_host: str | None = None
    ollama_api_key: str | None = None
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.home / "tracker.db"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lock_path(self) -> Path:
        """The flock file that keeps two `tracker process` runs off one workspace."""
        return self.home / "process.lock"

    @property
    def beliefs_is_default(self) -> bool:
        """True when the register is the workspace copy of the packaged default."""
        return self.origins.get("beliefs_path") == "default"

    @property
    def prices_path(self) -> Path:
        """$TRACKER_PRICES, else the workspace copy of the packaged price table."""
        return self.prices if self.prices is not None else self.home / "prices.yaml"

    @property
    def rule(self) -> RuleSettings:
        """The update rule in force; TRACKER_SOURCE_CAP lowers the per-source cap (at most 0.1)."""
        from beliefs.rule import RuleSettings

        if not self.source_cap:
            return RuleSettings()
        try:
            cap = float(self.source_cap)
        except ValueError as exc:
            raise ConfigError(
                f"TRACKER_SOURCE_CAP must be a number, got {self.source_cap!r}"
            ) from exc
        return RuleSettings(source_cap=cap)

    @property
    def secret_values(self) -> tuple[str, ...]:
        """Every configured key and URL password, to redact from all tracker stores or prints."""
        values = [getattr(self, v.field) for v in VARIABLES if v.secret]
        for name in _URL_FIELDS:
            url = getattr(self, name)
            if url:
                with contextlib.suppress(ValueError):
                    parts = urllib.parse.urlsplit(url)
                    values += [parts.password, parts.username if parts.password is None else None]
        return tuple(value for value in values if value)

    def origin(self, name: str) -> str:
        return self.origins.get(name, "default")

    def with_llm(self, llm: str) -> Settings:
        """The same settings with another model (e.g. the one that proposed recorded claims)."""
        from dataclasses import replace

        return replace(self, llm=llm, origins={**self.origins, "llm": "flag"})


def _pick(flag: str | None, field_name: str, environ: Mapping[str, str]) -> tuple[str | None, str]:
    if flag is not None and flag != "":
        return flag, "flag"
    value = environ.get(_BY_FIELD[field_name].env)
    if value:
        return value, "env"
    return None, "default"


def resolve_settings(
    home: str | None = None,
    beliefs: str | None = None,
    llm: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Combine flags and variables into one Settings; bad values are ConfigErrors."""
    env = os.environ if environ is None else environ
    values: dict[str, str | None] = {}
    origins: dict[str, str] = {}
    flags = {"home": home, "beliefs_path": beliefs, "llm": llm}
    for variable in VARIABLES:
        values[variable.field], origins[variable.field] = _pick(
            flags.get(variable.field), variable.field, env
        )
    home_path = Path(values.pop("home") or DEFAULT_HOME).expanduser()
    if home_path.exists() and not home_path.is_dir():
        raise ConfigError(f"TRACKER_HOME {home_path} exists and is not a folder")
    beliefs_value = values.pop("beliefs_path")
    beliefs_path = Path(beliefs_value).expanduser() if beliefs_value else home_path / "beliefs.yaml"
    chroma_url = values.get("chroma_url")
    if chroma_url is not None and not chroma_url.startswith(("http://", "https://")):
        raise ConfigError(f"TRACKER_CHROMA_URL must look like http://host:port, got {chroma_url!r}")
    prices = values.pop("prices")
    prompts_dir = values.pop("prompts_dir")
    return Settings(
        home=home_path,
        beliefs_path=beliefs_path,
        llm=values.pop("llm") or DEFAULT_LLM,
        prices=Path(prices).expanduser() if prices else None,
        prompts_dir=Path(prompts_dir).expanduser() if prompts_dir else None,
        origins=origins,
        **values,  # type: ignore[arg-type]
    )


def debug_enabled() -> bool:
    """TRACKER_DEBUG=1 lets the error boundary show tracebacks (read there, before settings)."""
    return bool(os.environ.get("TRACKER_DEBUG"))


def prepare_model_environment() -> None:
    """Keep the Hugging Face libraries offline and quiet before the embedding model loads.

    The model is loaded from site-packages and needs no network; these make sure nothing tries
    (and that tokenizers does not warn about forked workers).
    """
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
        ("TRANSFORMERS_VERBOSITY", "error"),
    ):
        os.environ.setdefault(name, value)
