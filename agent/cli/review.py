"""Review commands: revalidate past decisions, export claims as notes, serve the database.

`revalidate` and `export` read the workspace with sqlite-utils only; `revalidate --apply` loads
the embedding model to land changed sources again; `serve` replaces itself with Datasette.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.common import (
    BeliefsOpt,
    HomeOpt,
    JsonOpt,
    LlmOpt,
    app,
    echo_line,
    error_boundary,
    fail,
    open_ws,
    print_json,
    settings_for,
)


@app.command()
@error_boundary
def revalidate(
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Land every changed source again from its recorded replies, through the "
            "ledger (old records superseded, new ones appended), and write tracker's status "
            "keys back into those source files as `process` does. Without it nothing is written.",
        ),
    ] = False,
    source: Annotated[str | None, typer.Option("--source", help="Only this source id.")] = None,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Run today's parser and validator over every recorded reply; report changed decisions.

    Each processed source's file is read again (it must still have the recorded content hash)
    and the replies of its last run are judged as `tracker process` would judge them today.
    Near-duplicates of other sources' claims need the embedding model, so those recorded
    DUPLICATE_CLAIM decisions are kept as they are in the report; --apply lands with the full
    duplicate check. Exit 0 when it ran, whether or not decisions would change (a difference is
    a finding, not a failure; script on `changed` in --json); 1 for an unknown --source.
    """
    from agent.extract.revalidate import Recheck
    from agent.extract.revalidate import revalidate as run_revalidate

    ws = open_ws(home, beliefs)
    report = run_revalidate(ws.db, ws.register, source)
    if apply and report.rechecks:
        from agent.extract.pipeline import reland

        # Claims keep the name of the model that proposed them, not today's --llm.
        by_model: dict[str, list[Recheck]] = {}
        for recheck in report.rechecks:
            by_model.setdefault(recheck.extraction.calls[-1].model, []).append(recheck)
        for model, rechecks in by_model.items():
            reland(
                settings_for(home, beliefs, model),
                [(r.source, r.extraction) for r in rechecks],
            )
        report.applied = True
        # What still differs after landing (a claim the embedding check found to repeat another).
        report.still_changed = len(run_revalidate(ws.db, ws.register, source).changes)
    data = report.as_json()
    if json_out:
        print_json(data)
        return
    echo_line(
        f"{data['sources_checked']} sources rechecked, {data['decisions']} decisions: "
        f"{data['changed']} would change ({data['accepted_now_rejected']} accepted -> rejected, "
        f"{data['rejected_now_accepted']} rejected -> accepted)"
        + ("; applied through the ledger" if report.applied else "")
    )
    if report.applied and report.still_changed:
        echo_line(
            f"  {report.still_changed} decisions still differ after landing; "
            "run `tracker revalidate` again to see them"
        )
    for change in report.changes:
        echo_line(f"  [{change.source}] {change.claim or '(whole reply)'}")
        echo_line(f"      was {change.was}; now {change.now}")
    for skipped in data["not_rechecked"]:
        echo_line(f"  not rechecked: {skipped['source']}: {skipped['why']}")
    if report.rechecks and not apply:
        echo_line("nothing was changed; run with --apply to land these decisions")


@app.command()
@error_boundary
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write claims/ and beliefs.md into.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder another workspace exported to (its notes are never "
            "deleted; files a person wrote or edited are still kept).",
        ),
    ] = False,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Accepted claims as markdown notes in the knowledge base's claim format, and beliefs.md.

    tracker overwrites or deletes only files it exported from this workspace that are still as
    it wrote them (a manifest, .tracker-export.json, keeps their hashes); a file a person wrote
    or edited is kept and reported, and the exit status is 1.
    """
    from agent.reports.export_notes import export_notes

    ws = open_ws(home, beliefs)
    try:
        result = export_notes(ws.db, ws.register, ws.rule, directory, force)
    except OSError as exc:
        fail(f"cannot write into {directory}: {exc.strerror}", 1)
        return
    for refused in result.refused:
        echo_line(f"tracker: kept: {refused['path']}: {refused['error']}", err=True)
    if json_out:
        print_json(result.as_json())
    else:
        echo_line(f"wrote {result.claims} claim notes and beliefs.md into {directory}")
    if result.refused:
        raise typer.Exit(1)


@app.command()
@error_boundary
def serve(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Loopback port.")] = 8001,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Browse the workspace database read-only in Datasette on 127.0.0.1 (Ctrl-C stops it).

    Tables and columns are described, and canned queries answer the usual questions:
    rejections_by_reason (:code), reason_counts, belief_history (:belief), source_claims (:source).
    """
    from agent.reports.serve import serve_database

    serve_database(settings_for(home, beliefs, None).database_path, port)
