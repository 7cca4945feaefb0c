"""The claim validator, the quote normaliser and the proposition heuristic."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agent.extract.reply import MalformedReply, parse_reply
from agent.extract.validate import (
    REASON_CODES,
    Reason,
    StanceOnBelief,
    ValidClaim,
    malformed_output_reason,
    pydantic_errors_compact,
    validate_claim,
)
from agent.text.normalize import find_span, normalize_for_match, quote_in_text
from agent.text.proposition import proposition_problem

SOURCE = (
    "## Findings\n\nThe study found that **reward hacking** generalises:\nmodels trained to game "
    "their tests\u2014without any instruction to deceive\u2014began to “fake alignment” when "
    "they believed\n  they were being retrained. It’s a robust effect across seeds.\n"
)
BELIEFS = ("B1", "B2", "B4")
QUOTE = 'began to "fake alignment" when they believed they were being retrained'


def claim(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Reward hacking generalises to deceptive alignment without training to deceive",
        "description": "Models rewarded for gaming tests began faking alignment when retrained",
        "confidence": "likely",
        "domain": "ai-alignment",
        "evidence": [{"quote": QUOTE}],
        "beliefs": [{"id": "B4", "stance": "supports", "rationale": "shows drift"}],
    }
    base.update(changes)
    return base


def codes(verdict: Any) -> list[str]:
    return [r.code for r in verdict.reasons]


def only(verdict: Any, code: str) -> Reason:
    assert codes(verdict) == [code], verdict.reasons
    return verdict.reasons[0]


# --- accepted -------------------------------------------------------------------------------


def test_good_claim_accepted_and_cleaned() -> None:
    proposed = claim(title="  Reward hacking\n generalises to deception ", domain=" ai-alignment")
    v = validate_claim(proposed, SOURCE, BELIEFS)
    assert v.accepted and v.duplicate_of is None and v.proposed is proposed
    assert v.claim == ValidClaim(
        title="Reward hacking generalises to deception",
        description="Models rewarded for gaming tests began faking alignment when retrained",
        confidence="likely",
        domain="ai-alignment",
        quotes=(QUOTE,),
        beliefs=(StanceOnBelief("B4", "supports", "shows drift"),),
    )


def test_claim_may_name_no_beliefs() -> None:
    assert validate_claim(claim(beliefs=[]), SOURCE, BELIEFS).accepted
    no_key = claim()
    del no_key["beliefs"]
    assert validate_claim(no_key, SOURCE, BELIEFS).accepted


def test_reason_codes() -> None:
    assert set(REASON_CODES) == {
        "SCHEMA",
        "NOT_A_PROPOSITION",
        "DESCRIPTION_REPEATS_TITLE",
        "METADATA_NOT_CLAIM",
        "BAD_CONFIDENCE",
        "QUOTE_NOT_IN_SOURCE",
        "QUOTE_FROM_CURATOR_NOTES",
        "UNKNOWN_BELIEF",
        "BAD_STANCE",
        "DUPLICATE_CLAIM",
        "MALFORMED_OUTPUT",
    }


# --- one test per reason code ------------------------------------------------------------------


def test_schema_missing_and_wrong_typed_fields() -> None:
    proposed = claim(evidence=[{"text": "x"}], confidence=3)
    del proposed["description"]
    v = validate_claim(proposed, SOURCE, BELIEFS)
    reason = only(v, "SCHEMA")
    assert "description: Field required" in reason.message
    assert "evidence.0.quote: Field required" in reason.message
    assert "confidence: Input should be a valid string, got int" in reason.message
    assert "\n" not in reason.message and v.claim is None


def test_schema_non_object_item_names_the_value() -> None:
    reason = only(validate_claim("Models deceive their raters", SOURCE, BELIEFS), "SCHEMA")
    assert "got str" in reason.message and "Models deceive their raters" in reason.message


def test_schema_items_of_the_wrong_kind() -> None:
    proposed = claim(evidence=["a bare string", {"quote": QUOTE}], beliefs=["B4"])
    reason = only(validate_claim(proposed, SOURCE, BELIEFS), "SCHEMA")
    assert reason.message == (
        "evidence.0: Input should be a JSON object, got str; "
        "beliefs.0: Input should be a JSON object, got str"
    )


def test_schema_empty_domain_and_empty_evidence() -> None:
    reason = only(validate_claim(claim(domain="  ", evidence=[]), SOURCE, BELIEFS), "SCHEMA")
    assert "domain: must be a non-empty string" in reason.message
    assert "evidence: List should have at least 1 item" in reason.message


def test_not_a_proposition_names_the_title() -> None:
    reason = only(validate_claim(claim(title="Key Results"), SOURCE, BELIEFS), "NOT_A_PROPOSITION")
    assert "'Key Results'" in reason.message


def test_description_repeats_title_names_the_description() -> None:
    title = "Reward hacking generalises to deceptive alignment"
    v = validate_claim(
        claim(title=title, description="Reward-hacking generalises to deceptive alignment."),
        SOURCE,
        BELIEFS,
    )
    reason = only(v, "DESCRIPTION_REPEATS_TITLE")
    assert "'Reward-hacking generalises to deceptive alignment.'" in reason.message


@pytest.mark.parametrize(
    ("title", "description", "repeats"),
    [
        ("Reward hacking generalises to deception", "reward hacking generalises", True),
        (
            "Reward hacking generalises to deception",
            "Deception, reward hacking generalises to!",
            True,
        ),
        (
            "Reward hacking generalises to deception",
            "Reward hacking generalises to deception in practice",
            True,
        ),
        (
            "Reward hacking generalises to deception",
            "Models trained to game tests later faked alignment during retraining",
            False,
        ),
    ],
)
def test_description_repeat_rules(title: str, description: str, repeats: bool) -> None:
    v = validate_claim(claim(title=title, description=description), SOURCE, BELIEFS)
    assert ("DESCRIPTION_REPEATS_TITLE" in codes(v)) is repeats


def test_bad_confidence_names_the_value() -> None:
    reason = only(validate_claim(claim(confidence="certain"), SOURCE, BELIEFS), "BAD_CONFIDENCE")
    assert reason.message == (
        "confidence 'certain' is not one of proven, likely, experimental, speculative"
    )


def test_confidence_is_lower_case_exact_but_stripped() -> None:
    assert validate_claim(claim(confidence=" likely\n"), SOURCE, BELIEFS).claim.confidence == (
        "likely"
    )
    reason = only(validate_claim(claim(confidence="Likely"), SOURCE, BELIEFS), "BAD_CONFIDENCE")
    assert "'Likely'" in reason.message and "lower case: 'likely'" in reason.message


def test_quote_not_in_source_names_the_quote() -> None:
    v = validate_claim(claim(evidence=[{"quote": "models always fake alignment"}]), SOURCE, BELIEFS)
    assert "'models always fake alignment'" in only(v, "QUOTE_NOT_IN_SOURCE").message


def test_unknown_belief_names_id_and_known_ids() -> None:
    v = validate_claim(claim(beliefs=[{"id": "B9", "stance": "supports"}]), SOURCE, BELIEFS)
    message = only(v, "UNKNOWN_BELIEF").message
    assert "'B9'" in message and "B1, B2, B4" in message


def test_bad_stance_names_the_value() -> None:
    v = validate_claim(claim(beliefs=[{"id": "B1", "stance": "endorses"}]), SOURCE, BELIEFS)
    message = only(v, "BAD_STANCE").message
    assert "stance 'endorses' is not one of supports, challenges, complicates" in message


def test_duplicate_claim_keeps_the_claim_and_names_the_id() -> None:
    class Finder:
        def find_duplicate(self, title: str, description: str) -> str | None:
            return "claim-17" if "Reward hacking" in title else None

    v = validate_claim(claim(), SOURCE, BELIEFS, duplicates=Finder())
    assert "claim-17" in only(v, "DUPLICATE_CLAIM").message
    assert v.duplicate_of == "claim-17" and v.claim is not None and not v.accepted


def test_duplicates_only_checked_when_all_else_passes() -> None:
    class Finder:
        calls = 0

        def find_duplicate(self, title: str, description: str) -> str | None:
            Finder.calls += 1
            return "claim-17"

    v = validate_claim(claim(confidence="sure"), SOURCE, BELIEFS, duplicates=Finder())
    assert codes(v) == ["BAD_CONFIDENCE"] and v.duplicate_of is None and Finder.calls == 0


def test_malformed_output_reason_carries_the_parse_error() -> None:
    with pytest.raises(MalformedReply) as info:
        parse_reply("no json here, just {prose}")
    reason = malformed_output_reason(str(info.value))
    assert reason.code == "MALFORMED_OUTPUT"
    assert "no JSON object found in the reply" in reason.message


# --- collecting, partial quotes, beliefs -------------------------------------------------------


def test_every_reason_is_collected() -> None:
    proposed = claim(
        title="Limitations",
        confidence="certain",
        domain="",
        evidence=[{"quote": "not in the source at all"}],
        beliefs=[{"id": "B9", "stance": "supports"}, {"id": "B1", "stance": "likes"}],
    )
    assert codes(validate_claim(proposed, SOURCE, BELIEFS)) == [
        "SCHEMA",
        "NOT_A_PROPOSITION",
        "BAD_CONFIDENCE",
        "QUOTE_NOT_IN_SOURCE",
        "UNKNOWN_BELIEF",
        "BAD_STANCE",
    ]


def test_partial_quotes_kept() -> None:
    evidence = [
        {"quote": "invented sentence nowhere in it"},
        {"quote": QUOTE},
        {"quote": "It's a robust effect across seeds."},
    ]
    v = validate_claim(claim(evidence=evidence), SOURCE, BELIEFS)
    assert v.accepted and v.claim.quotes == (QUOTE, "It's a robust effect across seeds.")


def test_quote_may_come_from_the_extra_text() -> None:
    quote = "Alignment Faking in Large Language Models"
    assert not validate_claim(claim(evidence=[{"quote": quote}]), SOURCE, BELIEFS).accepted
    v = validate_claim(claim(evidence=[{"quote": quote}]), SOURCE, BELIEFS, quote_text_extra=quote)
    assert v.accepted


def test_very_short_quote_never_counts() -> None:
    assert "QUOTE_NOT_IN_SOURCE" in codes(
        validate_claim(claim(evidence=[{"quote": "models"}]), SOURCE, BELIEFS)
    )


def test_same_belief_twice() -> None:
    same = [{"id": "B4", "stance": "supports"}, {"id": "B4", "stance": "supports"}]
    assert len(validate_claim(claim(beliefs=same), SOURCE, BELIEFS).claim.beliefs) == 1
    clash = [{"id": "B4", "stance": "supports"}, {"id": "B4", "stance": "challenges"}]
    message = only(validate_claim(claim(beliefs=clash), SOURCE, BELIEFS), "BAD_STANCE").message
    assert "'supports' and 'challenges'" in message


def test_pydantic_errors_compact_is_one_line() -> None:
    from pydantic import BaseModel, ValidationError

    class M(BaseModel):
        a: int
        b: list[str]

    with pytest.raises(ValidationError) as info:
        M.model_validate({"b": [1]})
    assert pydantic_errors_compact(info.value) == (
        "a: Field required; b.0: Input should be a valid string, got int"
    )


# --- normalisation -----------------------------------------------------------------------------


def test_curly_quotes_whitespace_and_dashes_match() -> None:
    text = "He said \u201cit\u2019s  fine\u201d \u2014 and\n\nleft\u2026 now"
    assert quote_in_text('said "it\'s fine" - and left... now', text)
    assert quote_in_text("said “it’s fine” -- and left", 'He said "it\'s fine" \u2013 and left')
    assert normalize_for_match(" a\u00a0\u00a0b\t\nc ") == "a b c"


def test_markdown_emphasis_removed_but_words_kept() -> None:
    text = "* the **reward** model _Nature_ uses `snake_case` ids, 2 * 3"
    assert normalize_for_match(text) == "the reward model Nature uses snake_case ids, 2 * 3"


def test_case_and_words_must_match() -> None:
    assert not quote_in_text("REWARD HACKING GENERALISES", SOURCE)
    assert not quote_in_text("reward hacking generalizes", SOURCE)


def test_find_span_points_into_the_original() -> None:
    start, end = find_span(QUOTE, SOURCE) or (0, 0)
    assert SOURCE[start:end].startswith("began to “fake")
    assert SOURCE[start:end].endswith("retrained")
    assert find_span("not there at all", SOURCE) is None


_WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789'\"-.,!éßøñ"),
    min_size=1,
    max_size=9,
)
_SPACE = st.sampled_from([" ", "  ", "\n", "\t", " \n  ", "\u00a0"])
_CURLY = {"'": "‘’", '"': "“”", "-": "–—"}


@settings(max_examples=300, deadline=None)
@given(words=st.lists(_WORD, min_size=2, max_size=30), data=st.data())
def test_word_aligned_reflowed_curly_substring_is_found(words: list[str], data: Any) -> None:
    """A quote copied from a text, re-flowed and with curly quotes, is still found in it."""
    text = "".join(w + data.draw(_SPACE) for w in words)
    i = data.draw(st.integers(0, len(words) - 1))
    j = data.draw(st.integers(i + 1, len(words)))
    pieces = []
    for w in words[i:j]:
        pieces.append(
            "".join(_CURLY[c][data.draw(st.integers(0, 1))] if c in _CURLY else c for c in w)
        )
        pieces.append(data.draw(_SPACE))
    quote = "".join(pieces)
    assume(len(normalize_for_match(quote)) >= 8)
    assert quote_in_text(quote, text)
    assert find_span(quote, text) is not None


# --- is the title a proposition? ---------------------------------------------------------------

CORPUS = Path(os.environ.get("TRACKER_TEST_CORPUS", "/work/shared/corpus/teleo-ai-alignment"))
# The one corpus claim whose title is a bare noun phrase: "This note argues that persistent
# irreducible disagreement" is no sentence, and the label check must say so.
CORPUS_LABEL_TITLES = {"persistent irreducible disagreement"}
# Section headings in the sources that are, grammatically, sentences.
SENTENCE_HEADINGS = {"Classical impossibility results reappear", "You Say You Want a Revolution"}

# Section headings and bold labels taken from the corpus sources.
SOURCE_LABELS = [
    "Key Results",
    "Agent Notes",
    "Why this matters",
    "MaxMin-RLHF",
    "Limitations",
    "Formal impossibility result",
    "The alignment tax",
    "KB connections",
    "Extraction hints",
    "What surprised me",
    "What I expected but didn't find",
    "Curator Notes (structured handoff for extractor)",
    "Key Facts",
    "Key Tweets by Theme",
    "Human-AI Workflow Shifts",
    "Six interconnected domains surveyed",
    "Technical methods tested",
    "How it identifies bridging content",
    "Murphy's Law of AI Alignment",
    "Does Humanity Function as a Single Superorganism?",
    "Labor Market Impacts of AI: A New Measure and Early Evidence",
    "What you do NOT need to trust",
    "Employment Impact (as of early 2026)",
    "Company scores (letter grades and numeric)",
    "Key difference from majority voting",
    "Operationalization angle:",
    "Get Tim Ventura’s stories in your inbox",
    "How Claude Solved It",
    "EgoScale: Human Video Pre-training for Robot Dexterity",
    "Caveats Noted",
]
# Claim-like titles and labels a model might write (not from the corpus).
MORE_PROPOSITIONS = [
    "RLHF fails at preference diversity because a single reward function averages away views",
    "Scaling alone will not produce aligned systems",
    "There is no evidence that current models pursue long-horizon goals",
    "What matters for alignment is who controls the objective",
    "When models are evaluated they behave differently than in deployment",
    "Frontier labs spend less than two percent of compute on safety",
    "The bottleneck in AI-assisted science shifted from execution to problem selection",
    "Community notes reached consensus faster than expert fact-checkers",
]
MORE_LABELS = [
    "Limitations of RLHF for diverse populations",
    "Impact of AI on labor markets",
    "The role of interpretability in alignment",
    "Is alignment a coordination problem",
    "Can we trust AI evaluations?",
    "Lessons learned from community notes",
    "Why voluntary safety commitments fail",
    "Results of the democratic alignment experiment",
]


def _corpus_titles() -> list[str]:
    folder = CORPUS / "claims"
    if not folder.is_dir():
        pytest.skip(f"corpus not found at {folder} (set TRACKER_TEST_CORPUS)")
    stems = [p.stem for p in sorted(folder.glob("*.md")) if not p.stem.startswith("_")]
    return [s if " " in s else s.replace("-", " ") for s in stems]


def test_every_corpus_claim_title_is_a_proposition() -> None:
    titles = _corpus_titles()
    failing = {t: proposition_problem(t) for t in titles if t not in CORPUS_LABEL_TITLES}
    assert {t: p for t, p in failing.items() if p} == {}
    assert len(titles) >= 70
    assert all(proposition_problem(t) for t in CORPUS_LABEL_TITLES & set(titles))


def test_corpus_section_headings_and_bold_labels_are_rejected() -> None:
    folder = CORPUS / "sources"
    if not folder.is_dir():
        pytest.skip(f"corpus not found at {folder}")
    labels: set[str] = set()
    for path in folder.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        labels.update(re.findall(r"(?m)^#+[ \t]*(.+?)[ \t]*$", text))
        labels.update(re.findall(r"(?m)^\*\*([^*\n]+)\*\*", text))
    labels = (
        {re.sub(r":$", "", label).strip() for label in labels if not label.startswith(("[", "!["))}
        - SENTENCE_HEADINGS
        - {""}
    )
    assert len(labels) >= 150
    assert sorted(label for label in labels if not proposition_problem(label)) == []


def test_corpus_descriptions_do_not_repeat_their_titles() -> None:
    folder = CORPUS / "claims"
    if not folder.is_dir():
        pytest.skip(f"corpus not found at {folder}")
    checked = 0
    for path in folder.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        title = re.search(r"(?m)^# (.+)$", text)
        description = re.search(r"(?m)^description: (.+)$", text)
        if title and description:
            proposed = claim(title=title[1], description=description[1].strip('"'))
            assert "DESCRIPTION_REPEATS_TITLE" not in codes(
                validate_claim(proposed, SOURCE, BELIEFS)
            ), path.name
            checked += 1
    assert checked >= 50


@pytest.mark.parametrize("label", SOURCE_LABELS + MORE_LABELS)
def test_labels_and_questions_are_rejected(label: str) -> None:
    assert proposition_problem(label)


@pytest.mark.parametrize("title", MORE_PROPOSITIONS)
def test_model_style_propositions_pass(title: str) -> None:
    assert proposition_problem(title) is None
