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
    echo_line,
    echo_text,
    error_boundary,
    fail,
    open_ws,
    print_json,
)

BELIEF_KEYS = ("id", "statement", "credence", "interval", "evidence", "disconfirming")


@app.command("beliefs")
@error_boundary
def beliefs_command(
    belief_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[BELIEF]",
            help="Only this belief; with --explain, every live event's weight of it.",
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Print the update rule and the weights in force; with a BELIEF, also every "
            "live event's weight and how it was computed.",
        ),
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
    """The belief register with current credences and levels.

    The level by credence (axiom >= 0.85, belief >= 0.6, hypothesis >= 0.4, else
    unconvinced) is shown beside the level the register wrote down; they can disagree.
    """
    from agent.reports.views import belief_rows, check_belief
    from beliefs.rule import explain as explain_rule
    from store.collective import registers_explained

    ws = open_ws(home, beliefs)
    if belief_id is not None:
        belief_id = check_belief(ws.register, belief_id)
    if explain:
        text = explain_rule(ws.rule) + "\n\n" + registers_explained()
        report = None
        if belief_id is not None:
            from agent.reports.explain import event_weight_lines, event_weights

            report = event_weights(ws.db, ws.register, ws.rule, belief_id)
        if json_out:
            print_json({"rule": text, **({"belief": report} if report else {})})
            return
        echo_text(text)
        if report is not None:
            echo_text("\n".join(event_weight_lines(report)))
        return
    rows = belief_rows(ws.db, ws.register, ws.rule)
    if agent is not None:
        agents = {h.agent for h in ws.register.holders}
        if agent not in agents:
            fail(f"no holder {agent!r} in this workspace; holders: {', '.join(sorted(agents))}", 2)
        rows = [r for r in rows if r["holder"] == agent]
    if belief_id is not None:
        rows = [r for r in rows if r["id"] == belief_id]
    if json_out:
        print_json(
            [
                {
                    **{k: r[k] for k in BELIEF_KEYS},
                    "level": r["level_by_credence"],
                    "register_level": r["register_level"],
                    "prior": r["prior"],
                    "holder": r["holder"],
                    "related": r["related"],
                }
                for r in rows
            ]
        )
        return
    typer.echo(
        f"{'id':<4} {'credence':>8} {'90% interval':<12} {'level':<11} {'register':<11} "
        f"{'prior':>5}  {'events':>6} {'against':>7} {'related':>7}  statement"
    )
    for r in rows:
        lo, hi = r["interval"]
        flag = " *" if r["level_by_credence"] != r["register_level"] else ""
        echo_line(
            f"{r['id']:<4} {r['credence']:>8.3f} {lo:.2f}-{hi:.2f}    "
            f"{r['level_by_credence'] + flag:<11} {r['register_level']:<11} {r['prior']:>5.2f}  "
            f"{r['evidence']:>6} {r['disconfirming']:>7} {r['related']:>7}  {r['statement']}"
        )
    if any(r["level_by_credence"] != r["register_level"] for r in rows):
        typer.echo("* the level its credence earns differs from the level the register gives")


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
    """Accepted claims. --json adds each claim's evidence: the verbatim quote and, when the
    model's quote was a near miss snapped onto it, what the model wrote (snapped_from)."""
    from agent.reports.views import claim_rows

    ws = open_ws(home, beliefs)
    if belief:
        belief = ws.register.resolve(belief).id
    rows = claim_rows(ws.db, source=source, belief=belief)
    if json_out:
        print_json(
            [
                {k: r[k] for k in ("id", "title", "confidence", "source", "beliefs", "evidence")}
                for r in rows
            ]
        )
        return
    if not rows:
        echo_line("no accepted claims")
    for r in rows:
        stances = ", ".join(f"{b['id']} {b['stance']}" for b in r["beliefs"]) or "no belief"
        echo_line(f"{r['id']} [{r['source']}] ({r['confidence']}; {stances}) {r['title']}")
        for item in r["evidence"]:
            if item["snapped_from"]:
                echo_line(f"  quote {item['quote']!r} snapped from {item['snapped_from']!r}")


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
            echo_line(f"{belief_id:<4} {value:.6f}")
        for d in diffs:
            echo_line(f"DIFFERS {d.belief}: stored {d.stored} but the ledger gives {d.replayed}")
        if check and not diffs:
            echo_line("replay check passed: stored credences match the ledger")
    if check and diffs:
        raise typer.Exit(1)
