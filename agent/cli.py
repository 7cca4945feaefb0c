"""The `tracker` command: parse options, call one library function, print.

This is the error boundary: anything below raises `TrackerError` subclasses written for people,
and here each becomes one line on stderr with the contract's exit status (1 some input failed,
2 usage or configuration). Heavy modules are imported inside `process` only, so `beliefs`,
`history`, `audit` and `claims` start fast.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from agent import __version__
from agent.config import Settings, resolve_settings
from beliefs.errors import TrackerError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Evidence-weighted belief tracker: archive -> claims -> credences, with an audit trail.",
)

HomeOpt = Annotated[
    str | None,
    typer.Option("--home", help="Workspace folder (default $TRACKER_HOME or ./.tracker)."),
]
BeliefsOpt = Annotated[
    str | None,
    typer.Option(
        "--beliefs",
        help="Belief register YAML (default $TRACKER_BELIEFS or the "
        "workspace copy of the packaged register).",
    ),
]
LlmOpt = Annotated[
    str | None,
    typer.Option("--llm", help="Model that proposes claims (default $TRACKER_LLM or offline)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document for scripts.")]

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int) -> None:
    typer.echo(f"tracker: error: {message}", err=True)
    raise typer.Exit(code)


def error_boundary(func: F) -> F:
    """Turn our errors into one line and an exit status; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except TrackerError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; work already committed is kept, the next run finishes the rest", 1)
        except Exception as exc:
            if os.environ.get("TRACKER_DEBUG"):
                raise
            _fail(
                f"unexpected {type(exc).__name__}: {exc} (set TRACKER_DEBUG=1 for a traceback)", 1
            )
        return None

    return wrapper  # type: ignore[return-value]


def _settings(home: str | None, beliefs: str | None, llm: str | None) -> Settings:
    return resolve_settings(home=home, beliefs=beliefs, llm=llm)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = None,
) -> None:
    """Evidence-weighted belief tracker."""


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
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Ingest new or changed sources: embed, extract claims, validate, update beliefs."""
    from agent.pipeline import ProcessOptions
    from agent.pipeline import process as run_process

    settings = _settings(home, beliefs, llm)
    options = ProcessOptions(
        archives=archives or [Path("archive")],
        only_unprocessed=only_unprocessed,
        write_back=not no_write_back,
    )
    report = run_process(settings, options, progress=_ProgressBar())
    for warning in report.warnings:
        typer.echo(f"tracker: warning: {warning}", err=True)
    for failure in report.failed:
        typer.echo(f"tracker: failed: {failure['path']}: {failure['error']}", err=True)
    if json_out:
        _print_json(report.as_json())
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
    if report.failed:
        raise typer.Exit(1)


def _open(home: str | None, beliefs: str | None):
    from agent.workspace import open_workspace

    return open_workspace(_settings(home, beliefs, None))


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

    ws = _open(home, beliefs)
    if explain:
        text = explain_rule(ws.rule)
        if json_out:
            _print_json({"rule": text})
        else:
            typer.echo(text)
        return
    rows = belief_rows(ws.db, ws.register, ws.rule)
    if json_out:
        _print_json(
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
def history(
    belief: Annotated[str, typer.Argument(help="Belief id, e.g. B4.")],
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Evidence events of one belief, oldest first, with disconfirmation notes."""
    from agent.queries import history_rows

    ws = _open(home, beliefs)
    rows = history_rows(ws.db, ws.register, belief)
    if json_out:
        _print_json(rows)
        return
    if not rows:
        typer.echo(f"no evidence events for {belief} yet")
    for r in rows:
        flag = " (superseded)" if r["superseded"] else ""
        typer.echo(
            f"{r['at'][:19]} {r['stance']:<11} w={r['weight']:.3f} "
            f"{r['credence_before']:.3f} -> {r['credence_after']:.3f}  [{r['source']}] "
            f"{r['claim']}{flag}"
        )
        if r["note"]:
            typer.echo(f"    note: {r['note']}")


@app.command()
@error_boundary
def audit(
    reason: Annotated[str | None, typer.Option("--reason", help="Only this reason code.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source id.")] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """The validation and rejection log."""
    from agent.queries import audit_rows
    from agent.validate import REASON_CODES

    if reason and reason not in REASON_CODES:
        _fail(f"unknown reason code {reason!r}; one of {', '.join(REASON_CODES)}", 2)
    ws = _open(home, beliefs)
    rows = audit_rows(ws.db, reason=reason, source=source)
    if json_out:
        _print_json(rows)
        return
    if csv_out:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["at", "source", "claim", "codes", "messages", "model", "duplicate_of"])
        for r in rows:
            writer.writerow(
                [
                    r["at"],
                    r["source"],
                    r["claim"] or "",
                    ";".join(x["code"] for x in r["reasons"]),
                    " | ".join(x["message"] for x in r["reasons"]),
                    r["model"],
                    r["duplicate_of"] or "",
                ]
            )
        typer.echo(buffer.getvalue(), nl=False)
        return
    if not rows:
        typer.echo("no rejections")
    for r in rows:
        codes = ",".join(x["code"] for x in r["reasons"])
        typer.echo(f"{r['at'][:19]} [{r['source']}] {codes}: {r['claim'] or '(no title)'}")
        for x in r["reasons"]:
            typer.echo(f"    {x['code']}: {x['message']}")


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

    ws = _open(home, beliefs)
    rows = claim_rows(ws.db, source=source, belief=belief)
    if json_out:
        _print_json(
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

    ws = _open(home, beliefs)
    diffs = replay_differences(ws.db, ws.register, ws.rule)
    values = recompute_credences(ws.db, ws.register, ws.rule)
    if json_out:
        _print_json(
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
    settings = _settings(home, beliefs, llm)
    values = {
        "home": str(settings.home),
        "beliefs_path": str(settings.beliefs_path),
        "llm": settings.llm,
        "chroma_url": settings.chroma_url,
    }
    if json_out:
        _print_json({k: {"value": v, "from": settings.origins[k]} for k, v in values.items()})
        return
    for key, value in values.items():
        typer.echo(f"{key:<13} {value}  ({settings.origins[key]})")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
