"""A small workspace with known claims, rejections, stances and one level crossing, built through
the real pipeline with langchain's fake chat model, for the auditor command tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

import agent.extract.pipeline

REGISTER = """agent: tester
beliefs:
  - id: B1
    statement: "Alignment is the most important unsolved problem and is neglected."
    prior: 0.8
    level: axiom
    disconfirmation: "Safety spending reaching parity with capability spending."
  - id: B4
    statement: "Verification degrades faster than capability grows."
    prior: 0.58
    level: hypothesis
    disconfirmation: "Formal verification keeping pace with generated code."
"""

SOURCES = {
    "a-audits": (
        "paper",
        "2026-01-10",
        [
            "Automated audits flagged only a third of the deceptive behaviours seeded into models.",
            "Human reviewers needed four times longer than the models took to write the code.",
        ],
    ),
    "b-proofs": (
        "article",
        "2026-02-10",
        [
            "Formal proof checkers verified every generated lemma in the benchmark within seconds.",
        ],
    ),
    "c-budgets": (
        "tweet",
        "2026-03-10",
        [
            "Three labs spent under five percent of their compute on safety research last year.",
        ],
    ),
}


def _claim(quote: str, belief: str, stance: str, confidence: str = "proven", title: str = ""):
    return {
        "title": title or quote.rstrip("."),
        "description": "Reported by the authors from their own measurements over one year.",
        "confidence": confidence,
        "domain": "ai-alignment",
        "evidence": [{"quote": quote}],
        "beliefs": [{"id": belief, "stance": stance, "rationale": "It bears on it."}],
    }


REPLIES = [
    # a-audits: two supports of B4 (the second crosses into "belief") and an invented quote.
    {
        "claims": [
            _claim(SOURCES["a-audits"][2][0], "B4", "supports"),
            _claim(SOURCES["a-audits"][2][1], "B4", "supports"),
            _claim(
                "Audits catch everything that matters in practice.",
                "B4",
                "challenges",
                title="Audits catch everything that matters in practice",
            ),
        ]
    },
    # b-proofs: a challenge of B4 and a claim naming an unknown belief.
    {
        "claims": [
            _claim(SOURCES["b-proofs"][2][0], "B4", "challenges"),
            _claim(
                SOURCES["b-proofs"][2][0],
                "B9",
                "supports",
                title="Proof checkers now keep pace with lemma generators in the benchmark",
            ),
        ]
    },
    # c-budgets: one complication of B1.
    {"claims": [_claim(SOURCES["c-budgets"][2][0], "B1", "complicates", "likely")]},
]


def write_archive(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (fmt, date, sentences) in SOURCES.items():
        (folder / f"{name}.md").write_text(
            f'---\ntype: source\ntitle: "Source {name}"\nurl: https://example.org/{name}\n'
            f"date: {date}\ndomain: ai-alignment\nformat: {fmt}\nstatus: unprocessed\n---\n\n"
            + "\n".join(sentences)
            + "\n"
        )
    return folder


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Process the archive into the test's TRACKER_HOME; returns the archive folder."""
    register = tmp_path / "register.yaml"
    register.write_text(REGISTER)
    monkeypatch.setenv("TRACKER_BELIEFS", str(register))
    model = FakeListChatModel(responses=[json.dumps(r) for r in REPLIES])
    monkeypatch.setattr(
        agent.extract.pipeline, "make_chat_model", lambda spec, e, policy=None: model
    )
    from agent.config import resolve_settings
    from agent.extract.pipeline import ProcessOptions, process

    archive = write_archive(tmp_path / "archive")
    report = process(resolve_settings(), ProcessOptions(archives=[archive]))
    assert report.failed == [] and report.claims_accepted == 4, report
    return archive
