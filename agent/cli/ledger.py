"""Reading the register and the ledger: `beliefs`, `claims` and `replay --check`.

Light: sqlite-utils and our pure belief code only, so these start fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.common import (
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


@app.command("beliefs")
@error_boundary
def beliefs_command(
    explain: Annotated[
        bool, typer.Option("--explain", help="Print the update rule and the weights in force.")
    ] = False,
    agent: Annotated[
        str | None,
        typer.Option("--agent", help="Only the beliefs of this holder (in a collective)."),
    ] = None,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """The belief register with current credences."""
    from agent.reports.views import belief_rows
    from beliefs.rule import explain as explain_rule
    from store.collective import registers_explained

    ws = open_ws(home, beliefs)
    if explain:
        text = explain_rule(ws.rule) + "\n\n" + registers_explained()
        if json_out:
            print_json({"rule": text})
        else:
            typer.echo(text)
        return
    rows = belief_rows(ws.db, ws.register, ws.rule)
    if agent is not None:
        agents = {h.agent for h in ws.register.holders}
        if agent not in agents:
            fail(f"no holder {agent!r} in this workspace; holders: {', '.join(sorted(agents))}", 2)
        rows = [r for r in rows if r["holder"] == agent]
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
                        "holder",
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
    from agent.reports.views import claim_rows

    ws = open_ws(home, beliefs)
    if belief:
        belief = ws.register.resolve(belief).id
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
    from agent.credences import recompute_credences, replay_differences

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
