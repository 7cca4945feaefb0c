"""Auditor commands: the evidence history of a belief and the validation log.

Read-only and light: sqlite-utils and our pure belief code only, so they start fast.
"""

from __future__ import annotations

import csv
import io
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

    ws = open_ws(home, beliefs)
    rows = history_rows(ws.db, ws.register, belief)
    if json_out:
        print_json(rows)
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
        fail(f"unknown reason code {reason!r}; one of {', '.join(REASON_CODES)}", 2)
    ws = open_ws(home, beliefs)
    rows = audit_rows(ws.db, reason=reason, source=source)
    if json_out:
        print_json(rows)
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
