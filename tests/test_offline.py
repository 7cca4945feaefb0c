"""The offline model: contract shape, verbatim quotes, propositions, determinism, stances.

Most tests use the hashing embedder (fast, no torch); the `slow` ones use the real MiniLM on corpus
files, because stance decisions only mean something with a real sentence embedding.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.extract.reply import parse_reply
from agent.extract.validate import CONFIDENCES, STANCES, validate_claim
from agent.llm.offline import OfflineChatModel
from agent.llm.offline_proposer import (
    ProposerSettings,
    candidates,
    clean_title,
    confidence_of,
    propose,
    split_sentences,
    title_problem,
)
from agent.llm.offline_stance import (
    BeliefText,
    Judgement,
    StanceSettings,
    clauses_of,
    direction,
    hubness,
    links_for,
    polarity_of,
    restated_target,
    restates,
    settle_source,
)
from agent.llm.prompt_blocks import BeliefView, beliefs_block, source_block
from agent.text.normalize import quote_in_text
from agent.text.proposition import proposition_problem
from tests.conftest import require_corpus
from tests.doubles import HashingEmbedder

BELIEFS = [
    BeliefView(
        "B1",
        "AI alignment is the most important unsolved problem and is neglected",
        "Safety spending reaches parity with capability spending",
    ),
    BeliefView(
        "B4",
        "Verifying AI outputs gets harder faster than AI capability grows",
        "Oversight methods scale with capability, such as machine-checked verification",
    ),
    BeliefView(
        "B5",
        "A collective path to superintelligence best preserves human agency",
        "Monolithic systems preserve agency just as well",
    ),
]

MARKDOWN = """---
type: source
title: "A study of oversight"
claims_extracted:
  - "this curated claim must never be copied by the model"
---

# A study of oversight

## Summary

Researchers tested debate as a scalable oversight method across growing capability gaps, e.g.
with judges that were far weaker than the debaters (Smith et al., 2025). Debate achieved only
51.7% accuracy at moderate gaps.

## Key Findings

- **Oversight collapse**: Human judges cannot verify answers from much stronger models because
  the verification cost grows faster than the generation cost.
- **Scaling**: Accuracy fell from 70.4% to 51.7% as the gap widened, which means oversight degrades
  when it matters most.
- Short one.

**The core result**: No tested oversight method can simultaneously achieve:
1. **Accuracy** across every domain
2. **Efficiency** at frontier scale
3. **Robustness** to deceptive debaters

Why does this happen?

```python
print("code is never a claim because it is code and shows nothing")
```

| table | cells are not claims because tables are data |
|---|---|

## Agent Notes
**Why this matters:** This is direct evidence that verification fails to keep pace with capability.
However, the study only covered question answering, so the result may not generalise.

## References
- [Paper](https://example.org/paper)
"""

PLAIN = (
    "Oversight of frontier models\n"
    "Independent auditors reviewed twelve deployed systems last year and found that most "
    "evaluations missed failures that appeared after deployment.\n"
    "The auditors argue that evaluation budgets grow far more slowly than model capability, "
    "which means testing covers a shrinking share of behaviour.\n"
    "Several labs disputed the findings.\n"
)


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _run(text: str, title: str = "A study of oversight", **kwargs) -> dict:
    return propose(title, text, BELIEFS, HashingEmbedder(), ProposerSettings(**kwargs))


def test_output_has_the_contract_shape() -> None:
    result = _run(MARKDOWN)
    assert set(result) == {"claims", "notes"} and isinstance(result["notes"], str)
    assert 1 <= len(result["claims"]) <= ProposerSettings().max_claims
    for claim in result["claims"]:
        assert set(claim) == {"title", "description", "confidence", "domain", "evidence", "beliefs"}
        assert claim["confidence"] in CONFIDENCES
        assert claim["domain"] == "ai-alignment"
        assert claim["evidence"] and all(set(e) == {"quote"} for e in claim["evidence"])
        for link in claim["beliefs"]:
            assert set(link) == {"id", "stance", "rationale"}
            assert link["id"] in {b.id for b in BELIEFS} and link["stance"] in STANCES
            assert link["rationale"]


def test_every_claim_passes_the_validator() -> None:
    for text in (MARKDOWN, PLAIN):
        for claim in _run(text)["claims"]:
            verdict = validate_claim(claim, text, [b.id for b in BELIEFS])
            assert verdict.accepted, verdict.reasons


def test_quotes_are_verbatim_spans_of_the_text() -> None:
    for claim in _run(MARKDOWN)["claims"]:
        for evidence in claim["evidence"]:
            assert _normalise(evidence["quote"]) in _normalise(MARKDOWN)
            assert quote_in_text(evidence["quote"], MARKDOWN)


def test_titles_are_propositions_without_markdown() -> None:
    for claim in _run(MARKDOWN)["claims"]:
        title = claim["title"]
        assert proposition_problem(title) is None, title
        assert not any(mark in title for mark in ("**", "`", "[", "#", "|"))
        assert not title.endswith((".", "?", ":")) and len(title.split()) >= 5
        assert claim["description"] != title and title not in claim["description"]


def test_frontmatter_never_leaks_into_claims() -> None:
    for claim in _run(MARKDOWN)["claims"]:
        assert "curated claim" not in json.dumps(claim)


def test_skipped_material_is_not_proposed() -> None:
    titles = " ".join(c.title for c in candidates(MARKDOWN, ProposerSettings()))
    assert "print(" not in titles and "tables are data" not in titles
    assert "Why does this happen" not in titles and "Short one" not in titles


def test_deterministic_across_runs_and_embedder_instances() -> None:
    first = json.dumps(_run(MARKDOWN), sort_keys=True)
    second = json.dumps(_run(MARKDOWN), sort_keys=True)
    assert first == second


def test_plain_text_without_markdown_gets_claims() -> None:
    result = _run(PLAIN, title="Oversight of frontier models")
    assert result["claims"]
    for claim in result["claims"]:
        assert quote_in_text(claim["evidence"][0]["quote"], PLAIN)


@pytest.mark.parametrize("text", ["", "   \n", "Too short.", "# Only a heading\n", "Why?"])
def test_empty_or_short_text_gives_no_claims_and_a_note(text: str) -> None:
    result = _run(text)
    assert result["claims"] == [] and result["notes"]


def test_domain_comes_from_the_text_frontmatter_else_the_default() -> None:
    text = "---\ntitle: x\ndomain: health\n---\n" + PLAIN
    assert {c["domain"] for c in _run(text)["claims"]} == {"health"}
    body_only = PLAIN + "\n---\ndomain: finance is mentioned after a rule in the body.\n"
    assert {c["domain"] for c in _run(body_only)["claims"]} == {"ai-alignment"}


def test_no_beliefs_still_works() -> None:
    result = propose("t", MARKDOWN, [], HashingEmbedder())
    assert result["claims"] and all(c["beliefs"] == [] for c in result["claims"])


def test_sentence_splitting_keeps_abbreviations_and_decimals() -> None:
    quotes = [s.quote for s in split_sentences(MARKDOWN)]
    assert any(
        q.startswith("Researchers tested debate") and "(Smith et al., 2025)" in q for q in quotes
    )
    assert any("70.4% to 51.7%" in q for q in quotes)


def test_bold_label_is_outside_the_quote_and_names_the_point() -> None:
    labelled = [s for s in split_sentences(MARKDOWN) if s.label == "Oversight collapse"]
    assert labelled and labelled[0].quote.startswith("Human judges cannot verify")
    titles = [c.title for c in candidates(MARKDOWN, ProposerSettings())]
    assert any(
        t.startswith("Human judges cannot verify") and t.endswith("— Oversight collapse")
        for t in titles
    )


def test_lead_in_is_completed_by_its_list_items() -> None:
    titles = [c.title for c in candidates(MARKDOWN, ProposerSettings())]
    assert (
        "No tested oversight method can simultaneously achieve accuracy across every domain, "
        "efficiency at frontier scale, and robustness to deceptive debaters"
    ) in titles


def test_clean_title_strips_markdown_citations_and_period() -> None:
    assert clean_title("**Bold** claim with [[a link]] and `code` (Smith et al., 2024).") == (
        "Bold claim with a link and code"
    )
    assert title_problem("Key Findings") is not None
    assert title_problem("Debate achieved only half accuracy at moderate gaps") is None


def test_confidence_follows_wording() -> None:
    assert confidence_of("Accuracy fell from 70% to 52% in the trial.") == "likely"
    assert confidence_of("This might mean oversight is hopeless.") == "speculative"
    assert confidence_of("The results suggest a trend.") == "experimental"
    assert confidence_of("The theorem was formally verified in Lean.") == "proven"


def test_direction_needs_a_signal_aimed_at_the_belief() -> None:
    negative = BeliefText("B4", "Verifying AI outputs gets harder faster than capability grows")
    positive = BeliefText("B5", "Collective intelligence preserves human agency")

    def stance(claim: str, belief: BeliefText, restated: bool = True) -> str:
        return direction(claim, belief, restated).stance

    # restated with the same negative: supports; the negative turned: challenges
    assert stance("Human reviewers cannot keep verifying outputs of stronger models", negative) == (
        "supports"
    )
    assert stance("Collective systems do not preserve agency in practice", positive) == (
        "challenges"
    )
    assert stance("Collective intelligence helps, but only in small groups", positive) == (
        "complicates"
    )
    # a bare "but" is aimed at nothing of the belief's
    assert stance("Collective intelligence helps, but it was costly to study", positive) == (
        "supports"
    )
    assert stance("Collective intelligence helps people decide", positive) == "supports"
    # about the topic but not a restatement of the belief's claim: related, never a guess
    assert stance("Collective intelligence was studied in 2010", positive, False) == "related"
    # an explicit turn still counts when the claim is only about the topic
    assert stance("Such systems do not preserve agency", positive, False) == "challenges"
    # signals both ways: related
    assert stance("Collective systems do not preserve agency, yet they never fail", positive) == (
        "related"
    )


def test_a_restatement_is_near_the_belief_and_in_its_words() -> None:
    """Nearness alone is topic: a claim that shares no content word with the belief's statement
    or paragraph is not a restatement, so with no signal it is related, never support."""
    belief = BeliefText(
        "B5",
        "Building AI as a collective superintelligence is the path that preserves human agency",
        "Many minds, human and machine, keep choices plural and errors correctable.",
    )
    rule = StanceSettings()
    wordless = "The emerging field of diverse intelligence studies cellular decision-making"
    assert not restates(wordless, belief, 0.45, rule)
    assert direction(wordless, belief, restates(wordless, belief, 0.45, rule)).stance == "related"
    # a word of the statement, or of its paragraph, anchors it
    assert restates("Collective systems of people and models decide better", belief, 0.45, rule)
    assert restates("Errors stay correctable when many take part", belief, 0.45, rule)
    # in its words but not near it: not a restatement either
    assert not restates("Collective bargaining raised wages", belief, 0.2, rule)


def test_a_ranking_read_against_the_belief_s_own() -> None:
    belief = BeliefText("B1", "Markets beat votes for information aggregation")
    assert polarity_of(belief.statement).winners == {"market"}
    assert polarity_of(belief.statement).losers == {"votes"}
    claim = "Aggregated expert surveys outperformed real-money prediction markets on policy"
    assert direction(claim, belief, True).stance == "challenges"
    assert direction("Prediction markets outperformed polls of members", belief, True).stance == (
        "supports"
    )
    # negated, it ranks nothing; worse-than ranks the other way
    negated = "Expert surveys did not outperform prediction markets on policy"
    assert "ranking" not in direction(negated, belief, True).cue
    assert direction("Votes did worse than markets at forecasting", belief, True).stance == (
        "supports"
    )
    # a degree word and "than" with words between rank too
    claim = "Deliberative panels produce better judgments on public questions than markets do"
    assert direction(claim, belief, True).stance == "challenges"
    # a belief that ranks nothing is not re-ranked by a claim's comparison
    plain = BeliefText("B5", "Legacy financial intermediation is the rent-extraction incumbent")
    claim = "Financial intermediaries deliver more value per dollar of fees than newcomers"
    assert "ranking" not in direction(claim, plain, True).cue
    # a contrast belief ranks what it asserts over what it denies
    contrast = BeliefText("B3", "Alignment must be continuous, not a specification problem")
    claim = "Assistants under a fixed written specification outperformed continuously tuned ones"
    assert direction(claim, contrast, True).stance == "challenges"


def test_what_the_belief_ranks_last_said_as_the_case_disputes_it() -> None:
    belief = BeliefText("B3", "Alignment must be continuous, not a specification problem")
    assert polarity_of(belief.statement).rival == "specif"
    claim = "A fixed specification done well is the approach that can actually be implemented"
    assert direction(claim, belief, True).stance == "challenges"
    # going badly, it agrees or says nothing against; negated, it is not asserted
    assert direction(
        "The specification trap makes encoded values unstable", belief, True
    ).stance != ("challenges")
    assert direction("No specification survives contact with users", belief, True).stance != (
        "challenges"
    )
    # mentioned after what the belief ranks first, it is not the claim's subject
    claim = "Continuous alignment beats a fixed specification written once"
    assert direction(claim, belief, True).stance == "supports"


def test_having_what_a_less_word_does_without_disputes_it() -> None:
    belief = BeliefText("B3", "Futarchy solves trustless joint ownership")
    assert polarity_of(belief.statement).privatives == {"trust"}
    claim = "Futarchy treasuries still rely on trusted multisig signers and legal wrappers"
    assert direction(claim, belief, True).stance == "challenges"
    claim = "With a price as the safeguard, co-owners need no contract or trust in each other"
    assert direction(claim, belief, True).stance == "supports"
    assert direction("Trustless joint ownership works in futarchy", belief, True).stance == (
        "supports"
    )


def test_words_of_harm_are_words_of_going_badly() -> None:
    belief = BeliefText("B4", "Market volatility is a feature, not a bug")
    claim = "Most market volatility is destructive noise that harms savers"
    assert direction(claim, belief, True).stance == "challenges"
    # harmless is no harm
    assert direction("Market volatility is mostly harmless", belief, True).stance == "supports"


def test_the_claim_that_it_fails_is_a_refutation() -> None:
    belief = BeliefText(
        "B6", "Decentralized mechanism design creates regulatory defensibility, not evasion"
    )
    claim = "Against that record, the claim that market-driven decisions remove the promoter fails"
    assert direction(claim, belief, True).stance == "challenges"
    agency = BeliefText("B5", "Collective superintelligence is the path that preserves agency")
    claim = "Networking many AI systems is a mistaken route to preserving human agency"
    assert direction(claim, agency, True).stance == "challenges"


def test_restating_a_clause_of_the_disconfirmation_target_challenges() -> None:
    """The register names what would weaken the belief; a claim that says it, in the target's
    own words and unturned, challenges. Nearness through the belief's own topic does not."""
    embedder = HashingEmbedder()
    belief = BeliefText(
        "B1",
        "AI alignment is the greatest outstanding problem for humanity",
        disconfirmation="If safety spending approaches parity with capability spending at major"
        " labs, or if governance mechanisms keep pace with capability advances, this weakens.",
    )
    clauses = belief.target_clauses()
    assert clauses[:2] == [
        "safety spending approaches parity with capability spending at major labs",
        "governance mechanisms keep pace with capability advances",
    ]
    vectors = embedder.embed(clauses)
    rule = StanceSettings()

    def target(claim: str) -> str | None:
        parts = [claim, *clauses_of(claim)]
        return restated_target(parts, embedder.embed(parts), belief, vectors, rule)

    said = "Safety spending approaches parity with capability spending at major labs, so it is fine"
    assert target(said) == clauses[0]
    assert direction(said, belief, True, target(said)).stance == "challenges"
    # the same clause turned around is not a restatement of it
    assert target("Safety spending never approaches parity with capability spending") is None
    # near only through words the statement itself has: about the belief, not against it
    assert target("AI alignment is the greatest outstanding problem for humanity") is None
    # an explicit agreement and a restated target at once: related
    both = direction("It is not just a matter of safety spending", belief, True, clauses[0])
    assert both.stance in ("related", "challenges")
    agrees = BeliefText("B2", "Alignment is a coordination problem, not a technical problem")
    mixed = direction("Alignment is not a technical problem", agrees, True, "labs coordinate")
    assert mixed.stance == "related" and "restates what would weaken it" in mixed.cue


def test_saying_what_the_belief_denies_disputes_it() -> None:
    belief = BeliefText("B2", "Alignment is a coordination problem, not a technical problem")
    assert polarity_of(belief.statement).denied == frozenset({"techni"})
    assert "proble" in polarity_of(belief.statement).asserted
    claim = "The evidence says alignment is mainly a technical engineering problem"
    assert direction(claim, belief, True).stance == "challenges"
    assert direction("Alignment is not a technical problem at all", belief, True).stance == (
        "supports"
    )
    # the belief's own wording, restated, is no dispute
    restated = "AI alignment is a coordination problem not a technical problem"
    assert direction(restated, belief, True).stance == "supports"
    # a word of going badly on the denied term agrees
    assert direction("Technical fixes fail once labs race", belief, True).stance == "supports"


def test_words_of_refutation_dispute() -> None:
    belief = BeliefText("B1", "Markets beat votes for information aggregation")
    claim = "A poll of members produced better calls than the market, the opposite of the belief"
    assert direction(claim, belief, True).stance == "challenges"
    assert direction("This does not contradict that markets beat votes", belief, True).stance == (
        "supports"
    )
    assert direction("Thin markets carry less information than votes", belief, True).stance == (
        "challenges"
    )
    assert direction("Markets beat votes a little more each year", belief, True).stance == (
        "supports"
    )


def test_a_negator_turns_what_follows_it() -> None:
    """Two misreadings of the held-out notes: "rather" denied the *preceding* "bug", and a
    negated going-badly on a negative belief read as the belief's own badness."""
    feature = BeliefText("B4", "Market volatility is a feature, not a bug")
    claim = "Market volatility is a bug rather than a feature, since swings carry little signal"
    assert direction(claim, feature, True).stance == "challenges"
    negative = BeliefText("B4", "Verification degrades faster than capability grows")
    trend = "The overall trend does not show verification losing ground to capability"
    assert direction(trend, negative, True).stance == "challenges"
    assert direction("Reviewers cannot keep verifying the outputs", negative, True).stance == (
        "supports"
    )


def test_a_source_that_disputes_is_not_read_as_support() -> None:
    bare = Judgement("supports", "restates the belief with no turn against it", False)
    dispute = Judgement("challenges", "'not ... preserve' turns the belief's claim", True)
    settled = settle_source([bare, dispute])
    assert [j.stance for j in settled] == ["related", "challenges"]
    # an explicit agreement in the same source keeps the restatement
    agree = Judgement("supports", "agrees ('not' on what the belief denies)", True)
    assert [j.stance for j in settle_source([bare, dispute, agree])] == [
        "supports",
        "challenges",
        "supports",
    ]
    assert settle_source([bare]) == [bare]


def test_hubness_is_read_from_the_register_alone() -> None:
    beliefs = [BeliefText("B1", "broad"), BeliefText("B2", "narrow"), BeliefText("B3", "other")]
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]])
    hub = hubness(beliefs, vectors, k=1)
    # B2 sits between the others, so it is the hub; B1 and B3 are nearest to B2 only
    assert hub[1] == pytest.approx(0.96) and hub[0] == pytest.approx(0.8)
    assert hub[2] == pytest.approx(0.96)
    # the margin is judged on the corrected row, the floor on the raw similarity
    settings = StanceSettings(link_floor=0.35, link_margin=0.05)
    assert links_for(np.array([0.3, 0.2]), settings, np.array([0.5, 0.6])) == [0]
    assert links_for(np.array([0.3, 0.2]), settings, np.array([0.3, 0.6])) == []


def _prompt(source_id: str, title: str, text: str) -> str:
    return (
        "Extract claims as JSON.\n"
        + source_block(title, text)
        + "\n"
        + beliefs_block(BELIEFS)
        + "\nReply with one JSON object."
    )


def test_chat_model_round_trip_is_parseable_and_byte_identical() -> None:
    model = OfflineChatModel(embedder=HashingEmbedder())
    prompt = _prompt("oversight-study", "A study of oversight", MARKDOWN)
    reply = model.invoke(prompt)
    assert model._llm_type == "tracker-offline"
    parsed = parse_reply(reply.content)
    assert parsed.claims == _run(MARKDOWN)["claims"]
    assert json.loads(reply.content.splitlines()[-1]) == parsed.raw_json
    assert model.invoke(prompt).content == reply.content


def test_chat_model_answers_a_retry_from_the_original_prompt() -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    model = OfflineChatModel(embedder=HashingEmbedder())
    prompt = _prompt("s", "A study of oversight", MARKDOWN)
    retry = [HumanMessage(prompt), AIMessage("oops"), HumanMessage("Your reply could not be used")]
    assert model.invoke(retry).content == model.invoke(prompt).content


def test_chat_model_without_blocks_returns_no_claims() -> None:
    reply = OfflineChatModel(embedder=HashingEmbedder()).invoke("hello")
    assert parse_reply(reply.content).claims == []


_MD_LINE = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=120),
    st.sampled_from(
        [
            "# Heading",
            "- **Label**: Models fail at scale because of cost.",
            "```",
            "1. First point is made here by the authors clearly.",
            "| a | b |",
            "---",
            "> Quoted line that argues something important about oversight.",
            "**Key finding:** Oversight degrades as capability grows, e.g. in debate.",
        ]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MD_LINE, max_size=25))
def test_any_text_gives_valid_output(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = _run(text)
    for claim in result["claims"]:
        assert quote_in_text(claim["evidence"][0]["quote"], text)
        assert title_problem(claim["title"]) is None
        assert validate_claim(claim, text, [b.id for b in BELIEFS]).accepted


# --- with the real model -------------------------------------------------------------------------


def _register() -> list[BeliefView]:
    path = Path(__file__).resolve().parent.parent / "beliefs" / "default_register.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        BeliefView(b["id"], b["statement"], b.get("disconfirmation", "")) for b in data["beliefs"]
    ]


@pytest.mark.slow
def test_real_model_stances_on_corpus_and_oversight_text(minilm) -> None:
    from store.archive import scan_archive

    sources = require_corpus() / "sources"
    beliefs = _register()
    oversight = (
        "# Debate under capability gaps\n\nHuman oversight fails as models grow more "
        "capable: checking their answers becomes much harder than producing them, and "
        "judges fall to chance accuracy at large capability gaps.\n"
    )
    result = propose("Debate under capability gaps", oversight, beliefs, minilm)
    links = {b["id"]: b["stance"] for c in result["claims"] for b in c["beliefs"]}
    assert links.get("B4") == "supports", result

    wanted = {
        "2026-02-28-knuth-claudes-cycles",
        "2026-03-05-anthropic-labor-market-impacts",
        "2026-03-09-simonw-x-archive",
    }
    scanned = [s for s in scan_archive([sources]).sources if s.id in wanted]
    assert len(scanned) == 3
    for source in scanned:
        first = propose(source.title, source.body, beliefs, minilm)
        assert first == propose(source.title, source.body, beliefs, minilm)
        assert 1 <= len(first["claims"]) <= 5
        for claim in first["claims"]:
            assert validate_claim(claim, source.body, [b.id for b in beliefs]).accepted
        if source.id.startswith("2026-02-28-knuth"):
            # about verification, so it links B4; its words carry no turn on B4's claim, and
            # nearness to the disconfirmation target no longer decides a direction
            lean = [c for c in first["claims"] if "Lean formalization" in c["title"]]
            assert lean and [b["id"] for b in lean[0]["beliefs"]] == ["B4"]


def test_subjectless_summary_titles_keep_the_reported_clause() -> None:
    from agent.llm.offline_proposer import clean_title

    title = clean_title("Proves that simple voting rules fail for every scoring of agents (ours).")
    assert title == "Simple voting rules fail for every scoring of agents"
    assert clean_title("Shows the effect of scale.") == "Shows the effect of scale"


def test_one_negation_is_one_turn() -> None:
    positive = BeliefText(
        "B5", "Collective superintelligence is the most promising path for agency"
    )
    hybrid = "The collective path is neither necessary nor the most promising path for agency"
    assert direction(hybrid, positive, True).stance == "challenges"
    additive = "Collective superintelligence is not just promising, it is the path for agency"
    assert direction(additive, positive, True).stance == "supports"
    negative = BeliefText("B4", "Verification degrades faster than capability grows")
    longer = "Verification no longer degrades as capability grows"
    assert direction(longer, negative, True).stance == "challenges"


class _TopicEmbedder:
    """Vectors by topic words only: each of `topics` is one axis, everything else a shared one,
    so a text's cosine to a belief says how much of its topic vocabulary they share."""

    name = "topics"

    def __init__(self, topics: tuple[str, ...]) -> None:
        self.topics = topics

    def embed(self, texts) -> np.ndarray:
        rows = []
        for text in texts:
            words = text.lower()
            row = [float(words.count(t)) for t in self.topics] + [1.0]
            rows.append(np.asarray(row) / np.linalg.norm(row))
        return np.stack(rows)


def test_a_claim_leans_toward_what_its_source_is_about() -> None:
    """A sentence as near one belief as another links neither on its own; in a source whose
    title is about one of them, it links that one (`source_title_weight`)."""
    beliefs = [
        BeliefView("B1", "Harbor cranes decide how fast ports grow", "No crane counts."),
        BeliefView("B2", "Rail gauges decide how fast freight moves", "No gauge counts."),
    ]
    embedder = _TopicEmbedder(("crane", "gauge"))
    text = (
        "Engineers found that crane and gauge choices both shaped the schedule of every shipment."
    )

    def links(title: str, weight: float) -> list[str]:
        stance = StanceSettings(source_title_weight=weight)
        result = propose(title, text, beliefs, embedder, ProposerSettings(stance=stance))
        return [b["id"] for c in result["claims"] for b in c["beliefs"]]

    assert links("A study of crane fleets", 0.0) == []
    assert links("A study of crane fleets", 0.25) == ["B1"]
    assert links("A study of gauge widths", 0.25) == ["B2"]
