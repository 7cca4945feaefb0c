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
from store.safe_files import write_named_file


def export_replies(
    db: Database, path: Path, source: str | None = None, model: str | None = None
) -> int:
    """Write the replies to `path` (JSON lines); return how many were written."""
    rows = current_replies(db, source=source, model=model)
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    try:
        write_named_file(path, text.encode("utf-8"))  # the file named, never through a link
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc
    return len(rows)
