"""Curators' sections of a source: their notes, hints and connections, which are not evidence.

The shared corpora's sources carry the curators' own writing beside the source's text: an
"Agent Notes" section ("Why this matters", "What surprised me", "KB connections", "Extraction
hints"), "Curator Notes (structured handoff for extractor)" with PRIMARY CONNECTION / WHY
ARCHIVED / EXTRACTION HINT lines. A small model shown them copies them: its claims quoted the
curator's "This is the empirical evidence for our race to the bottom claim" as if the source said
it (issue 17). So the text a model sees, and the text its quotes must come from, leaves them out;
a quote that comes from them is refused with its own reason (QUOTE_FROM_CURATOR_NOTES), so a
prompt author can tell it from a made-up quote.

What counts (by its heading or its label, case-insensitive), and how far it reaches:
- a heading that names curation (`CURATOR_HEADING`): the whole section, up to the next heading of
  the same or a higher level;
- elsewhere, a line that opens with a curator's label (`**Why this matters:**`, `KB connections:`,
  `EXTRACTION HINT:`, `PRIMARY CONNECTION:`, ...): that line and the lines after it up to a blank
  line, a heading or another label.

"Key Facts" and "Summary" stay: they restate the source and are checked against it like any
other text. Everything left out is whole lines, and each gap becomes a blank line, so what
remains is the source's own lines in their order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CURATOR_HEADING = re.compile(
    r"^(?:agent(?:'s)? notes?|curator(?:'s|s')? notes?|curation(?: notes?)?|"
    r"extraction (?:hints?|notes?)|kb connections?|knowledge base connections?|"
    r"why this matters|why archived|handoff|enrichments?(?: applied)?|"
    r"notes for (?:the )?extractor)\b",
    re.I,
)
"""Heading text (after the #s) that opens a curators' section."""
_LABEL_WORDS = (
    r"why this matters|what surprised me|what i expected[^:*]*|kb connections?|"
    r"knowledge base connections?|extraction hints?|extraction notes?|curator notes?|"
    r"agent notes?|primary connection|secondary connections?|why archived|enrichments?"
)
_LABEL_LINE = re.compile(
    rf"^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?:{_LABEL_WORDS})\s*(?:\*\*|__)?\s*:", re.I
)
"""A line opening a curator's labelled note (`**Why this matters:** ...`, `WHY ARCHIVED: ...`)."""
_ANY_LABEL_LINE = re.compile(
    r"^\s*(?:\*\*[^*\n]{1,60}\*\*\s*:?|__[^_\n]{1,60}__|[A-Z][A-Z /&'-]{2,40}:)"
)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class CuratedText:
    """A source body cut in two: `evidence` (what a model sees and quotes) and `notes` (the
    curators' parts, for telling a quote from them apart); `left_out` names each part."""

    evidence: str
    notes: str
    left_out: tuple[str, ...]


def _heading(line: str) -> tuple[int, str] | None:
    m = _HEADING.match(line)
    return (len(m.group(1)), m.group(2).strip(" *_:")) if m else None


def split_curation(body: str) -> CuratedText:
    """The body without its curators' sections and labelled notes (see the module docstring)."""
    lines = body.splitlines(keepends=True)
    keep = [True] * len(lines)
    names: list[str] = []
    section_level: int | None = None  # inside a curators' section of this heading level
    in_note = False
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _heading(line)
        if heading is not None:
            level, text = heading
            in_note = False
            if section_level is not None and level <= section_level:
                section_level = None
            if section_level is None and CURATOR_HEADING.match(text):
                section_level = level
                names.append(text)
        if section_level is not None:
            keep[i] = False
            continue
        if fenced:
            continue
        if not line.strip():
            in_note = False
            continue
        if _LABEL_LINE.match(line):
            in_note = True
            label = line.strip().lstrip("-*+ _").split(":", 1)[0].strip(" *_")
            names.append(label)
        elif in_note and _ANY_LABEL_LINE.match(line) and not line.lstrip().startswith("- "):
            in_note = False  # another label (not a curator's) ends the note
        if in_note:
            keep[i] = False
    evidence: list[str] = []
    notes: list[str] = []
    for line, kept in zip(lines, keep, strict=True):
        if kept:
            evidence.append(line)
        else:
            notes.append(line)
            if evidence and evidence[-1] != "\n":
                evidence.append("\n")  # a gap is a blank line: no sentence runs across it
    if not notes:
        return CuratedText(body, "", ())  # nothing left out: the body as it is, byte for byte
    return CuratedText("".join(evidence), "".join(notes), tuple(dict.fromkeys(names)))
