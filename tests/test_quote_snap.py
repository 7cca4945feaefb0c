"""Snapping a near-miss evidence quote onto the verbatim span it was copied from."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from agent.text import quote_snap
from agent.text.normalize import normalize_for_match, quote_in_text
from agent.text.quote_snap import MIN_SNAP_CHARS, Snap, snap_quote

# Excerpts of two archived sources the recorded small-model replies were about.
FLI = """## Content

FLI's comprehensive evaluation of frontier AI companies across 6 safety dimensions.

**Company scores (letter grades and numeric):**
- Anthropic: C+ (2.64) — best overall
- OpenAI: C (2.10) — second
- Meta: D (1.06)

**Critical findings:**
- NO company scored above D in existential safety despite claiming AGI within a decade
- Only OpenAI published its full whistleblowing policy publicly
- Absence of regulatory floors allows safety practice divergence to widen
- Reviewer: the disconnect between AGI claims and existential safety scores is "deeply disturbing"

**Context:** FLI is a well-established AI safety organization. The index methodology was \
peer-reviewed. Company scores are based on publicly available information plus email \
correspondence with developers.

## Key Facts
- FLI AI Safety Index Summer 2025 evaluated 7 companies across 6 dimensions using peer-reviewed \
methodology
- Methodology based on publicly available information plus email correspondence with developers
"""

KNUTH = """## Trust Model

The formalization uses Comparator, a "trustworthy judge specifically designed for verifying \
potentially adversarial proofs, including AI-generated proofs." The trust model is explicit:

## Key Definitions (from Challenge.lean)

- `cubeDigraph`: The Cayley digraph on Z_m^3 with three generators
- Main theorem: `hamiltonian_arc_decomposition` — for odd m > 1, the arcs decompose into three \
directed Hamiltonian cycles

This is a concrete instance of scalable oversight: the verifier does not need to understand the \
proof, only check it against the specification.
"""


def snapped(quote: str, text: str) -> Snap:
    result = snap_quote(quote, text)
    assert result is not None, quote
    assert result.snapped, quote
    assert text[result.start : result.end] == result.span
    assert quote_in_text(result.span, text)
    assert result.original == quote
    return result


# --- what a small model does to a quote, and what snaps back -------------------------------------


def test_verbatim_quote_is_returned_unsnapped() -> None:
    quote = "Only OpenAI published its full whistleblowing policy publicly"
    result = snap_quote(quote, FLI)
    assert result == Snap(quote, FLI.index(quote), FLI.index(quote) + len(quote), False, 0, quote)


def test_verbatim_after_normalisation_keeps_the_source_characters() -> None:
    result = snap_quote("Anthropic: C+ (2.64) -- best overall", FLI)
    assert result is not None and not result.snapped
    assert result.span == "Anthropic: C+ (2.64) — best overall"


def test_trailing_full_stop_added_to_a_bullet() -> None:
    result = snapped("Only OpenAI published its full whistleblowing policy publicly.", FLI)
    assert result.span == "Only OpenAI published its full whistleblowing policy publicly"
    assert result.distance == 1


def test_double_quote_marks_turned_into_single() -> None:
    quote = (
        "The formalization uses Comparator, a 'trustworthy judge specifically designed for "
        "verifying potentially adversarial proofs, including AI-generated proofs.'"
    )
    result = snapped(quote, KNUTH)
    assert result.span == quote.replace("'", '"')
    assert result.distance == 2


def test_article_added_before_a_label() -> None:
    quote = (
        "The main theorem: `hamiltonian_arc_decomposition` — for odd m > 1, the arcs "
        "decompose into three directed Hamiltonian cycles."
    )
    result = snapped(quote, KNUTH)
    assert result.span.startswith("Main theorem: `hamiltonian")
    assert result.span.endswith("Hamiltonian cycles")
    assert result.dropped_head == "The"
    assert result.distance == 2  # m -> M and the full stop


def test_article_added_before_a_bullet() -> None:
    quote = (
        "The FLI AI Safety Index Summer 2025 evaluated 7 companies across 6 dimensions using "
        "peer-reviewed methodology"
    )
    result = snapped(quote, FLI)
    assert result.span == quote.removeprefix("The ")
    assert (result.dropped_head, result.distance) == ("The", 0)


def test_a_few_words_added_at_the_end() -> None:
    quote = "Only OpenAI published its full whistleblowing policy publicly among the labs."
    result = snapped(quote, FLI)
    assert result.span == "Only OpenAI published its full whistleblowing policy publicly"
    assert result.dropped_tail == "among the labs."


def test_a_date_added_after_the_sentence_ends() -> None:
    text = "Anthropic rolled back its Responsible Scaling Policy (RSP).\n\nThe new RSP scraps it."
    result = snapped(
        "Anthropic rolled back its Responsible Scaling Policy (RSP) in February 2026.", text
    )
    assert result.span == "Anthropic rolled back its Responsible Scaling Policy (RSP)"
    assert result.dropped_tail == "in February 2026."
    # The added words may not be more than a quarter of the quote.
    assert (
        snap_quote(
            "Anthropic rolled back its Responsible Scaling Policy in February 2026.",
            text.replace(" (RSP)", ""),
        )
        is None
    )


def test_one_small_word_inside() -> None:
    quote = "Absence of the regulatory floors allows the safety practice divergence to widen"
    assert snap_quote(quote, FLI) is None  # two small words: beyond the bound
    result = snapped(
        "Absence of the regulatory floors allows safety practice divergence to widen", FLI
    )
    assert result.span == "Absence of regulatory floors allows safety practice divergence to widen"


def test_case_and_sentence_joins() -> None:
    result = snapped("only OpenAI published its full whistleblowing policy publicly", FLI)
    assert result.span[0] == "O"
    quote = (
        "NO company scored above D in existential safety despite claiming AGI within a decade."
        " Only OpenAI published its full whistleblowing policy publicly"
    )
    result = snapped(quote, FLI)
    assert "decade\n- Only OpenAI" in result.span


def test_unicode_source_keeps_its_characters() -> None:
    text = (
        "Intro.\n\nThe café’s “naïve” policy — drafted in haste — failed\u00a0twice.\n\n"
        "Ｆｕｌｌ-width text is folded too."
    )
    result = snapped('The café\'s "naïve" policy - drafted in haste - failed twice!', text)
    assert result.span == "The café’s “naïve” policy — drafted in haste — failed\u00a0twice"
    decomposed = "The cafe\u0301’s “naïve” policy — drafted in haste — failed twice."
    assert snapped(
        'The café\'s "naïve" policy — drafted in haste — failed twice!', decomposed
    ).span == decomposed.removesuffix(".")  # e + U+0301 kept whole


# --- what must not snap --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quote",
    [
        # a negation inserted or dropped
        "Only OpenAI did not publish its full whistleblowing policy publicly",
        "NO company scored above D in existential safety despite not claiming AGI within a decade",
        "the verifier does need to understand the proof, only check it against the specification",
        "Only OpenAI published its full whistleblowing policy publicly, but not completely",
        # a number changed, inside or at an end
        "FLI AI Safety Index Summer 2025 evaluated 8 companies across 6 dimensions",
        "FLI AI Safety Index Summer 2024 evaluated 7 companies across 6 dimensions",
        "Anthropic: C+ (2.46) — best overall in the index",
        "Anthropic: C+ (264) — best overall in the index",
        "for odd m > 3, the arcs decompose into three directed Hamiltonian cycles",
        "FLI AI Safety Index Summer 2025 evaluated 7 companies across 6 dimensions using 2 methods",
        # a content word changed, a word inflected, words replaced rather than added
        "Only Anthropic published its full whistleblowing policy publicly",
        "Absence of regulatory floors allows safety practice divergence to shrink",
        "the arcs decompose into three directed Hamiltonian cycle.",
        "The companies used publicly available information plus email correspondence with "
        "developers",
        "Company scores are based on publicly available information plus phone calls with "
        "developers",
        # a different sentence of the same text, and a merge of two
        "The index methodology was not peer-reviewed by FLI.",
        "FLI is a well-established AI safety organization. Company scores are peer-reviewed.",
        "The trust model is explicit: you trust the specification and the kernel, not the proof.",
        # a qualifier added at the end
        "Only OpenAI published its full whistleblowing policy publicly, except for Meta",
    ],
)
def test_a_quote_that_says_something_different_does_not_snap(quote: str) -> None:
    assert not quote_in_text(quote, FLI + KNUTH)
    assert snap_quote(quote, FLI + KNUTH) is None


def test_a_number_cut_from_an_end_must_not_stand_where_the_source_has_one() -> None:
    text = "## Timeline\n2023: Anthropic committed to never train an unsafe model.\n"
    assert snap_quote("2024: Anthropic committed to never train an unsafe model.", text) is None
    text = "## Timeline\nBack then: Anthropic committed to never train an unsafe model.\n"
    assert snapped("2024: Anthropic committed to never train an unsafe model.", text).span == (
        "Anthropic committed to never train an unsafe model."
    )
    text = "Anthropic committed to never train an unsafe model: 2023.\n"
    assert snap_quote("Anthropic committed to never train an unsafe model in 2024.", text) is None
    # A number in the next sentence is no number beside the span.
    text = "Anthropic rolled back its Responsible Scaling Policy (RSP). In 2023, it had committed."
    result = snapped(
        "Anthropic rolled back its Responsible Scaling Policy (RSP) in February 2026.", text
    )
    assert result.span == "Anthropic rolled back its Responsible Scaling Policy (RSP)"


def test_cut_words_must_be_added_not_edited_from_the_text_beside() -> None:
    text = "## Curator Notes\nPRIMARY CONNECTION: [[alignment is a coordination problem]]\n"
    assert snap_quote("coherent CONNECTION: [[alignment is a coordination problem]]", text) is None
    assert snapped("The PRIMARY CONNECTION: [[alignment is a coordination problem]]", text)
    # "(specifically" opens a bracket the kept words would sit in.
    text = "Context: the verification bottleneck is in the specification, not the proof.\n"
    quote = (
        "Mathlib (specifically the verification bottleneck is in the specification, not the proof."
    )
    assert snap_quote(quote, text) is None


def test_a_hard_wrapped_line_break_is_no_boundary() -> None:
    wrapped = (
        "Company scores are based on publicly available information plus email\n"
        "correspondence with developers.\n"
    )
    assert (
        snap_quote(
            "Company scores are based on publicly available information plus email exchanges",
            wrapped,
        )
        is None
    )
    bullets = (
        "- Company scores are based on publicly available information plus email\n"
        "- Correspondence with developers was optional\n"
    )
    assert (
        snapped(
            "Company scores are based on publicly available information plus email exchanges",
            bullets,
        ).dropped_tail
        == "exchanges"
    )


def test_no_snap_when_the_closest_reading_elsewhere_says_something_different() -> None:
    # The bullet with the changed year is closer than the line it could be cut down to.
    text = (
        "- Private plans part of Medicare since inception (1966)\n\n## Timeline\n"
        "- Private plans part of Medicare since inception\n"
    )
    assert snap_quote("Private plans part of Medicare since inception (1968)", text) is None
    assert snapped("Private plans part of Medicare since inception (1966).", text).start == 2
    # Equally close to both lines, and at the first the cut words would replace "(1966)".
    assert snap_quote("Private plans part of Medicare since inception (see above)", text) is None


def test_short_quotes_never_snap() -> None:
    assert snap_quote("Meta: D (1.06).", FLI) is None
    assert snap_quote("Meta: D (1.06)", FLI) is not None  # verbatim still counts
    assert len(normalize_for_match("Meta: D (1.06).")) < MIN_SNAP_CHARS
    three_words = "- Comprehensive-evaluation methodology\n"
    assert snap_quote("Comprehensive-evaluation methodology.", three_words) is None
    assert (
        snapped(
            "Comprehensive-evaluation methodology, revised.",
            "- Comprehensive-evaluation methodology, revised\n",
        ).distance
        == 1
    )
    assert snap_quote("", FLI) is None
    assert snap_quote("anything at all, long enough to be a quote", "") is None


def test_two_spans_that_fit_equally_well_are_ambiguous() -> None:
    text = (
        "- Safety practice Divergence widened in every lab\n"
        "- Safety Practice divergence widened in every lab\n"
    )
    assert snap_quote("Safety practice divergence widened in every lab", text) is None
    # Equal wording at two places is no ambiguity: the first is returned.
    text = (
        "- Safety practice divergence widened in every lab\n"
        "- Safety practice divergence widened in every lab\n"
    )
    result = snapped("Safety practice divergence widened in every lab.", text)
    assert result.start == 2
    # A better fit wins over a worse one.
    text = (
        "- Safety practice divergence widened in every lab\n"
        "- Safety Practice Divergence widened in every lab\n"
    )
    assert snapped("Safety practice divergence widened in every lab.", text).start == 2


def test_a_large_source_is_aligned_near_its_anchors_only(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    vocab = [f"w{rng.randrange(10**6)}" for _ in range(3000)] + ["the", "of", "and", "a"] * 400
    sentences = [
        " ".join(rng.choice(vocab) for _ in range(rng.randrange(8, 25))).capitalize() + "."
        for _ in range(1000)
    ]
    text = "\n".join(sentences)[:60_000]
    assert len(text) >= 59_000
    widths: list[int] = []
    real_align = quote_snap._align

    def recording(quote: str, norm: str, base: int, width: int, *rest: Any) -> Any:
        widths.append(width)
        return real_align(quote, norm, base, width, *rest)

    monkeypatch.setattr(quote_snap, "_align", recording)
    picked = [s for s in sentences[100:400] if len(s) > 60][:50]
    began = time.perf_counter()
    for sentence in picked:
        result = snap_quote(sentence[:-1] + "!", text)
        assert result is not None and result.span == sentence[:-1], sentence
    elapsed = time.perf_counter() - began
    assert max(widths) < 60
    assert elapsed < 5.0  # ~1 ms a quote on a laptop; generous for a loaded CI machine


# --- properties ----------------------------------------------------------------------------------

_LETTERS = st.sampled_from([*"abcdefghijklmnopqrstuvwxyzéøß", "Ab", "Zz"])
_WORD = st.lists(_LETTERS, min_size=1, max_size=9).map("".join)
_SEP = st.sampled_from([" ", " ", " ", "\n", ", ", ". ", " — ", " “", "” ", "\n- ", "  "])


@st.composite
def _texts(draw: Any, min_words: int = 6) -> str:
    words = draw(st.lists(_WORD, min_size=min_words, max_size=60))
    return "".join(w + draw(_SEP) for w in words)


@settings(max_examples=300, deadline=None)
@given(text=_texts(), data=st.data())
def test_a_verbatim_substring_snaps_to_itself_unsnapped(text: str, data: Any) -> None:
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    quote = text[i:j]
    assume(quote_in_text(quote, text))
    result = snap_quote(quote, text)
    assert result is not None and not result.snapped and result.distance == 0
    assert text[result.start : result.end] == result.span
    assert normalize_for_match(result.span) == normalize_for_match(quote)


_EDITS = st.sampled_from(["drop", "insert", "swap", "prefix", "suffix", "case"])


@settings(max_examples=400, deadline=None)
@given(words=st.lists(_WORD, min_size=10, max_size=60), data=st.data())
def test_any_returned_span_is_a_verbatim_slice(words: list[str], data: Any) -> None:
    seps = [data.draw(_SEP) for _ in words]
    text = "".join(w + sep for w, sep in zip(words, seps, strict=True))
    i = data.draw(st.integers(0, len(words) - 4))
    j = data.draw(st.integers(i + 4, len(words)))
    quote = list("".join(w + sep for w, sep in zip(words[i:j], seps[i:j], strict=True)))
    for _ in range(data.draw(st.integers(0, 3))):
        kind = data.draw(_EDITS)
        at = data.draw(st.integers(0, max(0, len(quote) - 1)))
        piece = data.draw(st.sampled_from([".", "'", '"', "the", "The ", " not", "1", "x", " a"]))
        if kind == "drop" and quote:
            del quote[at]
        elif kind == "insert":
            quote.insert(at, piece)
        elif kind == "swap" and quote:
            quote[at] = piece
        elif kind == "prefix":
            quote.insert(0, piece + " ")
        elif kind == "suffix":
            quote.append(" " + piece)
        elif quote:
            quote[at] = quote[at].swapcase()
    result = snap_quote("".join(quote), text)
    event("verbatim" if result and not result.snapped else "snapped" if result else "none")
    if result is not None:
        assert text[result.start : result.end] == result.span
        assert quote_in_text(result.span, text)
        assert len(normalize_for_match(result.span)) >= 8


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.lists(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=2, max_size=8).map(
            "".join
        ),
        min_size=8,
        max_size=50,
    ),
    data=st.data(),
)
def test_one_trailing_punctuation_mark_snaps_back(words: list[str], data: Any) -> None:
    text = " ".join(words)
    i = data.draw(st.integers(0, len(words) - 4))
    j = data.draw(st.integers(i + 4, len(words)))
    span = " ".join(words[i:j])
    assume(len(span) >= MIN_SNAP_CHARS)
    mark = data.draw(st.sampled_from(list(".,;:!?")))
    result = snap_quote(span + mark, text)
    assert result is not None and result.snapped
    assert result.span == span
    assert result.distance == 1


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.one_of(_WORD, st.integers(0, 999).map(str)), min_size=8, max_size=50),
    data=st.data(),
)
def test_a_negation_inserted_or_a_number_changed_never_snaps(words: list[str], data: Any) -> None:
    text = " ".join(words)
    i = data.draw(st.integers(0, len(words) - 4))
    j = data.draw(st.integers(i + 4, len(words)))
    quote_words = words[i:j]
    numbers = [k for k, w in enumerate(quote_words) if w.isdigit()]
    if numbers and data.draw(st.booleans()):
        k = data.draw(st.sampled_from(numbers))
        quote_words[k] = str(int(quote_words[k]) + data.draw(st.integers(1, 9)))
    else:
        k = data.draw(st.integers(1, len(quote_words) - 1))
        quote_words.insert(k, data.draw(st.sampled_from(["not", "never", "no"])))
    quote = " ".join(quote_words) + data.draw(st.sampled_from(["", ".", "!"]))
    assume(not quote_in_text(quote, text))
    result = snap_quote(quote, text)
    assert result is None, (quote, result)
