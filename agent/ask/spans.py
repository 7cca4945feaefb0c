"""The quotable spans of a source: sentences, list items and table rows, cleaned of markup.

An extractive answer can only be as good as the pieces it picks from. The archive's files are
markdown written by curators: headings, `**Label:**` lead-ins, list bullets, tables, wiki links
to the knowledge base (`[[...]]`) and a curator's handoff (`PRIMARY CONNECTION:`, `WHY ARCHIVED:`,
`EXTRACTION HINT:`) that talks about the archive rather than the world. This module cuts a
source's text into spans that an answer can quote:

- every span's `quote` is a verbatim piece of the text after the extraction check's
  normalisation (`agent.text.normalize`): leading labels, bullets and heading marks are cut off
  the front, emphasis markers (`**`) are dropped (the normalisation folds them away too), so the
  citation check keeps holding;
- a table row becomes one span whose `display` reads as prose with the header's names
  ("Computer & Math: Theoretical 96%, Observed 32%"), quoted by its longest cell when that reads
  as a phrase, else by the row itself;
- each span knows its `section`: "content" (what the source says), "notes" (the curator's own
  commentary: why this matters, what surprised me, context, extraction hints) or "title".
  Handoff lines and anything carrying a wiki link are left out: they name the knowledge base's
  claims, not evidence.

Flattened files (frontmatter and body collapsed onto one line) are cut at their inline headings,
bold labels and bullets, so they yield the same kind of spans as the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.text.normalize import MIN_QUOTE_CHARS

MAX_QUOTE_CHARS = 320
MIN_WORDS = 4

# A sentence runs to . ! or ? followed by a space or a closing mark, or to the end of its
# segment; a stop inside a token ("70.4%", "U.S.", "v1.5") does not end it.
_SENTENCE = re.compile(r"(?:[^\n.!?]|[.!?]+(?=[^\s\"')\]]))+(?:[.!?]+[\"')\]]*|$)")
# Where a flattened line holds several markdown lines: before an inline heading, a bold label,
# or a bullet that follows the end of a sentence or a label.
_INLINE_BREAK = re.compile(
    r"(?<=\S)\s+(?=#{2,6}\s)"
    r"|(?<=\S)\s+(?=\*\*[^*\n]{1,60}?:\*\*)"
    r"|(?<=[.:!?\"')*])\s+(?=(?:[-*]|\d{1,2}\.)\s+\S)"
    r"|(?<=\w)\s+(?=-\s+[A-Z])"
)
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_KNOWN_HEADING = re.compile(
    r"^#{1,6}\s+(content|summary|agent notes|curator notes(?:\s*\([^)]*\))?|key facts|key data|"
    r"key findings|methodology|context|notes|sources?)\b:?\s*",
    re.I,
)
_BOLD_LABEL = re.compile(r"^\*\*([^*\n]{1,60}?)(?::\*\*|\*\*:)\s*")
_PLAIN_LABEL = re.compile(
    r"^(PRIMARY CONNECTION|SECONDARY CONNECTIONS?|WHY ARCHIVED|EXTRACTION HINTS?|CLAIM|"
    r"DIVERGENCE CANDIDATE|ENRICHMENT|CONTEXT)\s*:\s*",
    re.I,
)
_LEADING_MARKUP = re.compile(r"^\s*(?:>+\s*|[-+*]\s+|\d{1,2}[.)]\s+|#{1,6}\s+)+")
_TABLE_ROW = re.compile(r"^\|(.+)\|\s*$")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|[\s:|-]*$")
_WIKI_LINK = "[["

# Sections and labels by what they hold.
_HANDOFF = re.compile(
    r"^(curator notes|kb connections?|primary connection|secondary connections?|why archived|"
    r"extraction hint|enrichments?|cross.domain flags?|divergence candidate)\b",
    re.I,
)
_NOTES = re.compile(
    r"^(agent notes|why (?:this|it) matters|what surprised me|what i expected|context|"
    r"extraction hints|notes?|curator'?s? notes?|claim)\b",
    re.I,
)


@dataclass(frozen=True)
class Span:
    """One quotable piece of one source."""

    source: str
    quote: str
    display: str
    section: str  # "title" | "content" | "notes"
    position: int
    table: bool = False
    cells: tuple[str, ...] = ()  # a table row's cells, and its header's names
    header: tuple[str, ...] = ()
    row: str = ""  # a table row as written between its outer bars (verbatim)


def _segments(text: str) -> list[str]:
    """The text's lines, with flattened lines cut at their inline structure."""
    out: list[str] = []
    for line in text.splitlines():
        if len(line) > 400 and (" ## " in line or "**" in line):
            out.extend(part for part in _INLINE_BREAK.split(line) if part)
        else:
            out.append(line)
    return out


def _kind_of(label: str) -> str | None:
    """ "handoff", "notes" or None (an ordinary lead-in such as "Company scores")."""
    label = label.strip()
    if _HANDOFF.match(label):
        return "handoff"
    if _NOTES.match(label):
        return "notes"
    return None


_ABBREVIATION = re.compile(r"(?:\b(?:vs|e\.g|i\.e|etc|al|cf|approx|incl|U\.S|Dr|Mr|Ms|No|Fig))\.$")


def _sentences_of(line: str) -> list[str]:
    """The sentences of one line, verbatim; a stop after "vs", "e.g", "et al" does not end one."""
    out: list[str] = []
    start: int | None = None
    for match in _SENTENCE.finditer(line):
        if start is None:
            start = match.start()
        if _ABBREVIATION.search(match.group().rstrip()):
            continue
        out.append(line[start : match.end()])
        start = None
    if start is not None:
        out.append(line[start:])
    return out


def clean_quote(sentence: str) -> str | None:
    """A sentence as an answer quotes it: no leading markup, no emphasis markers, no dangling
    quotation marks; None when too short to be evidence. Still verbatim after normalisation."""
    quote = _LEADING_MARKUP.sub("", sentence).replace("**", "").strip()
    while quote[:1] in "\"'“‘" and quote.count(quote[0]) % 2 == 1:
        quote = quote[1:].lstrip()
    while quote[-1:] in "\"'”’" and quote.count(quote[-1]) % 2 == 1:
        quote = quote[:-1].rstrip()
    quote = quote.strip(" :;,")
    if len(quote) > MAX_QUOTE_CHARS:
        quote = quote[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:")
    words = [w for w in quote.split() if any(ch.isalnum() for ch in w)]
    if len(quote) < MIN_QUOTE_CHARS or len(words) < MIN_WORDS:
        return None
    return quote


def _table_span(cells: list[str], header: list[str] | None) -> tuple[str, str] | None:
    """(quote, display) of a table row, or None when it holds nothing quotable."""
    cells = [c.strip() for c in cells]
    filled = [c for c in cells if c and c not in ("-", "—", "–")]
    if len(filled) < 2:
        return None
    longest = max(filled, key=len)
    if len(longest.split()) >= MIN_WORDS and len(longest) >= 3 * MIN_QUOTE_CHARS:
        quote = longest
    else:
        quote = " | ".join(cells).strip(" |")
    quote = quote.replace("**", "")
    if len(quote) > MAX_QUOTE_CHARS:
        quote = quote[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0]
    parts = []
    for i, cell in enumerate(cells[1:], start=1):
        if not cell or cell in ("-", "—", "–"):
            continue
        name = header[i].strip() if header and i < len(header) else ""
        parts.append(f"{name} {cell}" if name and not name.isspace() else cell)
    display = f"{cells[0]}: {', '.join(parts)}" if cells[0] else ", ".join(parts)
    display = display.replace("**", "")
    if len(quote) < MIN_QUOTE_CHARS:
        return None
    return quote, display


_ITEM = re.compile(r"^(?:[-*+]|\d{1,2}[.)])\s+\S")
LIST_ITEMS = (2, 6)
LIST_ITEM_WORDS = 30


class _List:
    """Consecutive short list items and the line that leads into them ("... achieve:"), kept
    so a list can be quoted as one span: its items one by one are too short to say anything."""

    def __init__(self) -> None:
        self.lead: str | None = None
        self.raw: list[str] = []
        self.items: list[str] = []

    def span(self, source: str, kind: str, position: int) -> Span | None:
        short = all(len(item.split()) <= LIST_ITEM_WORDS for item in self.items)
        if not (LIST_ITEMS[0] <= len(self.items) <= LIST_ITEMS[1] and short and self.lead):
            return None
        lead = self.lead.replace("**", "").strip()
        # Verbatim: the bullets stay, except `*` ones, which the quote check folds away at the
        # start of a line (where they are in the text) but not inside the quote.
        raw = [re.sub(r"^\*\s+", "", line) for line in self.raw]
        quote = " ".join([lead, *raw]).replace("**", "")
        if len(quote) > MAX_QUOTE_CHARS:
            quote = quote[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0]
        items = "; ".join(
            _LEADING_MARKUP.sub("", i).replace("**", "").rstrip(" .;") for i in self.items
        )
        display = f"{lead} {items}"
        if len(display) > MAX_QUOTE_CHARS:
            display = display[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0] + " ..."
        return Span(source, quote, display, kind, position)


def source_spans(source: str, text: str) -> list[Span]:
    """Every quotable span of a source's text (its title first), in reading order."""
    spans: list[Span] = []
    section = "content"
    label_kind: str | None = None
    header: list[str] | None = None
    listing = _List()
    lines = _segments(text)

    def flush(next_lead: str | None = None) -> None:
        nonlocal listing
        kind = label_kind or section
        if kind != "handoff":
            made = listing.span(source, "notes" if kind == "notes" else "content", len(spans))
            if made is not None:
                spans.append(made)
        listing = _List()
        listing.lead = next_lead

    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            flush()
            label_kind = None
            continue
        if index == 0:
            quote = clean_quote(line)
            if quote:
                spans.append(Span(source, quote, quote, "title", len(spans)))
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            known = _KNOWN_HEADING.match(line)
            name = known.group(1) if known else heading.group(1)
            kind = _kind_of(name)
            section = {"handoff": "handoff", "notes": "notes"}.get(kind or "", "content")
            label_kind = None
            header = None
            rest = line[known.end() :] if known else ""
            if not rest.strip():
                continue
            line = rest
        row = _TABLE_ROW.match(line)
        if row:
            flush()
            if _TABLE_RULE.match(line):
                continue
            cells = row.group(1).split("|")
            following = lines[index + 1].strip() if index + 1 < len(lines) else ""
            if _TABLE_RULE.match(following):
                header = cells
                continue
            if section == "handoff" or _WIKI_LINK in line:
                continue
            made = _table_span(cells, header)
            if made:
                spans.append(
                    Span(
                        source,
                        made[0],
                        made[1],
                        section,
                        len(spans),
                        table=True,
                        cells=tuple(c.strip().replace("**", "") for c in cells),
                        header=tuple(h.strip().replace("**", "") for h in header or ()),
                        row=row.group(1).strip(),
                    )
                )
            continue
        header = None
        is_item = bool(_ITEM.match(line))
        line = _LEADING_MARKUP.sub("", line)
        bold, plain = _BOLD_LABEL.match(line), _PLAIN_LABEL.match(line)
        if is_item and listing.lead is not None:
            listing.raw.append(raw.strip())
            listing.items.append(line)
        elif not is_item:
            flush(next_lead=line if line.rstrip("*").endswith(":") else None)
        if bold:
            label_kind = _kind_of(bold.group(1))
            line = line[bold.end() :]
        elif plain:
            label_kind = _kind_of(plain.group(1)) or "notes"
            line = line[plain.end() :]
        kind = label_kind or section
        if kind == "handoff" or _WIKI_LINK in line or "](http" in line:
            continue
        found = _sentences_of(line)
        for n, sentence in enumerate(found):
            if n == len(found) - 1 and sentence.rstrip(" *").endswith(":"):
                continue  # a lead-in ("Two drivers of overpayment:") says nothing by itself
            quote = clean_quote(sentence)
            if quote and _WIKI_LINK not in quote:
                where = "notes" if kind == "notes" else "content"
                spans.append(Span(source, quote, quote, where, len(spans)))
    flush()
    return spans
