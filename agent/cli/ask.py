"""`tracker ask`: natural-language questions for analysts.

Light at start-up: no torch (the question is embedded by numpy MiniLM), chromadb only to open
the index, langchain only when a configured model writes the answer.
"""

from __future__ import annotations

import textwrap
from typing import Annotated

import typer

from agent.cli.common import (
    AnswerLlmOpt,
    BeliefsOpt,
    HomeOpt,
    JsonOpt,
    app,
    echo_line,
    echo_text,
    error_boundary,
    print_json,
    settings_for,
)


@app.command()
@error_boundary
def ask(
    question: Annotated[
        str, typer.Argument(metavar="QUESTION", help="The question, in plain words.")
    ],
    k: Annotated[
        int,
        typer.Option(
            "-k", metavar="N", min=1, max=50, help="Cite at most N passages (1-50, default 5)."
        ),
    ] = 5,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: AnswerLlmOpt = None,
) -> None:
    """Answer from the archive, its claims and beliefs, with checked citations.

    The question is read for what it asks: a figure (how much, how many, when), a reason
    (why), the other side (challenge, against), or a belief, named by id (B4) or by the words
    of its statement. A belief question leads with its credence, its level and the weightiest
    live ledger evidence on the side asked for.

    Retrieval fuses source chunks and accepted claims found by MiniLM vectors and by keywords
    (SQLite FTS5), plus the ledger of the belief asked about. Offline, the answer is made of
    the sources' own sentences, grouped by point, with every figure found and a note when
    figures differ; with --llm SPEC, a model writes it from the same passages. Every quote is
    checked against its source; failures are dropped and counted.

    Exit 0 with an answer (possibly "nothing in the archive answers this"); 1 for an empty
    question; 2 when there is no workspace or nothing has been processed into it yet.
    """
    from agent.ask.asker import Asker

    answer = Asker(settings_for(home, beliefs, llm)).ask(question, k)
    if json_out:
        print_json(answer.as_json())
        return
    echo_text(textwrap.fill(answer.answer, width=100))
    for note in answer.notes:
        echo_line(f"note: {note}")
    if answer.citations:
        echo_line("")
    for c in answer.citations:
        date = f", {c.date}" if c.date else ""
        echo_line(f"[{c.n}] {c.source}: {c.title or ''}{date}")
        echo_text(textwrap.fill(f'"{c.quote}"', width=100, initial_indent="    ",
                                 subsequent_indent="    "))  # fmt: skip
    if answer.beliefs:
        echo_line("")
    for b in answer.beliefs:
        lo, hi = b["interval"]
        echo_line(f"{b['id']} credence {b['credence']:.3f} ({lo:.2f}-{hi:.2f}): {b['statement']}")
    if answer.dropped_citations:
        echo_line(
            f"({answer.dropped_citations} citations dropped: quote not found in the cited source)"
        )
