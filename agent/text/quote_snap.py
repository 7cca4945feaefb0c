"""Snap a near-miss evidence quote back onto the verbatim span of its source it was copied from.

Real models edit the quotes they copy a little: a bullet gains a trailing ".", `"` becomes `'`,
"Main theorem:" becomes "The main theorem:", a few words are added at the end. `snap_quote` finds
the one span of the source such a quote was taken from and returns it verbatim, or None. The
returned span, never the model's wording, is what may stand as evidence: it is an exact slice
of the source and passes `quote_in_text`.

The bound (all on the `normalize_for_match` forms, so typography is already folded away):
- the quote is at least `MIN_SNAP_CHARS` characters and `MIN_SNAP_WORDS` words: shorter quotes
  never snap, they would fit too many places;
- up to `MAX_HEAD_WORDS` words may be cut from its start and `MAX_TAIL_WORDS` from its end ("The
  main theorem: X" -> "Main theorem: X", "X in February 2026." -> "X"), and only words the model
  ADDED, never ones it changed:
  - no cut word is a negation or a qualifier (`_BLOCKED_END_WORDS`), and the cut words close
    every bracket they open;
  - the span begins (for a cut start) or ends (for a cut end) at a boundary of the source: a
    sentence or clause mark, a list item, a heading, a blank line, a bracket or quote mark, but
    not a line break inside a hard-wrapped sentence. So "The companies used X" is not cut down
    onto "... are based on X": those words replaced the source's;
  - the cut words do not echo the source's words beside the span ("coherent CONNECTION: X"
    against "PRIMARY CONNECTION: X"), and a cut number is refused where the source has a
    number beside the span in the same sentence ("2024: X" against "2023: X");
  - what is left keeps at least `MIN_CORE_FRACTION` (3/4) of the quote's characters;
- what is left aligns with the span within a character edit distance of
  max(`MIN_EDIT_BUDGET`, `MAX_EDIT_FRACTION` * its length), i.e. max(3, 10%): case, punctuation,
  quote marks;
- word for word (case-folded letters and digits) the two agree, except for at most one small word
  inserted or dropped inside (`SMALL_WORDS`: articles and "that"); a changed, added or dropped
  number, negation or content word never snaps, and neither does a punctuation edit that touches
  a number's sign or decimal point ("-5" / "5", "2.64" / "264");
- the span starts and ends on word boundaries of the source;
- the quote's closest reading anywhere in the source must be that span: when a reading
  elsewhere is closer or as close and breaks a rule above (the bullet with the changed year
  beats the line the year could be cut from), or two spans of different wording fit equally
  well, the quote is ambiguous: None.

Why this bound: the near misses of a small model (bench/snap_replies.py on recorded replies) are
edits of punctuation, case, quote marks or whole words added at an end; the quotes it got wrong
in other ways were rewordings ("The companies used X" for "Company scores are based on X") or
merges of two passages, and those must not snap. A content-word change is exactly what a quote
that says something different looks like, and a false snap (a claim accepted on evidence the
source does not give) costs more than a missed one (the claim is refused and can be proposed
again), so the word rules are strict and the character budget only has to absorb punctuation
and case: 10% with a floor of 3 lets a 30-character quote lose a trailing "." and swap two quote
marks, but not much more. Measured by bench/snap_synthetic.py on sentences of both shared corpora
(about 6,000 near-miss edits and 4,900 meaning-changing ones per seed, three seeds): 99.3-99.6% of
the near misses snap back onto their sentence, and none of the changes of meaning snaps.

Speed: candidate regions come from anchors, word bigrams of the quote that occur rarely in the
text (an index built once per text and cached). Each region is aligned by a DP banded around the
anchor's diagonal, so a quote costs O(len(quote) * band) per region, never O(len(text) *
len(quote)).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from agent.text.normalize import (
    MIN_QUOTE_CHARS,
    find_span,
    normalize_for_match,
    normalize_with_map,
    quote_in_text,
)

MIN_SNAP_CHARS = 24
"""A quote shorter than this (normalised) is never snapped, only accepted verbatim."""
MIN_SNAP_WORDS = 4
MAX_EDIT_FRACTION = 0.10
MIN_EDIT_BUDGET = 3
MAX_HEAD_WORDS = 2
MAX_TAIL_WORDS = 3
"""Words that may be cut from the start and from the end of the quote."""
MIN_CORE_FRACTION = 0.75
"""What remains of the quote after cutting end words keeps at least this share of its chars."""
SMALL_WORDS = frozenset({"a", "an", "the", "that"})
"""The words that may be inserted into or dropped from the inside of a quote (one at most)."""
_BLOCKED_END_WORDS = frozenset(
    {
        "not",
        "no",
        "never",
        "none",
        "nor",
        "neither",
        "nothing",
        "nobody",
        "nowhere",
        "without",
        "cannot",
        "cant",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "dont",
        "doesnt",
        "didnt",
        "wont",
        "wouldnt",
        "shouldnt",
        "couldnt",
        "hasnt",
        "havent",
        "hadnt",
        "t",
        "only",
        "except",
        "unless",
        "if",
        "but",
        "although",
        "though",
        "however",
        "yet",
        "rarely",
        "seldom",
        "hardly",
        "barely",
        "less",
        "fewer",
        "more",
        "most",
        "all",
        "every",
    }
)
"""Words whose loss from an end of a quote changes what it says (negations, qualifiers)."""

_ANCHOR_MAX_HITS = 10
"""A bigram found more often than this in the text is too common to place the quote."""
_MAX_REGIONS = 8
_EDIT, _CASE, _SKIP_WORD = 2, 1, 3
"""DP costs: a character edit, a change of case or of quote mark (' for "), a word cut from an
end. Half-price case and quote-mark swaps keep a closing quote mark in the span rather than
trading it for a deletion."""
_INF = 1 << 30
_WORD_RE = re.compile(r"[^\W_]+")
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")
_SIGN_CHARS = frozenset("-+±<>≤≥~≈%$€£")
_OPEN_QUOTES = frozenset("\"'“‘«")
_CLOSERS = frozenset(')]}"”»')  # not ' or ’: after a word those are apostrophes
_BLOCK_MARKS = frozenset("-*+•#>|")
_SKIPPED = frozenset("*_` \t")
_ECHO_IGNORED = SMALL_WORDS | frozenset(
    {
        "in",
        "of",
        "to",
        "for",
        "and",
        "or",
        "on",
        "at",
        "by",
        "with",
        "as",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "it",
        "its",
        "this",
    }
)


@dataclass(frozen=True)
class Snap:
    """Where a quote sits in its source.

    `span` is `text[start:end]` exactly (original characters). `snapped` is False when the quote
    was already verbatim (after normalisation). `distance` is the character edit distance
    between the normalised quote, less any cut end words, and the normalised span;
    `dropped_head` / `dropped_tail` are the words cut from the quote's ends ("" when none).
    """

    span: str
    start: int
    end: int
    snapped: bool
    distance: int
    original: str
    dropped_head: str = ""
    dropped_tail: str = ""


@dataclass(frozen=True)
class _Candidate:
    cost: int
    js: int  # normalised-text span [js, je)
    je: int
    core: str
    span_norm: str
    distance: int
    head: str
    tail: str


# --- the text index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    norm: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    bigrams: dict[tuple[str, str], list[int]]  # -> character offsets in `norm`


@lru_cache(maxsize=16)
def _index(text: str) -> _Index:
    norm, starts, ends = normalize_with_map(text)
    words = [(m.group().casefold(), m.start()) for m in _WORD_RE.finditer(norm)]
    bigrams: dict[tuple[str, str], list[int]] = {}
    for (a, at), (b, _) in pairwise(words):
        bigrams.setdefault((a, b), []).append(at)
    return _Index(norm, starts, ends, bigrams)


def _regions(quote: str, index: _Index, slack: int) -> list[tuple[int, int]]:
    """Candidate diagonals (text offset - quote offset) as (low, high) ranges, best first."""
    words = [(m.group().casefold(), m.start()) for m in _WORD_RE.finditer(quote)]
    grams = [((a, b), at) for (a, at), (b, _) in pairwise(words)]
    hits = [(index.bigrams.get(g, []), at) for g, at in grams]
    usable = [(h, at) for h, at in hits if 0 < len(h) <= _ANCHOR_MAX_HITS]
    if not usable:  # only common bigrams: place the quote by the rarest ones anyway
        usable = sorted((x for x in hits if x[0]), key=lambda x: len(x[0]))[:2]
    votes: list[tuple[int, int]] = []  # (diagonal, which bigram)
    for k, (positions, at) in enumerate(usable):
        votes.extend((p - at, k) for p in positions[: 5 * _ANCHOR_MAX_HITS])
    votes.sort()
    groups: list[tuple[int, int, set[int]]] = []
    for diag, k in votes:
        if groups and diag - groups[-1][1] <= slack:
            lo, _, ks = groups[-1]
            ks.add(k)
            groups[-1] = (lo, diag, ks)
        else:
            groups.append((diag, diag, {k}))
    if not groups:
        return []
    best = max(len(ks) for _, _, ks in groups)
    ranked = sorted(groups, key=lambda g: -len(g[2]))
    return [(lo, hi) for lo, hi, ks in ranked[:_MAX_REGIONS] if 2 * len(ks) >= best]


# --- which ends of the quote may be cut ----------------------------------------------------------


def _cuttable(token: str) -> bool:
    return not any(w.casefold() in _BLOCKED_END_WORDS for w in _WORD_RE.findall(token))


def _balanced(cut: str) -> bool:
    """Whether the cut words close every bracket they open (and open every one they close): a
    cut "Mathlib (specifically" would leave the kept words inside the quote's parenthesis."""
    return cut.count("(") == cut.count(")") and cut.count("[") == cut.count("]")


def _end_options(quote: str) -> tuple[dict[int, int], dict[int, int]]:
    """Rows of the DP where the kept part may start (head) or end (tail), with their cost."""
    tokens = list(re.finditer(r"\S+", quote))
    head: dict[int, int] = {0: 0}
    tail: dict[int, int] = {len(quote): 0}
    for k in range(1, min(MAX_HEAD_WORDS, len(tokens) - MIN_SNAP_WORDS) + 1):
        if not _cuttable(tokens[k - 1].group()):
            break
        head[tokens[k].start()] = k * _SKIP_WORD
    for k in range(1, min(MAX_TAIL_WORDS, len(tokens) - MIN_SNAP_WORDS) + 1):
        if not _cuttable(tokens[-k].group()):
            break
        tail[tokens[-k - 1].end()] = k * _SKIP_WORD
    return head, tail


# --- the banded alignment ------------------------------------------------------------------------


def _align(
    quote: str, text: str, base: int, width: int, head: dict[int, int], tail: dict[int, int]
) -> list[tuple[int, int, int, int, int]]:
    """Semi-global alignment of `quote` in `text` inside the band j - i in [base, base + width).

    Returns the cheapest alignments as (cost, head row, text start, tail row, text end).
    """
    m, n = len(quote), len(text)
    rows: list[list[int]] = []
    row = [_INF] * width
    for k in range(width):
        if 0 <= base + k <= n:
            row[k] = 0
    rows.append(row)
    for i in range(1, m + 1):
        prev, cur = row, [_INF] * width
        qc = quote[i - 1]
        origin = head.get(i, _INF)
        k_lo = max(0, -(i + base))
        k_hi = min(width, n - i - base + 1)
        for k in range(k_lo, k_hi):
            j = i + base + k
            best = origin
            if j >= 1:
                d = prev[k]
                if d < _INF:
                    tc = text[j - 1]
                    if tc == qc:
                        c = d
                    elif tc.casefold() == qc.casefold() or (tc in "'\"" and qc in "'\""):
                        c = d + _CASE
                    else:
                        c = d + _EDIT
                    if c < best:
                        best = c
                if k >= 1 and cur[k - 1] + _EDIT < best:
                    best = cur[k - 1] + _EDIT
            if k + 1 < width and prev[k + 1] + _EDIT < best:
                best = prev[k + 1] + _EDIT
            cur[k] = best
        rows.append(cur)
        row = cur
    ends = []
    for r, extra in tail.items():
        for k, c in enumerate(rows[r]):
            if c < _INF:
                ends.append((c + extra, r, r + base + k))
    if not ends:
        return []
    low = min(e[0] for e in ends)
    found = []
    for cost, r, je in [e for e in ends if e[0] == low][:12]:
        h, js = _trace(quote, text, rows, base, head, r, je)
        if js >= 0:
            found.append((cost, h, js, r, je))
    return found


def _trace(
    quote: str, text: str, rows: list[list[int]], base: int, head: dict[int, int], i: int, j: int
) -> tuple[int, int]:
    """Walk back from (i, j) to where the alignment starts: (head row, text start), or a text
    start of -1 should the table hold no path back (it always does).

    Ties prefer an exact match, then starting here (cutting the head words), then an edit.
    """
    width = len(rows[0])
    while i > 0:
        k = j - i - base
        here = rows[i][k]
        diag = rows[i - 1][k] if j >= 1 else _INF
        if diag < _INF and quote[i - 1] == text[j - 1] and diag == here:
            i, j = i - 1, j - 1
            continue
        if head.get(i) == here:
            return i, j
        if diag < _INF:
            a, b = quote[i - 1], text[j - 1]
            cost = _CASE if a.casefold() == b.casefold() or (a in "'\"" and b in "'\"") else _EDIT
            if diag + cost == here:
                i, j = i - 1, j - 1
                continue
        if j >= 1 and k >= 1 and rows[i][k - 1] + _EDIT == here:
            j -= 1  # a text character the quote lacks
            continue
        if k + 1 < width and rows[i - 1][k + 1] + _EDIT == here:
            i -= 1  # a quote character the text lacks
            continue
        return 0, -1  # pragma: no cover - no cell leads here; never fail a validation over it
    return 0, j


# --- judging one alignment -----------------------------------------------------------------------


def _opcodes(a: str, b: str, limit: int) -> tuple[int, list[tuple[str, int, int]]] | None:
    """Unit-cost edit distance of a and b and its edits as (kind, index in a, index in b), or
    None when it exceeds `limit` (the DP is banded to |i - j| <= limit)."""
    m, n = len(a), len(b)
    if abs(m - n) > limit:
        return None
    big = _INF
    table = [[j if j <= limit else big for j in range(n + 1)]]
    for i in range(1, m + 1):
        prev = table[-1]
        cur = [big] * (n + 1)
        if i <= limit:
            cur[0] = i
        ai = a[i - 1]
        for j in range(max(1, i - limit), min(n, i + limit) + 1):
            cur[j] = min(prev[j - 1] + (ai != b[j - 1]), prev[j] + 1, cur[j - 1] + 1)
        table.append(cur)
    if table[m][n] > limit:
        return None
    edits = []
    i, j = m, n
    while i or j:
        if i and j and table[i][j] == table[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            if a[i - 1] != b[j - 1]:
                edits.append(("sub", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and table[i][j] == table[i - 1][j] + 1:
            edits.append(("del", i - 1, j))
            i -= 1
        else:
            edits.append(("ins", i, j - 1))
            j -= 1
    return table[m][n], edits


def _touches_number(s: str, at: int) -> bool:
    """Whether the punctuation at s[at] is part of a number: a sign, a unit or a decimal mark."""
    ch = s[at]
    if ch.isalnum() or ch == " ":
        return False
    before = at > 0 and s[at - 1].isdigit()
    after = at + 1 < len(s) and s[at + 1].isdigit()
    return (before and after) or (ch in _SIGN_CHARS and (before or after))


def _gap_in_number(s: str, at: int) -> bool:
    """Whether inserting into s before index `at` would land between two digits."""
    return 0 < at < len(s) and s[at - 1].isdigit() and s[at].isdigit()


def _number_edit(core: str, span: str, edits: list[tuple[str, int, int]]) -> bool:
    for kind, i, j in edits:
        if kind in ("sub", "del") and _touches_number(core, i):
            return True
        if kind in ("sub", "ins") and _touches_number(span, j):
            return True
        if kind == "ins" and _gap_in_number(core, i):
            return True
        if kind == "del" and _gap_in_number(span, j):
            return True
    return False


def _words_agree(core: str, span: str) -> bool:
    """Same words (case-folded), but for at most one small word inserted or dropped."""
    a = [w.casefold() for w in _WORD_RE.findall(core)]
    b = [w.casefold() for w in _WORD_RE.findall(span)]
    loose = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            return False
        changed = a[i1:i2] if tag == "delete" else b[j1:j2]
        if len(changed) != 1 or changed[0] not in SMALL_WORDS:
            return False
        loose += 1
    return loose <= 1


def _line_is_block(text: str, line_start: int) -> bool:
    """Whether the line starting at `line_start` is a list item, heading, table row or quote."""
    i = line_start
    while i < len(text) and text[i] in " \t":
        i += 1
    if i < len(text) and text[i] in _BLOCK_MARKS:
        return True
    k = i
    while k < len(text) and text[k].isdigit():
        k += 1
    return i < k < len(text) and text[k] in ".)"


def _continues(text: str, line_start: int) -> bool:
    """Whether the line at `line_start` reads as the wrapped continuation of the one before:
    it starts with a lower-case letter and that line, not blank, does not end a sentence."""
    i = line_start
    while i < len(text) and text[i] in " \t":
        i += 1
    if line_start == 0 or i >= len(text) or not text[i].islower():
        return False
    prev = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1].strip(" \t*_`")
    return bool(prev) and prev[-1] not in ".!?:;|"


def _line_begins_block(text: str, line_start: int) -> bool:
    """A line start that is no mid-sentence break of a hard-wrapped paragraph."""
    return _line_is_block(text, line_start) or not _continues(text, line_start)


def _line_ends_block(text: str, newline: int) -> bool:
    """A line end (at `newline`) that is no mid-sentence break of a hard-wrapped paragraph."""
    return (
        newline + 1 >= len(text)
        or _line_is_block(text, newline + 1)
        or not _continues(text, newline + 1)
    )


def _boundary_before(text: str, start: int) -> bool:
    """A span that begins a sentence, a block, a list item or a bracketed or quoted phrase."""
    i, spaced = start - 1, False
    while i >= 0 and text[i] in _SKIPPED:
        spaced = spaced or text[i] in " \t"
        i -= 1
    if i < 0:
        return True
    c = text[i]
    if c == "\n":
        return _line_begins_block(text, i + 1)
    if c in ".!?;:|>":
        return True
    if c in "([{" or c in _OPEN_QUOTES:  # attached, and not an apostrophe ("Anthropic's")
        return not spaced and (i == 0 or not text[i - 1].isalnum())
    line_start = text.rfind("\n", 0, i) + 1
    if c in _BLOCK_MARKS or c == ")" or (c == "." and text[i - 1 : i].isdigit()):
        # "- item", "## Heading", "1) item": only marks between the line's start and the span
        return _line_is_block(text, line_start) and not any(
            ch.isalpha() for ch in text[line_start:i]
        )
    return False


def _boundary_after(text: str, end: int) -> bool:
    """A span that ends a sentence, a block, a list item or a bracketed or quoted phrase."""
    if end > 0 and text[end - 1] in ".!?;:":
        return True  # the span itself ends the sentence or clause
    i, spaced = end, False
    while i < len(text) and text[i] in _SKIPPED:
        spaced = spaced or text[i] in " \t"
        i += 1
    if i >= len(text):
        return True
    c = text[i]
    if c == "\n":
        return _line_ends_block(text, i)
    if c in ".!?;:|":
        return True
    return c in _CLOSERS and not spaced


def _words_beside(text: str, at: int, step: int) -> list[str]:
    """Up to four words of the text from `at` on (step 1) or before it (step -1), in the same
    line and sentence, case-folded."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end < 0 else line_end
    if step > 0:
        if at > 0 and text[at - 1] in ".!?":
            return []  # the span ends its sentence
        side = _SENTENCE_END_RE.split(text[at:line_end])[0]
        return [w.casefold() for w in side.split()[:4]]
    side = _SENTENCE_END_RE.split(text[line_start:at])[-1]
    return [w.casefold() for w in side.split()[-4:]]


def _cut_replaces_text(cut: str, beside: list[str]) -> bool:
    """Whether the words cut from an end look like an edit of the text beside the span rather
    than an addition: a cut number where the text has a number, or a cut word that the text has
    there too ("coherent CONNECTION: X" against "PRIMARY CONNECTION: X")."""
    if any(ch.isdigit() for ch in cut) and any(ch.isdigit() for w in beside for ch in w):
        return True
    near = {w for b in beside for w in _WORD_RE.findall(b)} - _ECHO_IGNORED
    return any(w.casefold() in near for w in _WORD_RE.findall(cut))


def _judge(
    quote: str, index: _Index, text: str, cost: int, h: int, js: int, r: int, je: int
) -> _Candidate | None:
    norm = index.norm
    while js > 0 and js < len(norm) and norm[js - 1].isalnum() and norm[js].isalnum():
        js -= 1  # never start or end inside a word of the source
    while 0 < je < len(norm) and norm[je - 1].isalnum() and norm[je].isalnum():
        je += 1
    while js < je and norm[js] == " ":
        js += 1
    while je > js and norm[je - 1] == " ":
        je -= 1
    core, span_norm = quote[h:r].strip(), norm[js:je]
    head, tail = quote[:h].strip(), quote[r:].strip()
    if len(core) < max(MIN_SNAP_CHARS, MIN_CORE_FRACTION * len(quote)) or len(span_norm) < max(
        MIN_QUOTE_CHARS, MIN_SNAP_CHARS
    ):
        return None
    if len(_WORD_RE.findall(core)) < MIN_SNAP_WORDS or not _words_agree(core, span_norm):
        return None
    aligned = _opcodes(core, span_norm, max(MIN_EDIT_BUDGET, int(MAX_EDIT_FRACTION * len(core))))
    if aligned is None or _number_edit(core, span_norm, aligned[1]):
        return None
    distance = aligned[0]
    start, end = index.starts[js], index.ends[je - 1]
    if head and not _boundary_before(text, start):
        return None
    if tail and not _boundary_after(text, end):
        return None
    if not (_balanced(head) and _balanced(tail)):
        return None
    before, after = _words_beside(text, start, -1), _words_beside(text, end, 1)
    if head and _cut_replaces_text(head, before + (after if _has_digit(head) else [])):
        return None
    if tail and _cut_replaces_text(tail, after + (before if _has_digit(tail) else [])):
        return None
    return _Candidate(cost, js, je, core, span_norm, distance, head, tail)


def _has_digit(s: str) -> bool:
    return any(ch.isdigit() for ch in s)


# --- the entry point -----------------------------------------------------------------------------


def snap_quote(quote: str, text: str) -> Snap | None:
    """The verbatim span of `text` that `quote` was copied from, or None (see the module doc).

    A quote already in the text (`quote_in_text`) comes back with `snapped=False` and its first
    occurrence. Otherwise the one span within the bound, `snapped=True`; None when no span is
    within it or two spans of different wording fit equally well.
    """
    if quote_in_text(quote, text):
        located = find_span(quote, text)
        if located is not None:
            start, end = located
            return Snap(text[start:end], start, end, False, 0, quote)
    q = normalize_for_match(quote)
    if len(q) < MIN_SNAP_CHARS or len(_WORD_RE.findall(q)) < MIN_SNAP_WORDS:
        return None
    index = _index(text)
    budget = max(MIN_EDIT_BUDGET, int(MAX_EDIT_FRACTION * len(q)))
    head, tail = _end_options(q)
    readings: list[tuple[int, int, int, _Candidate | None]] = []  # (cost, js, je, judged)
    for lo, hi in _regions(q, index, slack=budget + 4):
        margin = budget + 2
        for cost, h, js, r, je in _align(
            q, index.norm, lo - margin, hi - lo + 2 * margin + 1, head, tail
        ):
            readings.append((cost, js, je, _judge(q, index, text, cost, h, js, r, je)))
    valid = [c for _, _, _, c in readings if c is not None]
    if not valid:
        return None
    chosen = min(valid, key=lambda c: (c.cost, c.distance, len(c.span_norm), c.js))
    for cost, js, je, judged in readings:
        if js < chosen.je and chosen.js < je:
            continue  # another reading of the same place
        if cost < chosen.cost:
            return None  # the closest reading elsewhere says something different
        if cost == chosen.cost and (judged is None or judged.span_norm != chosen.span_norm):
            return None  # two different spans fit equally well
    start, end = index.starts[chosen.js], index.ends[chosen.je - 1]
    span = text[start:end]
    if not quote_in_text(span, text):
        return None
    return Snap(span, start, end, True, chosen.distance, quote, chosen.head, chosen.tail)
