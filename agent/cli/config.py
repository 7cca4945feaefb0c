"""`tracker config`: the settings in force, where each came from, and what it means."""

from __future__ import annotations

from agent.cli.common import (
    BeliefsOpt,
    HomeOpt,
    JsonOpt,
    LlmOpt,
    app,
    echo_line,
    error_boundary,
    print_json,
    settings_for,
)
from agent.config import Settings
from agent.errors import ConfigError

_URLS = ("chroma_url", "openai_base_url", "anthropic_base_url", "ollama_host")


@app.command()
@error_boundary
def config(
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Show every setting in force, where it came from (flag, env or default) and what it
    means. Keys are shown as set or unset, never their values."""
    from agent.config import VARIABLES
    from agent.llm.policy import call_policy
    from agent.llm.sampling import sampling_settings
    from agent.llm.secrets import redact

    settings = settings_for(home, beliefs, llm)
    policy = call_policy(settings)
    sampling = sampling_settings(settings)
    computed: dict[str, object] = {
        "home": str(settings.home),
        "beliefs_path": str(settings.beliefs_path),
        "source_cap": _source_cap(settings),
        "llm_timeout": policy.timeout,
        "llm_retries": policy.retries,
        "llm_backoff": policy.backoff,
        "llm_temperature": sampling.temperature,
        "llm_max_tokens": sampling.max_tokens,
        "llm_seed": sampling.seed if sampling.seed is not None else "none",
        "prices": str(settings.prices_path),
        "prompts_dir": str(settings.prompts_dir) if settings.prompts_dir else "packaged",
    }
    names = {"prices": "prices_path"}  # the key `tracker config --json` has always used
    rows: dict[str, dict[str, object]] = {}
    for variable in VARIABLES:
        value = computed.get(variable.field, getattr(settings, variable.field))
        if variable.field in _URLS and value:  # a password in a URL's userinfo: [redacted]
            value = redact(str(value), settings.secret_values)
        if variable.secret:
            value = "set" if value else "unset"  # whether a key is there, never the key
        rows[names.get(variable.field, variable.field)] = {
            "value": value,
            "from": settings.origin(variable.field),
            "env": variable.env,
            "description": variable.description,
        }
    if json_out:
        print_json(rows)
        return
    width = max(len(key) for key in rows)
    for key, row in rows.items():
        echo_line(f"{key:<{width}}  {row['value']}  ({row['from']}, {row['env']})")
        echo_line(f"{'':<{width}}  {row['description']}")


def _source_cap(settings: Settings) -> object:
    """The cap in force, or the bad value with what is wrong (config shows, it does not stop)."""
    try:
        return settings.rule.source_cap
    except ConfigError as exc:
        return f"{settings.source_cap} (invalid: {exc})"
