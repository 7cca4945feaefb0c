"""The offline answer answers: spans without markup, the kind of question, figures, reasons, the
other side, beliefs named by their words; on a workspace built through the real pipeline with the
offline model and the hashing embedder, and on hand-made spans."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import store.query_embedder
from agent.ask.asker import Asker
from agent.ask.compose import Candidate, Composer, compose
from agent.ask.intent import read_question, resolve_beliefs
from agent.ask.matching import amount_key, amounts, stem
from agent.ask.spans import source_spans
from agent.ask.titles import readable_title
from agent.config import resolve_settings
from agent.extract.pipeline import ProcessOptions, process
from agent.text.normalize import quote_in_text
from tests.conftest import require_corpus
from tests.doubles import HashingEmbedder

BATTERY = """---
type: source
title: "Grid Battery Storage Survey"
url: https://example.org/batteries
date: 2025-06-00
domain: ai-alignment
format: report
status: unprocessed
---

## Content

Utility-scale battery packs cost **$115/kWh** on average in 2025, according to the survey.

| Segment | Price | Note |
|---|---|---|
| Utility-scale packs | $115/kWh | survey median |
| Home batteries | $390/kWh | installed price |

A second estimate puts utility-scale battery packs at $139/kWh for 2025.

## Agent Notes
**Why this matters:** Cheaper storage lets grids absorb more solar power at night.
**KB connections:**
- [[storage makes solar dispatchable]] - direct evidence

## Curator Notes
PRIMARY CONNECTION: [[storage makes solar dispatchable]]
WHY ARCHIVED: price trend evidence for the storage claim
EXTRACTION HINT: extract the price decline as a claim about grid storage

## Key Facts
- Utility-scale battery packs cost $115/kWh in 2025
"""

FERRY = """---
type: source
title: "Harbour Ferry Suspension"
url: https://example.org/ferry
date: 2026-03-02
domain: ai-alignment
format: news
status: unprocessed
---

## Content

The harbour ferry service was suspended for three weeks in March.
The operator halted sailings because the engineers' union walked out over unpaid overtime.
Passengers switched to the coastal buses, which ran full every morning.

**Key factors named by the operator:**
- Unpaid overtime for engineers
- Two retired vessels never replaced
"""

REEF = """Skip to content
Menu
Coral Reef Bleaching Survey 2024 | Ocean Watch

Surveyors found bleaching on 60% of the reefs they visited in 2024.
Warmer water for a third summer in a row drove the bleaching, the divers reported.
"""

REGISTER = {
    "agent": "tester",
    "beliefs": [
        {
            "id": "B1",
            "statement": "Cheap battery storage makes renewable grids reliable at night.",
            "prior": 0.7,
            "level": "axiom",
            "disconfirmation": "Grids with large battery fleets still failing on windless nights, "
            "or storage prices rising again.",
        },
        {
            "id": "B2",
            "statement": "Public transport strikes mostly come from unpaid overtime disputes.",
            "prior": 0.5,
            "level": "hypothesis",
            "disconfirmation": "Strikes driven by pay rates or safety rather than overtime.",
        },
    ],
}


@pytest.fixture
def answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder) -> Asker:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "battery-survey.md").write_text(BATTERY)
    (archive / "ferry-suspension.md").write_text(FERRY)
    (archive / "reef-page.txt").write_text(REEF)
    register = tmp_path / "register.yaml"
    register.write_text(yaml.safe_dump(REGISTER))
    monkeypatch.setenv("TRACKER_BELIEFS", str(register))
    monkeypatch.setattr(store.query_embedder, "NumpyMiniLM", HashingEmbedder)
    report = process(resolve_settings(), ProcessOptions(archives=[archive], write_back=False))
    assert report.failed == [] and report.processed == 3
    return Asker(resolve_settings(), embedder=HashingEmbedder())


def texts(archive_text: str) -> list[str]:
    return [s.display for s in source_spans("x", archive_text)]


# -- spans ------------------------------------------------------------------------------------


def test_spans_drop_markup_handoff_and_wiki_links_and_stay_verbatim() -> None:
    spans = source_spans("battery", "Grid Battery Storage Survey\n" + BATTERY.split("---\n", 2)[2])
    quotes = [s.quote for s in spans]
    assert (
        "Utility-scale battery packs cost $115/kWh on average in 2025, according to the survey."
        in quotes
    )
    assert "Cheaper storage lets grids absorb more solar power at night." in quotes  # label gone
    assert not any("[[" in q or "PRIMARY CONNECTION" in q or "WHY ARCHIVED" in q for q in quotes)
    assert not any("**" in q or q.startswith(("-", "#", "|")) for q in quotes)
    notes = next(s for s in spans if s.quote.startswith("Cheaper storage"))
    assert notes.section == "notes"
    full = "Grid Battery Storage Survey\n" + BATTERY
    assert all(quote_in_text(s.quote, full) for s in spans)


def test_a_table_row_reads_with_its_header_and_is_quoted_verbatim() -> None:
    spans = source_spans("battery", "T\n" + BATTERY.split("---\n", 2)[2])
    row = next(s for s in spans if s.table and s.cells[0] == "Home batteries")
    assert row.display == "Home batteries: Price $390/kWh, Note installed price"
    assert row.row == "Home batteries | $390/kWh | installed price"
    assert quote_in_text(row.row, BATTERY)


def test_a_list_is_one_span_with_its_lead_in() -> None:
    spans = source_spans("ferry", "T\n" + FERRY.split("---\n", 2)[2])
    listed = next(s for s in spans if s.display.startswith("Key factors named"))
    assert listed.display == (
        "Key factors named by the operator: Unpaid overtime for engineers; "
        "Two retired vessels never replaced"
    )
    assert quote_in_text(listed.quote, FERRY)


def test_a_flattened_line_is_cut_at_its_inline_structure() -> None:
    flat = (
        "T\n--- type: source --- ## Content **What works:** - Probes found the feature in "
        "every layer they tried. - Steering removed the behaviour without retraining. "
        "**KB connections:** - [[some claim]] - it fits " + "padding words " * 30
    )
    shown = texts(flat)
    assert "Probes found the feature in every layer they tried." in shown
    assert "Steering removed the behaviour without retraining." in shown
    assert "What works: Probes found the feature in every layer they tried; Steering " in " ".join(
        shown
    )
    assert not any("[[" in t or "**" in t or "---" in t for t in shown)


def test_every_span_of_the_shared_corpora_is_grounded_in_its_file() -> None:
    root = require_corpus().parent
    from store.archive import read_source

    checked = 0
    for corpus in ("teleo-ai-alignment", "teleo-collective"):
        for path in sorted((root / corpus / "sources").iterdir()):
            source = read_source(path, path.stem)
            text = f"{source.title}\n{source.body}"
            for span in source_spans(path.stem, text):
                assert quote_in_text(span.quote, text), (path.name, span.quote)
                assert "[[" not in span.quote and "**" not in span.quote
                checked += 1
    assert checked > 2000


def test_page_chrome_is_not_a_title() -> None:
    assert readable_title("Skip to content", REEF, "reef-page") == (
        "Coral Reef Bleaching Survey 2024 | Ocean Watch"
    )
    assert readable_title("A real title", REEF, "x") == "A real title"
    assert readable_title("Menu", "Back\nMenu\n", "reef-page") == "reef page"


# -- reading the question -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind", "kinds"),
    [
        ("How much is spent on interpretability research each year?", "quantity", ("money",)),
        ("What share of patients stop within a year?", "quantity", ("percent",)),
        ("When will the fund run dry?", "quantity", ("year",)),
        ("How many votes were cast, and when?", "quantity", ("count", "percent", "multiple",
                                                             "money")),
        ("Why did Anthropic roll back its RSP?", "reason", None),
        ("Which sources challenge the view that alignment is a coordination problem?",
         "against", None),
        ("What supports B3?", "for", None),
        ("What did the survey find when divers went out?", "general", None),
    ],
)  # fmt: skip
def test_questions_are_read_for_the_answer_they_want(question, kind, kinds) -> None:
    intent = read_question(question)
    assert (intent.kind, intent.amount_kinds) == (kind, kinds)


def test_a_compound_question_has_parts() -> None:
    intent = read_question("How many people joined, and how many votes did they cast?")
    assert len(intent.parts) == 2 and stem("votes") in intent.parts[1]


def test_beliefs_are_named_by_id_by_their_words_or_not_at_all() -> None:
    beliefs = [(b["id"], b["statement"]) for b in REGISTER["beliefs"]]
    assert resolve_beliefs("What is the evidence against B2?", beliefs) == ["B2"]
    assert resolve_beliefs("rio/B2 and B1?", [("rio/B2", "x"), ("B1", "y")]) == ["rio/B2", "B1"]
    words = "How confident are we that cheap battery storage makes grids reliable at night?"
    assert resolve_beliefs(words, beliefs) == ["B1"]
    assert resolve_beliefs("How much did battery packs cost in 2025?", beliefs) == []
    # the topic: only with a view cue, and only by a clear margin
    assert resolve_beliefs("How sure are we about it?", beliefs, lambda: [0.8, 0.3]) == ["B1"]
    assert resolve_beliefs("How sure are we about it?", beliefs, lambda: [0.8, 0.79]) == []
    assert resolve_beliefs("What happened to it?", beliefs, lambda: [0.9, 0.1]) == []


def test_amounts_are_typed_and_names_with_digits_are_not_amounts() -> None:
    found = amounts("GPT-4 and Claude 3.5 saw $75-150M a year, 70.4% to 42%, 17.2x, 1,127 votes")
    assert found == [
        ("money", "$75-150M a year"),
        ("percent", "70.4%"),
        ("percent", "42%"),
        ("multiple", "17.2x"),
        ("count", "1,127"),
    ]
    assert amount_key("$10-100 million") == amount_key("$10 - 100 million")
    assert stem("coordination") == stem("coordinating") and stem("spent") == stem("investment")


# -- composing ------------------------------------------------------------------------------


def test_a_figure_question_reports_every_figure_and_says_they_differ(answered: Asker) -> None:
    answer = answered.ask("How much did utility-scale battery packs cost in 2025?")
    assert answer.kind == "quantity"
    assert "$115/kWh" in answer.answer and "$139/kWh" in answer.answer
    assert "different figures" in answer.answer
    assert all(quote_in_text(c.quote, BATTERY) for c in answer.citations)
    assert answer.points and all(p["citations"] for p in answer.points)


def test_a_why_question_gets_the_event_and_the_reason(answered: Asker) -> None:
    answer = answered.ask("Why was the harbour ferry service suspended?")
    assert answer.kind == "reason"
    assert "ferry service was suspended" in answer.answer
    assert "union walked out over unpaid overtime" in answer.answer
    assert answer.answer.index("suspended") < answer.answer.index("reasons given")


def test_a_question_naming_a_belief_by_its_words_leads_with_its_standing(answered: Asker) -> None:
    question = "How confident are we that cheap battery storage makes grids reliable at night?"
    answer = answered.ask(question)
    assert answer.answer.startswith("B1 (Cheap battery storage")
    assert "credence 0." in answer.answer and "the register holds it as axiom" in answer.answer
    assert answer.beliefs[0]["id"] == "B1"
    assert {"level", "register_level"} <= set(answer.beliefs[0])


def test_quotes_carry_no_curation_labels_and_titles_no_page_chrome(answered: Asker) -> None:
    for question in ("Why does cheaper storage matter?", "What did surveyors find on reefs?"):
        for c in answered.ask(question).citations:
            assert not any(x in c.quote for x in ("**", "[[", "PRIMARY CONNECTION", "WHY ARCHIVED"))
            assert c.title != "Skip to content"
    reef = answered.ask("What did surveyors find on the reefs in 2024?")
    assert reef.citations[0].title == "Coral Reef Bleaching Survey 2024 | Ocean Watch"


def test_nothing_relevant_says_so() -> None:
    intent = read_question("Who won the chess final?")
    composed = compose(intent, [], [], lambda s, q: True, lambda s: s, 5)
    assert composed.text == "The archive holds nothing that answers this question."


def test_a_citation_that_fails_its_check_is_not_numbered() -> None:
    spans = source_spans("s", "T\nThe chess final was won by a junior player in round nine.\n")
    intent = read_question("Who won the chess final?")
    composer = Composer(intent, [Candidate(spans[0], 0)], lambda s, q: False, str, 5)
    assert composer.cite("s", spans[0].quote) is None and composer.cited == []
