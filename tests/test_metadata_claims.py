"""METADATA_NOT_CLAIM: paths, URLs, mail headers, metadata lines and curation notes are never
claims, whichever model proposed them; ordinary sentences that merely mention a link still are."""

from __future__ import annotations

import pytest

from agent.extract.validate import validate_claim
from agent.text.metadata import metadata_problem

PATH = "~/Desktop/research/Gmail - If AI is a weapon, who holds the trigger.pdf"
SOURCE = f"Saved from {PATH}\nFrom: Alice Example <alice@example.org>\nstatus: processed\n"


@pytest.mark.parametrize(
    "title",
    [
        PATH,
        "https://example.org/2026/01/ai-weapons-and-the-trigger-question",
        "From: Alice Example <alice@example.org>",
        "Subject: Re: the alignment reading group schedule for next week",
        "status: processed by the curator on the second pass",
        "PRIMARY CONNECTION is the note on racing dynamics between labs",
        "Extraction hints point to the claims about oversight scaling",
    ],
)
def test_metadata_titles_have_a_problem(title: str) -> None:
    assert metadata_problem(title) is not None


@pytest.mark.parametrize(
    "title",
    [
        "Scalable oversight degrades rapidly as capability gaps grow between models and judges",
        "Medical care explains only 10-20 percent of health outcomes in the studied populations",
        "A shared knowledge base lets many agents coordinate without a central planner",
        "Labs that publish their evaluation code at github.com see more outside replication",
    ],
)
def test_statements_about_the_world_pass(title: str) -> None:
    assert metadata_problem(title) is None


def test_validator_rejects_a_path_with_its_own_code() -> None:
    proposed = {
        "title": PATH,
        "description": "The file the capture came from, on the curator's desktop",
        "confidence": "likely",
        "domain": "ai-alignment",
        "evidence": [{"quote": PATH}],
        "beliefs": [{"id": "B5", "stance": "supports", "rationale": ""}],
    }
    verdict = validate_claim(proposed, SOURCE, ("B5",))
    assert not verdict.accepted
    assert "METADATA_NOT_CLAIM" in [r.code for r in verdict.reasons]


def test_validator_rejects_a_claim_whose_only_evidence_is_a_mail_header() -> None:
    proposed = {
        "title": "Alice Example wrote to the reading group about the trigger question",
        "description": "Only the header of the message was captured, nothing it argued",
        "confidence": "likely",
        "domain": "ai-alignment",
        "evidence": [{"quote": "From: Alice Example <alice@example.org>"}],
        "beliefs": [],
    }
    verdict = validate_claim(proposed, SOURCE, ("B5",))
    assert [r.code for r in verdict.reasons] == ["METADATA_NOT_CLAIM"]


def test_related_is_a_valid_stance() -> None:
    proposed = {
        "title": "Scalable oversight degrades rapidly as capability gaps grow between models",
        "description": "Debate reached only half its success rate at moderate capability gaps",
        "confidence": "likely",
        "domain": "ai-alignment",
        "evidence": [{"quote": "Saved from"}],
        "beliefs": [{"id": "B5", "stance": "related", "rationale": "about it, no direction"}],
    }
    verdict = validate_claim(proposed, SOURCE + "Saved from", ("B5",))
    assert verdict.accepted and verdict.claim is not None
    assert verdict.claim.beliefs[0].stance == "related"
