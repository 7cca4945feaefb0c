"""Making untrusted text safe to store and to show: valid Unicode, no terminal codes, no formulas.

Text reaches tracker from files nobody vetted and from models that can be talked into anything.
Three different dangers, three small functions:

- `valid_unicode`: a YAML or JSON escape (`"\\uD800"`) yields a lone surrogate, which UTF-8 cannot
  encode; SQLite, stdout and every hash would then fail on it. Replaced by U+FFFD at the edge
  (where YAML or a model reply is decoded), so nothing after the edge ever sees one.
- `printable` / `one_line`: a title holding `ESC [ 2 J` would clear an auditor's terminal, and a
  newline in a file name would forge a line of output. Shown escaped (`\\x1b`), never raw.
- `markdown_inline`: a title put into markdown (a digest, an exported note) stays one line of
  text: a newline in it cannot start a heading or a fake entry, and `<script>` is shown, not run.
- `spreadsheet_safe`: a CSV cell starting with `=`, `+`, `-` or `@` is run as a formula by
  spreadsheet programs; a leading quote makes it text.

Pure and dependency-free: `store/` (the YAML loader) and `agent/` (model replies, the CLI) share it.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls, DEL, C1 controls, line/paragraph separators and the bidi overrides ("Trojan
# source" reordering): what a terminal interprets or what fakes line structure.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_KEEP_LINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def valid_unicode(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD, so it encodes as UTF-8."""
    return _SURROGATE.sub(REPLACEMENT, text) if _SURROGATE.search(text) else text


def clean_data(value: Any) -> Any:
    """`valid_unicode` applied, in place, to every string of freshly loaded JSON; returns it.

    Iterative, not recursive: the data may be nested as deep as the parser allowed.
    """
    if isinstance(value, str):
        return valid_unicode(value)
    if not isinstance(value, dict | list):
        return value
    stack: list[Any] = [value]
    seen: set[int] = set()  # YAML aliases share objects; each is cleaned once
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = valid_unicode(item)
                elif isinstance(item, dict | list):
                    stack.append(item)
        else:
            items = []
            for key, item in node.items():
                if isinstance(item, str):
                    item = valid_unicode(item)
                elif isinstance(item, dict | list):
                    stack.append(item)
                items.append((valid_unicode(key) if isinstance(key, str) else key, item))
            node.clear()
            node.update(items)  # rebuilt in place, so the key order stays the file's
    return value


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def one_line(text: Any) -> str:
    """Text for one line of a terminal: every control character (newlines too) shown escaped."""
    return _CONTROL.sub(_escape, valid_unicode(str(text)))


def printable(text: Any) -> str:
    """Text for a terminal, keeping its newlines and tabs; other control characters escaped."""
    return _CONTROL_KEEP_LINES.sub(_escape, valid_unicode(str(text)))


_SPACES = re.compile(r"\s+")


def markdown_inline(text: Any) -> str:
    """Text from a source or a model as inline markdown: one line, and no HTML tag or autolink.

    Controls and line breaks become single spaces; `<` is backslash-escaped (CommonMark shows
    `\\<` as `<`), so what a viewer renders is the text itself. Nothing else changes.
    """
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", valid_unicode(str(text)))).strip()
    return flat.replace("\\<", "\\\\<").replace("<", "\\<")


def summary_line(text: str, limit: int = 500) -> str:
    """An error message as one line of at most `limit` characters (a MemoryError's can be huge)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def spreadsheet_safe(value: Any) -> str:
    """A CSV cell no spreadsheet runs as a formula: a risky first character gets a `'` before it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
