"""Auditor commands: the evidence history of a belief, its influences, the validation log, the
digest of a period.

Read-only and light: sqlite-utils and our pure belief code only, so they start fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.common import (
    BeliefsOpt,
    HomeOpt,
    JsonOpt,
    LlmOpt,
    app,
    echo_line,
    echo_text,
    error_boundary,
    fail,
    open_ws,
    print_json,
)
from agent.text.clean import printable, spreadsheet_safe

SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Only records from this date on (YYYY-MM-DD, UTC)."),
]


def checked_since(value: str | None, option: str = "--since") -> str | None:
    """A --since value as the ISO date prefix the database's timestamps compare against."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"{option} {value!r} is not a date of the form YYYY-MM-DD", 2)
    return None


@app.command()
@error_boundary
def history(
    belief: Annotated[str, typer.Argument(help="Belief id, e.g. B4.")],
    influence: Annotated[
        bool,
        typer.Option(
            "--influence",
            help="Rank sources by how much they moved the belief, each with the credence it "
            "would have without that source (leave-one-out over live ledger events).",
        ),
    ] = False,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Evidence events of one belief, oldest first, with disconfirmation notes and level changes.

    Each row shows the source's own date (a partial date as its first day, "undated" when the
    source gives none) beside the time tracker recorded it. Levels by credence: axiom >= 0.85,
    belief >= 0.6, hypothesis >= 0.4, else unconvinced (`tracker beliefs --explain`). A crossing
    is recorded as an event of its own.
    """
    from agent.reports.views import check_belief, history_rows

    ws = open_ws(home, beliefs)
    if influence:
        from agent.reports.influence import influence_rows

        belief = check_belief(ws.register, belief)
        _print_influence(influence_rows(ws.db, ws.register, ws.rule, belief), json_out)
        return
    rows = history_rows(ws.db, ws.register, belief)
    if json_out:
        print_json(rows)
        return
    if not rows:
        echo_line(f"no evidence events for {belief} yet")
    else:
        echo_line(f"{'source date':<11} {'recorded (UTC)':<16}  event")
    for r in rows:
        when = f"{r['source_date'] or 'undated':<11} {r['at'][:16].replace('T', ' '):<16}"
        if r["kind"] == "level_change":
            echo_line(
                f"{when}  LEVEL       {r['credence_before']:.3f} -> "
                f"{r['credence_after']:.3f}  [{r['source']}] {r['note']}"
            )
            continue
        flag = " (superseded)" if r["superseded"] else ""
        echo_line(
            f"{when}  {r['stance']:<11} w={r['weight']:.3f} "
            f"{r['credence_before']:.3f} -> {r['credence_after']:.3f}  [{r['source']}] "
            f"{r['claim']}{flag}"
        )
        if r["note"]:
            echo_line(f"    note: {r['note']}")


def _print_influence(result: dict[str, Any], json_out: bool) -> None:
    """The ranked sources; `--json` prints them as a list (empty when nothing moved the belief)."""
    if json_out:
        print_json(result["sources"])
        return
    echo_line(f"{result['belief']}: credence {result['credence']:.3f} (prior {result['prior']:g})")
    if not result["sources"]:
        echo_line(f"no live evidence for {result['belief']} yet: the prior stands")
        return
    echo_line(f"  {'shift':>8} {'without':>8} {'events':>6}  {'date':<10}  source")
    for r in result["sources"]:
        echo_line(
            f"  {r['shift']:>+8.4f} {r['credence_without']:>8.4f} {r['events']:>6}  "
            f"{r['date'] or '-':<10}  {r['source']}  {r['title'] or ''}"
        )


@app.command()
@error_boundary
def audit(
    reason: Annotated[str | None, typer.Option("--reason", help="Only this reason code.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source id.")] = None,
    since: SinceOpt = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Only this model spec, e.g. openai:gpt-4o-mini.")
    ] = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Counts per reason code and per model (proposed / accepted / rejected), and "
            "the acceptance rate per source format (accepted claims / all proposals), over live "
            "records only: superseded versions of changed sources are not counted. Takes "
            "--since, --model, --source and --json.",
        ),
    ] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """The validation and rejection log, oldest first.

    Rows of superseded source versions are listed too, flagged `superseded`; `--summary` counts
    live records only. Filters combine: --reason, --source, --since, --model.
    """
    from agent.extract.validate import REASON_CODES
    from agent.reports.views import audit_rows

    if reason and reason not in REASON_CODES:
        fail(f"unknown reason code {reason!r}; one of {', '.join(REASON_CODES)}", 2)
    since = checked_since(since)
    ws = open_ws(home, beliefs)
    if summary:
        from agent.reports.audit_summary import audit_summary, summary_lines

        if reason or csv_out:
            fail("--summary counts every reason; it takes --since, --model and --source", 2)
        result = audit_summary(ws.db, since=since, model=model, source=source)
        if json_out:
            print_json(result)
        else:
            echo_text("\n".join(summary_lines(result)))
        return
    rows = audit_rows(ws.db, reason=reason, source=source, since=since, model=model)
    if json_out:
        print_json(rows)
        return
    if csv_out:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["at", "source", "claim", "codes", "messages", "model", "duplicate_of"])
        for r in rows:
            cells = [
                r["at"],
                r["source"],
                r["claim"] or "",
                ";".join(x["code"] for x in r["reasons"]),
                " | ".join(x["message"] for x in r["reasons"]),
                r["model"],
                r["duplicate_of"] or "",
            ]
            # No cell a spreadsheet would run as a formula, no raw terminal controls.
            writer.writerow([spreadsheet_safe(printable(cell)) for cell in cells])
        typer.echo(buffer.getvalue(), nl=False)
        return
    if not rows:
        echo_line("no rejections")
    for r in rows:
        codes = ",".join(x["code"] for x in r["reasons"])
        echo_line(f"{r['at'][:19]} [{r['source']}] {codes}: {r['claim'] or '(no title)'}")
        for x in r["reasons"]:
            echo_line(f"    {x['code']}: {x['message']}")


@app.command()
@error_boundary
def digest(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Start of the period by the sources' own dates (YYYY-MM-DD): evidence "
            "published from then on, whenever tracker read it.",
        ),
    ] = None,
    processed_since: Annotated[
        str | None,
        typer.Option(
            "--processed-since",
            help="Start of the period by when tracker recorded the evidence (YYYY-MM-DD, UTC).",
        ),
    ] = None,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """What changed since DATE, as a research journal entry (markdown, or --json).

    Beliefs STRENGTHENED or WEAKENED (the net effect of the period's live events on the
    credence) and COMPLICATED (any complicating evidence, or no net move), with the claims and
    sources behind each; level changes; the period's rejections by reason code.

    With --since the period is the sources' own dates, from DATE to today (an undated source
    counts on the day it was processed, as in `tracker plot`); with --processed-since it is
    when tracker recorded the evidence. Give exactly one of them.
    """
    from agent.reports.digest import build_digest, digest_markdown

    if (since is None) == (processed_since is None):
        fail("give one of --since DATE (source dates) or --processed-since DATE", 2)
    by = "source" if since is not None else "processed"
    start = checked_since(
        since if since is not None else processed_since,
        "--since" if since is not None else "--processed-since",
    )
    assert start is not None
    ws = open_ws(home, beliefs)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    result = build_digest(ws.db, ws.register, ws.rule, start, today, by=by)
    if json_out:
        print_json(result)
    else:
        echo_text(digest_markdown(result), nl=False)


@app.command()
@error_boundary
def plot(
    belief_ids: Annotated[list[str], typer.Argument(help="Belief ids, e.g. B1 B4.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="PNG file to write (1200 x 600 px, 100 dpi).")
    ],
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Credence over time: one line per belief, source date on the x axis.

    The credence at a date is the rule applied to the live events of sources dated on or before
    it; the prior is the first point, the band is the 90% interval, triangles mark challenges and
    diamonds complications. Always 1200 x 600 px (12 x 6 in at 100 dpi).
    """
    from agent.reports.plot import credence_series, draw
    from agent.reports.views import check_belief

    ws = open_ws(home, beliefs)
    belief_ids = [check_belief(ws.register, belief_id) for belief_id in belief_ids]
    if output.suffix.lower() != ".png":
        fail(f"{output}: the plot is written as PNG; name the file *.png", 2)
    series = [credence_series(ws.db, ws.register.get(b), ws.rule) for b in belief_ids]  # type: ignore[arg-type]
    try:
        draw(series, output)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}", 1)
    if json_out:
        print_json(
            {
                "file": str(output),
                "beliefs": belief_ids,
                "points": {s.belief.id: len(s.dates) for s in series},
            }
        )
    else:
        echo_line(f"wrote {output}")
