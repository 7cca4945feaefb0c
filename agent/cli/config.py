"""`tracker config`: the settings in force, where each came from, and what it means."""

from __future__ import annotations

import typer

from agent.cli.common import (
    BeliefsOpt,
    HomeOpt,
    JsonOpt,
    LlmOpt,
    app,
    error_boundary,
    print_json,
    settings_for,
)


@app.command()
@error_boundary
def config(
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Show the settings in force and where each came from."""
    from agent.llm.policy import call_policy

    settings = settings_for(home, beliefs, llm)
    policy = call_policy(settings)
    values: dict[str, object] = {
        "home": str(settings.home),
        "beliefs_path": str(settings.beliefs_path),
        "llm": settings.llm,
        "chroma_url": settings.chroma_url,
        "llm_timeout": policy.timeout,
        "llm_retries": policy.retries,
        "llm_backoff": policy.backoff,
        "prices_path": str(settings.prices_path),
        "openai_base_url": settings.openai_base_url,
    }
    fields = {"prices_path": "prices"}
    origins = {key: settings.origin(fields.get(key, key)) for key in values}
    for key in ("openai_api_key", "anthropic_api_key"):  # whether a key is there, never the key
        values[key] = "set" if getattr(settings, key) else "unset"
        origins[key] = "env"
    if json_out:
        print_json({k: {"value": v, "from": origins[k]} for k, v in values.items()})
        return
    for key, value in values.items():
        typer.echo(f"{key:<17} {value}  ({origins[key]})")
