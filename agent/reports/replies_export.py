"""Exporting recorded model replies as the JSON lines file `replay:FILE` reads.

An auditor reproduces a past run without network: export the replies a workspace recorded, then
`tracker process --llm replay:replies.jsonl` into a fresh workspace. Only replies of each source's
current content are exported (superseded versions would be dead weight), and every attempt is
kept, malformed ones included, so the retry sequence replays exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlite_utils import Database

from agent.errors import InputError
from store.calls import current_replies


def export_replies(
    db: Database, path: Path, source: str | None = None, model: str | None = None
) -> int:
    """Write the replies to `path` (JSON lines); return how many were written."""
    rows = current_replies(db, source=source, model=model)
    try:
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc
    return len(rows)
