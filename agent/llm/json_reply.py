"""Finding the JSON object in a model's message text, wherever the model put it.

Tracker must not depend on tool calling or provider-specific structured output (CONTRACT), so a
model writes JSON in its message text and we dig it out. Models reason in prose first, wrap JSON
in ```json fences, quote `{placeholders}` and sometimes write a draft before the final answer;
the contract settles it: the LAST top-level JSON object counts. Extraction replies and answers of
`tracker ask` are both read this way.
"""

from __future__ import annotations

import json
from typing import Any

from agent.errors import InputError
from agent.text.clean import clean_data

_DECODER = json.JSONDecoder()


class MalformedReply(InputError):
    """The reply holds no usable JSON object; the message says why (it goes into the audit log)."""


def _looks_like_json_start(text: str, at: int) -> bool:
    """`{` followed by a quote or `}`: where a JSON object would begin, unlike prose `{x}`."""
    rest = text[at + 1 : at + 200].lstrip()
    return rest[:1] in ('"', "}")


def _balanced_end(text: str, at: int) -> int:
    """Where the object opened at `at` closes (braces balanced, strings skipped), or the end.

    Used for objects that fail to decode: the decoder stops at the first error, but the broken
    object's extent (up to its closing brace, or the end of a truncated reply) is what tells an
    object nested inside it from one written after it.
    """
    depth, in_string, escaped = 0, False, False
    for k in range(at, len(text)):
        ch = text[k]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return k + 1
    return len(text)


SPAN_BEFORE, SPAN_AFTER = 60, 20
"""How much of the line around a JSON error the message shows."""


def _offending(exc: json.JSONDecodeError) -> str:
    """The span of the reply's line where decoding stopped, with `<<HERE>>` at the spot: a model
    asked again sees what to fix (an unescaped " ends its string early: the spot is just after
    it)."""
    line_start = exc.doc.rfind("\n", 0, exc.pos) + 1
    line_end = exc.doc.find("\n", exc.pos)
    line_end = len(exc.doc) if line_end < 0 else line_end
    start = max(line_start, exc.pos - SPAN_BEFORE)
    end = min(line_end, exc.pos + SPAN_AFTER)
    before, after = exc.doc[start : exc.pos].lstrip(), exc.doc[exc.pos : end].rstrip()
    return f"at: {before}<<HERE>>{after}"


def extract_last_json_object(text: str, prefer_key: str | None = None) -> dict[str, Any]:
    """Return the last top-level JSON object in `text`.

    Scans every `{` with `raw_decode`; an object that decodes is skipped over whole, so objects
    nested inside it are never mistaken for top-level ones, and braces inside its strings are
    never scanned. Prose braces (`{x}`) fail to decode and are passed by.

    With `prefer_key`, the last object having that key wins over later objects without it (a
    model that ends with an example like `{"id": "B4"}` still has its answer read).

    A JSON object that starts but is broken (truncated, a missing comma) must not let one of its
    inner objects pass as the answer, nor an earlier draft stand in for a final answer that was
    cut off: when the chosen object lies inside a broken object (up to its closing brace, or to
    the end if it never closes), or a broken object follows it, the reply is invalid JSON.

    Raises MalformedReply: "no JSON object found in the reply" or "invalid JSON: ...".
    """
    found: list[tuple[int, int, dict[str, Any]]] = []
    broken: list[tuple[int, int, str]] = []  # (start, end of its extent, message)
    at = text.find("{")
    while at >= 0:
        try:
            value, end = _DECODER.raw_decode(text, at)
        except RecursionError:
            # Nested deeper than the decoder can go: broken, and passed over whole (decoding
            # each inner brace again would take quadratic time).
            extent = _balanced_end(text, at)
            if not any(s < at < e for s, e, _ in broken):
                broken.append((at, extent, "nested too deeply to read"))
            at = text.find("{", extent)
            continue
        except json.JSONDecodeError as exc:
            if _looks_like_json_start(text, at) and not any(s < at < e for s, e, _ in broken):
                message = f"{exc.msg} (line {exc.lineno}, column {exc.colno}) {_offending(exc)}"
                broken.append((at, _balanced_end(text, at), message))
            at = text.find("{", at + 1)
            continue
        if isinstance(value, dict):
            found.append((at, end, value))
        at = text.find("{", end)

    candidates = found
    if prefer_key is not None:
        candidates = [c for c in found if prefer_key in c[2]] or found
    if candidates:
        start, end, obj = candidates[-1]
        for b_start, b_end, message in broken:
            # Nested in a broken object, or followed by one (the final answer got cut off).
            if b_start < start < b_end or b_start >= end:
                raise MalformedReply(f"invalid JSON: {message}")
        return clean_data(obj)  # a "\ud800" escape must not reach the database
    if broken:
        raise MalformedReply(f"invalid JSON: {broken[-1][2]}")
    raise MalformedReply("no JSON object found in the reply")
