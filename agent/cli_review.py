"""Review commands: revalidate past decisions, export claims as notes, serve the database.

`revalidate` and `export` read the workspace with sqlite-utils only; `revalidate --apply` loads
the embedding model to land changed sources again; `serve` replaces itself with Datasette.
"""

from __future__ import annotations

import os
import socket
import sqlite3
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
    fail,
    open_ws,
    print_json,
    settings_for,
)

DATASETTE_METADATA = Path(__file__).resolve().parent / "data" / "datasette.yaml"


@app.command()
@error_boundary
def revalidate(
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Land every changed source again from its recorded replies, through the "
            "ledger (old records superseded, new ones appended). Without it nothing is written.",
        ),
    ] = False,
    source: Annotated[str | None, typer.Option("--source", help="Only this source id.")] = None,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Run today's parser and validator over every recorded reply; report changed decisions.

    Recorded DUPLICATE_CLAIM decisions are kept without --apply (they need the embedding
    model). Exit 0 when it ran, whether or not decisions would change.
    """
    from agent.revalidate import revalidate as run_revalidate

    ws = open_ws(home, beliefs)
    report = run_revalidate(ws.db, ws.register, source)
    if apply and report.rechecks:
        from agent.pipeline import reland

        reland(
            settings_for(home, beliefs, None),
            [(r.source, r.extraction) for r in report.rechecks],
        )
        report.applied = True
    data = report.as_json()
    if json_out:
        print_json(data)
        return
    typer.echo(
        f"{data['sources_checked']} sources rechecked, {data['decisions']} decisions: "
        f"{data['changed']} would change ({data['accepted_now_rejected']} accepted -> rejected, "
        f"{data['rejected_now_accepted']} rejected -> accepted)"
        + ("; applied through the ledger" if report.applied else "")
    )
    for change in report.changes:
        typer.echo(f"  [{change.source}] {change.claim or '(whole reply)'}")
        typer.echo(f"      was {change.was}; now {change.now}")
    for skipped in data["not_rechecked"]:
        typer.echo(f"  not rechecked: {skipped['source']}: {skipped['why']}")
    if report.rechecks and not apply:
        typer.echo("nothing was changed; run with --apply to land these decisions")


@app.command()
@error_boundary
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write claims/ and beliefs.md into.")],
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Accepted claims as markdown notes in the knowledge base's claim format, and beliefs.md."""
    from agent.export_notes import export_notes

    ws = open_ws(home, beliefs)
    try:
        result = export_notes(ws.db, ws.register, ws.rule, directory)
    except OSError as exc:
        fail(f"cannot write into {directory}: {exc.strerror}", 1)
        return
    for refused in result.refused:
        typer.echo(f"tracker: failed: {refused['path']}: {refused['error']}", err=True)
    if json_out:
        print_json(result.as_json())
    else:
        typer.echo(f"wrote {result.claims} claim notes and beliefs.md into {directory}")
    if result.refused:
        raise typer.Exit(1)


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@app.command()
@error_boundary
def serve(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Loopback port.")] = 8001,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Browse the workspace database read-only in Datasette on 127.0.0.1 (Ctrl-C stops it)."""
    settings = settings_for(home, beliefs, None)
    database = settings.database_path
    if not database.exists():
        fail(f"no tracker workspace database at {database}; run `tracker process` first", 2)
    if not _free(port):
        fail(f"port {port} on 127.0.0.1 is in use; pick another with --port", 2)
    # Immutable mode reads the main file only: fold the write-ahead log into it first.
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    command = [
        sys.executable, "-m", "datasette", "serve", "--immutable", str(database),
        "--metadata", str(DATASETTE_METADATA), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    typer.echo(f"serving {database} read-only at http://127.0.0.1:{port}/tracker", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Datasette rather than wait on it: Ctrl-C and a service manager's SIGTERM then reach
    # the server itself, and no orphan is left behind when tracker is stopped.
    os.execv(sys.executable, command)
