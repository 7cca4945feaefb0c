"""Reading a model's extraction reply: the last JSON object, and its outer shape.

Only the outer shape is judged here ("claims" is a list). Each claim item is handed on as given,
because the validator judges items one by one and one bad claim must not sink the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent.llm.json_repair import escape_stray_quotes
from agent.llm.json_reply import MalformedReply, extract_last_json_object

__all__ = ["MalformedReply", "ParsedReply", "extract_last_json_object", "parse_reply"]


@dataclass(frozen=True)
class ParsedReply:
    """The parts of a reply the pipeline uses, plus the whole object for the record."""

    claims: list[Any]
    notes: str
    raw_json: dict[str, Any]
    repaired: str = ""
    """What was repaired to read the reply (`agent.llm.json_repair`), or ""."""


def parse_reply(text: str) -> ParsedReply:
    """Parse an extraction reply into its claims (unjudged) and notes.

    The object must have "claims" as a list. "notes" is optional; a non-string notes value is
    kept as its JSON text rather than rejected, since notes only go into the record. Invalid JSON
    whose only fault is a bare `"` inside one-line string values is read once repaired
    (`agent.llm.json_repair`), and `repaired` says so.
    """
    if not isinstance(text, str) or not text.strip():
        raise MalformedReply("no JSON object found in the reply (the reply is empty)")
    repaired = ""
    try:
        obj = extract_last_json_object(text, prefer_key="claims")
    except MalformedReply as exc:
        fixed, count = escape_stray_quotes(text)
        if not count or not str(exc).startswith("invalid JSON"):
            raise
        try:
            obj = extract_last_json_object(fixed, prefer_key="claims")
        except MalformedReply:
            raise exc from None
        repaired = f"{count} unescaped quote mark(s) inside JSON strings escaped"
    claims = obj.get("claims")
    if not isinstance(claims, list):
        if "claims" not in obj:
            keys = ", ".join(sorted(obj)) or "none"
            raise MalformedReply(f"JSON object has no 'claims' list (its keys: {keys})")
        raise MalformedReply(
            f"JSON object has no 'claims' list ('claims' is {type(claims).__name__}, not a list)"
        )
    notes_value = obj.get("notes")
    if notes_value is None:
        notes = ""
    elif isinstance(notes_value, str):
        notes = notes_value
    else:
        notes = json.dumps(notes_value, ensure_ascii=False)
    return ParsedReply(claims=claims, notes=notes, raw_json=obj, repaired=repaired)
