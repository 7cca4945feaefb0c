"""Commands about the model calls themselves: exporting recorded replies for `replay:FILE`.

Light: sqlite-utils only, no provider SDK.
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
    open_ws,
    print_json,
)


@app.command("export-replies")
@error_boundary
def export_replies_command(
    file: Annotated[Path, typer.Argument(help="JSON lines file to write.")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source id.")] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Only calls to this model spec.")
    ] = None,
    json_out: JsonOpt = False,
    home: HomeOpt = None,
    beliefs: BeliefsOpt = None,
    llm: LlmOpt = None,
) -> None:
    """Write recorded model replies for TRACKER_LLM=replay:FILE (reproduce a run offline)."""
    from agent.reports.replies_export import export_replies

    ws = open_ws(home, beliefs)
    count = export_replies(ws.db, file, source=source, model=model)
    if json_out:
        print_json({"file": str(file), "replies": count})
    else:
        echo_line(f"wrote {count} recorded replies to {file}; replay with --llm replay:{file}")
