"""`tracker process`: the curator's command, the only one that loads the heavy stack.

The pipeline (and with it torch, chromadb and langchain) is imported inside the command, so
`tracker --help` and the read commands never pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.common import (
    BeliefsOpt,
    ExtractLlmOpt,
    HomeOpt,
    JsonOpt,
    app,
    echo_line,
    error_boundary,
    fail,
    print_json,
    settings_for,
)


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
    take_over: Annotated[
        bool,
        typer.Option(
            "--take-over",
            help="Write tracker's values into the lifecycle keys (status, processed_by, ...) "
            "even where a curator set them; by default a curator's value stays and tracker's "
            "record goes under `tracker:`.",
        ),
    ] = False,
    follow_links: Annotated[
        bool,
        typer.Option(
            "--follow-links",
            help="Also read files that links lead to outside the archive folders given (by "
            "default such links are reported and skipped). Those files are never written to.",
        ),
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
    collective: Annotated[
        Path | None,
        typer.Option(
            "--collective",
            help="A collective file naming several belief holders (agent, register, domains); "
            "the workspace remembers it, so later commands need no flag.",
        ),
    ] = None,
    claims: Annotated[
        list[Path] | None,
        typer.Option(
            "--claims",
            help="A folder of the knowledge base's own claim notes (repeatable): a proposed "
            "claim that restates one is recorded as further evidence for that note.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress on stderr (errors still show).")
    ] = False,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: ExtractLlmOpt = None,
) -> None:
    """Ingest new or changed sources: embed, extract claims, validate, update beliefs.

    Progress goes to stderr: a bar with rate and time left on a terminal, otherwise (a pipe,
    a log, cron) a line at the start, every 10 sources or every minute, and at the end.
    """
    from agent.cli.progress import ProgressReporter
    from agent.extract.pipeline import ProcessOptions
    from agent.extract.pipeline import process as run_process

    if collective is not None:
        from store.registers import load_register

        if beliefs:
            fail("give --beliefs or --collective, not both", 2)
        if not load_register(collective).is_collective:
            fail(f"{collective}: not a collective (it has no 'holders' list)", 2)
        beliefs = str(collective)
    settings = settings_for(home, beliefs, llm)
    options = ProcessOptions(
        archives=archives or [Path("archive")],
        only_unprocessed=only_unprocessed,
        write_back=not no_write_back,
        jobs=jobs,
        take_over=take_over,
        claims=claims or [],
        follow_links=follow_links,
    )
    report = run_process(settings, options, progress=None if quiet else ProgressReporter())
    for warning in report.warnings:
        echo_line(f"tracker: warning: {warning}", err=True)
    for failure in report.failed:
        echo_line(f"tracker: failed: {failure['path']}: {failure['error']}", err=True)
    if json_out:
        print_json(report.as_json())
    else:
        echo_line(
            f"{report.sources_seen} sources seen: {report.processed} processed, "
            f"{report.skipped} skipped ({len(report.duplicates)} duplicates), "
            f"{len(report.failed)} failed"
            + (f", {len(report.removed)} removed" if report.removed else "")
        )
        if report.unrouted_sources:
            typer.echo(
                f"{len(report.unrouted_sources)} sources reached no belief holder (their domain "
                "is nobody's): read and kept, moved nothing"
            )
        if report.curator_status_kept:
            typer.echo(
                f"{report.curator_status_kept} files kept a curator's status "
                "(tracker's record is under `tracker:`)"
            )
        codes = ", ".join(f"{c} {n}" for c, n in sorted(report.rejected_by_code.items()))
        echo_line(
            f"claims: {report.claims_proposed} proposed, {report.claims_accepted} accepted, "
            f"{report.claims_rejected} rejected" + (f" ({codes})" if codes else "")
        )
        echo_line(report.calls.line())
    if report.failed:
        raise typer.Exit(1)
