"""The answer evaluation set (bench/answer_questions.yaml) is well-formed and honest.

bench/answer_bench.py scores answers against it, so a fact no source states, a source id that
does not exist or a question copied from its source would make the numbers mean nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from agent.text.normalize import normalize_for_match
from tests.conftest import require_corpus

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "bench" / "answer_questions.yaml"
REGISTER = ROOT / "beliefs" / "default_register.yaml"
KINDS = {"quantity", "reason", "against", "belief", "general"}
COPY_RUN_WORDS = 7


def _questions() -> list[dict[str, Any]]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]


def _corpus_texts() -> dict[str, str]:
    root = require_corpus().parent
    texts = {}
    for corpus in ("teleo-ai-alignment", "teleo-collective"):
        for path in (root / corpus / "sources").iterdir():
            if path.suffix in (".md", ".markdown", ".txt"):
                texts[path.stem] = path.read_text(encoding="utf-8")
    return texts


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalize_for_match(text).lower())


def _found(fact: str, text: str) -> bool:
    if fact.startswith("/") and fact.endswith("/"):
        return re.search(fact[1:-1], text, re.I) is not None
    return fact.casefold() in text.casefold()


def test_the_set_has_every_kind_and_enough_questions() -> None:
    questions = _questions()
    assert len(questions) >= 20
    kinds = Counter(q["kind"] for q in questions)
    assert set(kinds) == KINDS and min(kinds.values()) >= 3
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert set(q) <= {"id", "kind", "question", "sources", "facts", "belief", "side", "note"}
        assert q["question"].strip().endswith("?")
        assert q["sources"] == "ledger" or (isinstance(q["sources"], list) and q["sources"])
        assert isinstance(q["facts"], list)
        assert q["facts"] or q.get("belief"), q["id"]  # something must be checkable


def test_sources_exist_and_facts_are_in_them() -> None:
    texts = _corpus_texts()
    for q in _questions():
        if q["sources"] == "ledger":
            continue
        for source in q["sources"]:
            assert source in texts, (q["id"], source)
        for fact in q["facts"]:
            assert any(_found(fact, texts[s]) for s in q["sources"]), (q["id"], fact)


def test_belief_questions_name_beliefs_of_the_register() -> None:
    ids = {b["id"] for b in yaml.safe_load(REGISTER.read_text())["beliefs"]}
    for q in _questions():
        if q["sources"] == "ledger" or q["kind"] == "belief":
            assert q.get("belief") in ids, q["id"]
            assert q.get("side") in ("against", "for", "any"), q["id"]


def test_no_question_copies_a_run_of_its_sources_words() -> None:
    texts = _corpus_texts()
    for q in _questions():
        words = _words(q["question"])
        runs = {
            tuple(words[i : i + COPY_RUN_WORDS]) for i in range(len(words) - COPY_RUN_WORDS + 1)
        }
        sources = texts.values() if q["sources"] == "ledger" else [texts[s] for s in q["sources"]]
        for text in sources:
            body = " ".join(_words(text))
            for run in runs:
                assert " ".join(run) not in body, (q["id"], " ".join(run))
