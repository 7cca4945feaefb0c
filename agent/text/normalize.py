"""Text normalisation for matching quotes against their source.

A quote must be a verbatim span of its source (CONTRACT "Quotes"), but a model that copies a
sentence faithfully still changes its typography: curly quotes become straight, an em dash becomes
`--`, a line break becomes a space, `**bold**` loses its asterisks. `normalize_for_match` folds
exactly those differences away and nothing else, so "verbatim" keeps its meaning: case, words,
digits and ordinary punctuation must match. The same function serves `ask` citations.

What is folded (applied identically to the quote and to the text):
- NFKC (ligatures, full-width forms, non-breaking spaces, the ellipsis character -> `...`);
- single quote look-alikes (curly, angled, primes, grave/acute accents) -> `'`, double -> `"`;
- hyphen and dash look-alikes (en, em, minus, figure dash, ...) -> `-`, and a run of dashes
  (`--`, `---`) -> one `-`: sources write an em dash as `--` and models write it back as `—`;
- markdown emphasis: `**`, `__` and backticks anywhere; a single `*` or `_` that opens or closes a
  word (`*very*`, `_Nature_`) but not one inside a word (`snake_case`) or between spaces (`2 * 3`);
- `*` list bullets at the start of a line. Hyphen bullets are kept: `-` is also the folded dash,
  and dropping it would make "a - b" and "a b" equal, which is more than typography;
- zero-width characters and soft hyphens are dropped; every whitespace run becomes one space.

Case is kept (no casefold). Every output character remembers the span of the original it came
from, so `find_span` can point back into the original text for citations.

Whether a title reads as a proposition is a separate question, answered in `agent/proposition.py`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MIN_QUOTE_CHARS = 8
"""Shorter quotes ("AI", "the model") match nearly any text, so they never count as evidence."""

_SINGLE_QUOTES = "‘’‚‛′‵‹›´`＇"
_DOUBLE_QUOTES = "“”„‟″‶«»＂〝〞"
_DASHES = "‐‑‒–—―−⁃﹘﹣－"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"

# Backticks are markdown code markers: they are removed, not turned into apostrophes.
_CHAR_MAP = str.maketrans(
    {
        **{c: "'" for c in _SINGLE_QUOTES if c != "`"},
        **{c: '"' for c in _DOUBLE_QUOTES},
        **{c: "-" for c in _DASHES},
        **{c: "" for c in _INVISIBLE},
        "`": "",
    }
)

# Markup removed after character folding. Each pattern matches only characters to delete.
_MARKUP_RE = re.compile(
    r"\*{2,}|_{2,}"  # bold / strong markers (and runs like ***)
    r"|(?<![\w*])[*_](?=\w)"  # a single * or _ opening a word: *very, _Nature
    r"|(?<=\w)[*_](?![\w*])"  # a single * or _ closing a word: very*, Nature_
    r"|(?:^|(?<=\n))[ \t]*\*(?=[ \t])"  # a * list bullet at the start of a line
)
_DASH_RUN_RE = re.compile(r"-{2,}")
_SPACE_RE = re.compile(r"\s+")


def _fold_chars(text: str) -> tuple[list[str], list[int], list[int]]:
    """NFKC + character map, per base character and its combining marks.

    Returns the output characters and, for each, the start and end offset in `text` it came
    from. Folding a base character together with its combining marks keeps NFKC composition
    (e + U+0301 -> é) while still giving every output character an origin.
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        if j == i + 1 and text[i].isascii() and text[i] != "`":
            chars.append(text[i])  # fast path: NFKC and the map leave plain ASCII alone
            starts.append(i)
            ends.append(j)
            i = j
            continue
        # Map before NFKC (it would turn a double prime into two primes, an acute accent into a
        # space and a combining mark) and again after (it can produce a look-alike we fold).
        piece = unicodedata.normalize("NFKC", text[i:j].translate(_CHAR_MAP)).translate(_CHAR_MAP)
        for ch in piece:
            chars.append(ch)
            starts.append(i)
            ends.append(j)
        i = j
    return chars, starts, ends


def _drop(
    chars: list[str], starts: list[int], ends: list[int], pattern: re.Pattern[str], keep: int = 0
) -> tuple[list[str], list[int], list[int]]:
    """Delete what `pattern` matches, keeping the first `keep` characters of each match."""
    text = "".join(chars)
    dropped: set[int] = set()
    for m in pattern.finditer(text):
        dropped.update(range(m.start() + keep, m.end()))
    if not dropped:
        return chars, starts, ends
    kept = [k for k in range(len(chars)) if k not in dropped]
    return [chars[k] for k in kept], [starts[k] for k in kept], [ends[k] for k in kept]


@lru_cache(maxsize=32)
def normalize_with_map(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """The normalised text and, per character, the original span it stands for.

    Cached: the validator checks every quote of every claim against the same source text.
    """
    chars, starts, ends = _fold_chars(text)
    chars, starts, ends = _drop(chars, starts, ends, _MARKUP_RE)
    chars, starts, ends = _drop(chars, starts, ends, _DASH_RUN_RE, keep=1)
    # Whitespace: unify every whitespace character to a space, then keep one per run.
    chars = [" " if ch.isspace() else ch for ch in chars]
    chars, starts, ends = _drop(chars, starts, ends, _SPACE_RE, keep=1)
    lo, hi = 0, len(chars)
    while lo < hi and chars[lo] == " ":
        lo += 1
    while hi > lo and chars[hi - 1] == " ":
        hi -= 1
    return "".join(chars[lo:hi]), tuple(starts[lo:hi]), tuple(ends[lo:hi])


def normalize_for_match(text: str) -> str:
    """Fold typography (quotes, dashes, emphasis, whitespace) so verbatim copies compare equal."""
    return normalize_with_map(text)[0]


def quote_in_text(quote: str, text: str) -> bool:
    """True when the normalised quote is a substring of the normalised text.

    Quotes shorter than `MIN_QUOTE_CHARS` after normalisation never count: a two-word fragment is
    found in almost any source and proves nothing.
    """
    needle = normalize_for_match(quote)
    if len(needle) < MIN_QUOTE_CHARS:
        return False
    return needle in normalize_for_match(text)


def find_span(quote: str, text: str) -> tuple[int, int] | None:
    """Where the quote sits in the ORIGINAL text, as `text[start:end]`, or None.

    The span starts at the first original character behind the match and ends after the last
    one, so it includes any markup between them (`**`, curly quotes, line breaks) but none
    around them. Same length rule as `quote_in_text`.
    """
    needle = normalize_for_match(quote)
    if len(needle) < MIN_QUOTE_CHARS:
        return None
    haystack, starts, ends = normalize_with_map(text)
    at = haystack.find(needle)
    if at < 0:
        return None
    return starts[at], ends[at + len(needle) - 1]
