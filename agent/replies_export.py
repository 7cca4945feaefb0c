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

from beliefs.errors import InputError


def export_replies(
    db: Database, path: Path, source: str | None = None, model: str | None = None
) -> int:
    """Write the replies to `path` (JSON lines); return how many were written."""
    sql = (
        "SELECT c.messages_sha256, c.raw_reply, c.model, c.prompt_name, c.prompt_hash, c.source, "
        "c.sha256, c.input_tokens, c.output_tokens, c.at FROM model_calls c "
        "JOIN sources s ON s.id = c.source AND s.sha256 = c.sha256 "
        "WHERE c.raw_reply IS NOT NULL AND c.messages_sha256 IS NOT NULL"
    )
    params: list[str] = []
    if source:
        sql += " AND c.source = ?"
        params.append(source)
    if model:
        sql += " AND c.model = ?"
        params.append(model)
    sql += " ORDER BY c.id"
    keys = (
        "messages_sha256",
        "reply",
        "model",
        "prompt_name",
        "prompt_hash",
        "source",
        "sha256",
        "input_tokens",
        "output_tokens",
        "at",
    )
    rows = db.execute(sql, params).fetchall()
    try:
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False) + "\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc
    return len(rows)
