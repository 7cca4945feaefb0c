"""Is a proposed claim really a line of metadata? File paths, URLs, e-mail headers, `key: value`
lines and curators' notes are about the document, not the world, so they are never claims.

The validator calls `metadata_problem` on every proposal (the reason code METADATA_NOT_CLAIM),
whatever model wrote it; the offline proposer calls it too, so it never proposes one. The tests
are shapes, not a vocabulary of any corpus: a path has slashes between name-like parts or a
home-folder start, a header starts with one of the handful of mail header names, a metadata line
starts with a lower-case `key:`, and a curation note names the knowledge base's own machinery.
"""

from __future__ import annotations

import re

_URL = re.compile(r"\b(?:https?|ftp|file)://\S+|\bwww\.\S+\.\w{2,}", re.I)
_PATH = re.compile(
    r"(?:^|\s)(?:~|\.{1,2})?/(?:[^/\s]+/)+|"  # ~/Desktop/..., /usr/lib/..., ./a/b/
    r"\b[A-Za-z]:\\|"  # C:\
    r"(?:[\w.-]+/){2,}[\w .-]*\.[A-Za-z0-9]{2,4}\b|"  # a/b/c.pdf
    r"\S+\.(?:pdf|docx?|xlsx?|pptx?|md|txt|html?|png|jpe?g|csv|json|ya?ml)\b",
    re.I,
)
_MAIL_HEADER = re.compile(
    r"^\s*(?:from|to|cc|bcc|subject|date|sent|reply-to|message-id|received)\s*:\s", re.I
)
_MAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_KEY_VALUE = re.compile(r"^\s*[a-z_][a-z0-9_]*(?:[ _-][a-z0-9_]+)?\s*:\s")
_CURATION = re.compile(
    r"\b(?:primary connection|why archived|extraction (?:hints?|notes?)|claims? extracted|"
    r"curator(?:'s)? notes?|kb connections?|enrichments? (?:of|to|for)|processed_by|"
    r"processed_date|archived (?:for|because|as)|flagged for (?:review|extraction))\b",
    re.I,
)


def metadata_problem(title: str, quotes: tuple[str, ...] | list[str] = ()) -> str | None:
    """Why the proposal is metadata rather than a claim about the world, or None.

    The title is judged, and so are the quotes when every one of them is metadata (a sentence
    that only carries a URL beside its point is still evidence for it)."""
    problem = _line_problem(title)
    if problem:
        return f"the title {problem}"
    found = [p for q in quotes if (p := _line_problem(q))]
    if quotes and len(found) == len(quotes):
        return f"its evidence {found[0]}"
    return None


def _line_problem(text: str) -> str | None:
    stripped = text.strip()
    words = max(1, len(stripped.split()))
    if _MAIL_HEADER.match(stripped) or (len(_MAIL_ADDRESS.findall(stripped)) >= 1 and words <= 12):
        return "is an e-mail header or address, not a statement"
    if _KEY_VALUE.match(stripped):
        return "is a metadata line (key: value), not a statement"
    pointer = sum(len(m.group(0)) for m in _URL.finditer(stripped)) + sum(
        len(m.group(0)) for m in _PATH.finditer(stripped)
    )
    if pointer and (pointer >= 0.3 * len(stripped) or words <= 8):
        return "is a file path or URL, not a statement about the world"
    if _CURATION.search(stripped):
        return "is a curation note about the knowledge base, not a statement about the world"
    return None
