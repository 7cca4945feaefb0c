"""The `tracker` command: parse options, call one library function, print.

The app, the shared options and the error boundary live in `agent.cli_common`; command families
live in their own modules and are registered by importing them below.

This is the error boundary: anything below raises `TrackerError` subclasses written for people,
and here each becomes one line on stderr with the contract's exit status (1 some input failed,
2 usage or configuration). Heavy modules are imported inside `process` only, so `beliefs`,
`history`, `audit` and `claims` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from agent.cli_common import (
    BeliefsOpt,
    HomeOpt,
    JsonOpt,
    LlmOpt,
    app,
    error_boundary,
    open_ws,
    print_json,
    settings_for,
)


class _ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}")
        sys.stderr.flush()
        if done == total:
            sys.stderr.write("\n")


@app.command()
@error_boundary
def process(
    archives: Annotated[
        list[Path] | None, typer.Argument(help="Archive folders or files (default ./archive).")
    ] = None,
    only_unprocessed: Annotated[
        bool, typer.Option("--only-unprocessed", help="Only files whose status is unprocessed.")
    ] = False,
    no_write_back: Annotated[
        bool, typer.Option("--no-write-back", help="Leave the source files untouched.")
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            max=64,
            help="Remote model calls in flight at once; results still land one source at a "
            "time, in archive order, so credences are the same as with --jobs 1.",
        ),
    ] = 1,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Ingest new or changed sources: embed, extract claims, validate, update beliefs."""
    from agent.pipeline import ProcessOptions
    from agent.pipeline import process as run_process

    settings = settings_for(home, beliefs, llm)
    options = ProcessOptions(
        archives=archives or [Path("archive")],
        only_unprocessed=only_unprocessed,
        write_back=not no_write_back,
        jobs=jobs,
    )
    report = run_process(settings, options, progress=_ProgressBar())
    for warning in report.warnings:
        typer.echo(f"tracker: warning: {warning}", err=True)
    for failure in report.failed:
        typer.echo(f"tracker: failed: {failure['path']}: {failure['error']}", err=True)
    if json_out:
        print_json(report.as_json())
    else:
        typer.echo(
            f"{report.sources_seen} sources seen: {report.processed} processed, "
            f"{report.skipped} skipped ({len(report.duplicates)} duplicates), "
            f"{len(report.failed)} failed"
        )
        codes = ", ".join(f"{c} {n}" for c, n in sorted(report.rejected_by_code.items()))
        typer.echo(
            f"claims: {report.claims_proposed} proposed, {report.claims_accepted} accepted, "
            f"{report.claims_rejected} rejected" + (f" ({codes})" if codes else "")
        )
        typer.echo(report.calls.line())
    if report.failed:
        raise typer.Exit(1)


@app.command("beliefs")
@error_boundary
def beliefs_command(
    explain: Annotated[
        bool, typer.Option("--explain", help="Print the update rule and the weights in force.")
    ] = False,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """The belief register with current credences."""
    from agent.queries import belief_rows
    from beliefs.rule import explain as explain_rule

    ws = open_ws(home, beliefs)
    if explain:
        text = explain_rule(ws.rule)
        if json_out:
            print_json({"rule": text})
        else:
            typer.echo(text)
        return
    rows = belief_rows(ws.db, ws.register, ws.rule)
    if json_out:
        print_json(
            [
                {
                    k: r[k]
                    for k in (
                        "id",
                        "statement",
                        "credence",
                        "interval",
                        "evidence",
                        "disconfirming",
                    )
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        lo, hi = r["interval"]
        typer.echo(
            f"{r['id']:<4} {r['credence']:.3f} [{lo:.2f}-{hi:.2f}] prior {r['prior']:.2f}  "
            f"{r['evidence']} events ({r['disconfirming']} disconfirming)  {r['statement']}"
        )


@app.command()
@error_boundary
def claims(
    source: Annotated[str | None, typer.Option("--source", help="Only this source id.")] = None,
    belief: Annotated[
        str | None, typer.Option("--belief", help="Only claims on this belief.")
    ] = None,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Accepted claims."""
    from agent.queries import claim_rows

    ws = open_ws(home, beliefs)
    rows = claim_rows(ws.db, source=source, belief=belief)
    if json_out:
        print_json(
            [{k: r[k] for k in ("id", "title", "confidence", "source", "beliefs")} for r in rows]
        )
        return
    if not rows:
        typer.echo("no accepted claims")
    for r in rows:
        stances = ", ".join(f"{b['id']} {b['stance']}" for b in r["beliefs"]) or "no belief"
        typer.echo(f"{r['id']} [{r['source']}] ({r['confidence']}; {stances}) {r['title']}")


@app.command()
@error_boundary
def replay(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if stored credences differ from the ledger.")
    ] = False,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Recompute every credence from the evidence ledger."""
    from agent.ledger import recompute_credences, replay_differences

    ws = open_ws(home, beliefs)
    diffs = replay_differences(ws.db, ws.register, ws.rule)
    values = recompute_credences(ws.db, ws.register, ws.rule)
    if json_out:
        print_json(
            {
                "credences": values,
                "differences": [
                    {"belief": d.belief, "stored": d.stored, "replayed": d.replayed} for d in diffs
                ],
            }
        )
    else:
        for belief_id, value in values.items():
            typer.echo(f"{belief_id:<4} {value:.6f}")
        for d in diffs:
            typer.echo(f"DIFFERS {d.belief}: stored {d.stored} but the ledger gives {d.replayed}")
        if check and not diffs:
            typer.echo("replay check passed: stored credences match the ledger")
    if check and diffs:
        raise typer.Exit(1)


@app.command()
@error_boundary
def config(
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Show the settings in force and where each came from."""
    import os

    from agent.call_policy import policy_from_env

    settings = settings_for(home, beliefs, llm)
    policy = policy_from_env()
    origins = dict(settings.origins)
    values: dict[str, object] = {
        "home": str(settings.home),
        "beliefs_path": str(settings.beliefs_path),
        "llm": settings.llm,
        "chroma_url": settings.chroma_url,
        "llm_timeout": policy.timeout,
        "llm_retries": policy.retries,
        "llm_backoff": policy.backoff,
        "prices_path": os.environ.get("TRACKER_PRICES") or str(settings.home / "prices.yaml"),
        "openai_base_url": os.environ.get("OPENAI_BASE_URL") or None,
    }
    for key, variable in (
        ("llm_timeout", "TRACKER_LLM_TIMEOUT"),
        ("llm_retries", "TRACKER_LLM_RETRIES"),
        ("llm_backoff", "TRACKER_LLM_BACKOFF"),
        ("prices_path", "TRACKER_PRICES"),
        ("openai_base_url", "OPENAI_BASE_URL"),
    ):
        origins[key] = "env" if os.environ.get(variable) else "default"
    for key, variable in (
        ("openai_api_key", "OPENAI_API_KEY"),
        ("anthropic_api_key", "ANTHROPIC_API_KEY"),
    ):  # whether a key is there, never the key
        values[key] = "set" if os.environ.get(variable) else "unset"
        origins[key] = "env"
    if json_out:
        print_json({k: {"value": v, "from": origins[k]} for k, v in values.items()})
        return
    for key, value in values.items():
        typer.echo(f"{key:<17} {value}  ({origins[key]})")


# Command families in their own modules register on `app` when imported; importing them here,
# after the core commands, keeps `tracker --help` in the order people use the commands.
import agent.cli_ask  # noqa: E402
import agent.cli_audit  # noqa: E402
import agent.cli_models  # noqa: E402
import agent.cli_review  # noqa: E402, F401


def main() -> None:
    app()


if __name__ == "__main__":
    main()
