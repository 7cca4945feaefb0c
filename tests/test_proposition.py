"""The proposition check on past tenses and passives, with real sentences from the corpora.

tests/test_validate.py holds the older cases (corpus claim titles of teleo-ai-alignment, corpus
headings and bold labels, model-style titles); this file adds past-tense and passive sentences
and the curated titles of both shared corpora.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from agent.text.proposition import proposition_problem

CORPUS_ROOT = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# The curated titles that are genuinely labels (see tests/test_validate.py CORPUS_LABEL_TITLES).
LABEL_TITLES = {"persistent irreducible disagreement"}

# Falsely rejected before past tenses were read: the first is a recorded small-model claim
# title, the rest are sentences of the corpora's sources and one claim description.
ONCE_REJECTED = [
    "The companies used publicly available information plus email correspondence with developers",
    "Anthropic used mechanistic interpretability in pre-deployment safety assessment of Claude "
    "Sonnet 4.5",
    "December 2025 marked a phase transition where coding agents shifted from mostly failing to "
    "mostly working on large tasks",
    "Citizen scientist retention declined after AI deployment",
    "US obesity prevalence declined from 39.9% (2022) to 37.0% (2025)",
    "CIP/Anthropic CCAI collaboration set the precedent",
    "Dario Amodei set 2027 target to 'reliably detect most model problems'",
    "PA requirements surged from 2.8-5% of GLP-1 prescriptions (2020-2023) to nearly 100% by 2025",
    "2007-2009: unemployment doubled from 5% to 10%",
]

# Curated claim titles of both corpora (file names and claims_extracted) in the past tense.
CORPUS_PAST_TITLES = [
    "Polymarket vindicated prediction markets over polling in 2024 US election",
    "Ooki DAO proved that DAOs without legal wrappers face general partnership liability making "
    "entity structure a prerequisite for any futarchy-governed vehicle",
    "coding agents crossed usability threshold december 2025 when models achieved sustained "
    "coherence across complex multi file tasks",
    "medicare trust fund insolvency accelerated 12 years by tax policy demonstrating fiscal "
    "fragility",
    "multi-model collaboration solved problems that single models could not because different AI "
    "architectures contribute complementary capabilities",
]

# Each irregular past the check must read, and regular ones, in sentences like the sources'.
PAST_TENSES = [
    "Google DeepMind found SAEs underperformed simple linear probes on practical safety tasks",
    "Models fine-tuned on Liberal, White, and Female feedback showed improvements of 5 points",
    "Collective diversity rose under high AI exposure",
    "Enrollment fell 30% between 1999 and 2003",
    "Medicare Advantage grew from 13% to 54% of enrollment",
    "Unemployment rose among young workers in exposed occupations",
    "SpaceX took several more tries to achieve the same milestone",
    "AI made ideas different, not better",
    "The discovery led to a concrete construction as a Python program",
    "Polymarket won the forecasting contest against every major pollster",
    "Doshi and Hauser ran a large-scale pre-registered experiment",
    "Morrison built a Lean formalization that checks every step of the proof",
    "The intervention cut hospital admissions by a fifth",
    "The board set a deadline for the safety case",
    "Regulators put the burden of proof on developers",
    "Social choice theory spent 70 years developing practical mechanisms",
    "Human reviewers caught fewer errors as models improved",
    "Medicare Advantage enrollment doubled between 2010 and 2020",
    "Trust in institutions declined",
    "Job-finding rates fell by 14 percent for workers aged 22 to 25",
]

PASSIVES = [
    "The index methodology was peer-reviewed",
    "Safety commitments were abandoned under competitive pressure",
    "The policy has been weakened twice since 2023",
    "The proof was verified by the Lean kernel",
    "Several plausible fixes were proved impossible",
    "Pre-deployment evaluations have been criticised as unreliable",
]

# Labels, questions, headings and fragments (corpus headings and model-style labels).
STILL_LABELS = [
    "Interpretability progress",
    "Technical methods tested",
    "Lessons learned from community notes",
    "Methods used in the study",
    "Papers published in 2025",
    "Tools built by the community",
    "Problems solved by Claude",
    "Questions raised by the rollback",
    "Models trained on synthetic data",
    "Six interconnected domains surveyed",
    "Work done so far",
    "Budget cut details for 2025",
    "Billions spent on recovery programs without outcomes improvement",
    "More than doubled membership 2021→2022",
    "Costs reduced by the new policy",
    "Did the policy change behaviour?",
    "Why voluntary safety commitments failed",
    "Findings:",
    "What Went Wrong",
    "Lessons Learned From The Rollback",
]


@pytest.mark.parametrize("title", ONCE_REJECTED + CORPUS_PAST_TITLES + PAST_TENSES + PASSIVES)
def test_past_tense_and_passive_sentences_are_propositions(title: str) -> None:
    assert proposition_problem(title) is None


@pytest.mark.parametrize("label", STILL_LABELS)
def test_labels_questions_and_fragments_are_still_rejected(label: str) -> None:
    assert proposition_problem(label)


def test_the_reported_false_rejection() -> None:
    title = (
        "The companies used publicly available information plus email correspondence with "
        "developers"
    )
    assert proposition_problem(title) is None
    assert proposition_problem("Publicly available information plus email correspondence")


# --- the curated titles of both corpora ----------------------------------------------------------

_FRONTMATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def _as_title(name: str) -> str:
    name = name.strip().removesuffix(".md").strip()
    return name if " " in name else name.replace("-", " ")


def _frontmatter(path: Path) -> dict:
    m = _FRONTMATTER.match(path.read_text(encoding="utf-8"))
    data = yaml.load(m.group(1), Loader=yaml.BaseLoader) if m else None  # dates stay text
    return data if isinstance(data, dict) else {}


def _curated_titles(corpus: str) -> list[str]:
    root = CORPUS_ROOT / corpus
    if not root.is_dir():
        pytest.skip(f"corpus not found at {root}")
    files = [*(root / "claims").glob("*.md"), *(root / "claims").glob("*/*.md")]
    titles = [_as_title(p.stem) for p in files if not p.stem.startswith("_")]
    for source in (root / "sources").glob("*.md"):
        listed = _frontmatter(source).get("claims_extracted") or []
        titles.extend(_as_title(t) for t in listed if isinstance(t, str) and t.strip())
    return sorted(set(titles))


@pytest.mark.parametrize("corpus", ["teleo-ai-alignment", "teleo-collective"])
def test_every_curated_title_of_both_corpora_is_a_proposition(corpus: str) -> None:
    titles = _curated_titles(corpus)
    assert len(titles) >= 50
    rejected = {t: p for t in titles if t not in LABEL_TITLES and (p := proposition_problem(t))}
    assert rejected == {}
    assert all(proposition_problem(t) for t in LABEL_TITLES & set(titles))


# --- issue 17: sentences of the claim notes of both corpora, once falsely rejected ------------

CLAIM_NOTE_SENTENCES = [
    # teleo-collective (rio's claims)
    "They responded by lobbying to maintain regulatory advantages rather than competing "
    "aggressively.",
    "To address manipulation concerns, Polymarket partnered with Palantir and TWG AI to build "
    "surveillance systems detecting suspicious trading patterns.",
    "This represents an extreme case of limited participation in a futarchy-governed decision.",
    # teleo-ai-alignment
    "This inverts the assumed regulatory dynamic.",
    "Each overstated capability claim raises expectations.",
    "While 12 companies published Frontier AI Safety Frameworks in 2025, these remain voluntary "
    "commitments without binding legal requirements.",
    "Whether learned β variance generalizes as a reliable diversity diagnostic across domains and "
    "model scales has not been empirically tested.",
    "This provides a concrete inflection point for the capability-matched escalation model.",
    # the recorded Qwen2.5-Coder-1.5B reply, once its "This note argues that" frame is cut
    "The formalization of Claude's Cycles in Lean 4 correctly decomposes the arcs of the Cayley "
    "digraph on Z_m^3 into three directed Hamiltonian cycles for all odd m > 1.",
]


@pytest.mark.parametrize("sentence", CLAIM_NOTE_SENTENCES)
def test_sentences_of_the_claim_notes_are_propositions(sentence: str) -> None:
    assert proposition_problem(sentence) is None


@pytest.mark.parametrize(
    "label",
    [
        "This section",
        "These results",
        "Lean 4 formalization",
        "Whether learned variance generalizes",
        "They",
        "The raises and the cuts of 2025",
    ],
)
def test_the_new_rules_leave_labels_labels(label: str) -> None:
    assert proposition_problem(label)
