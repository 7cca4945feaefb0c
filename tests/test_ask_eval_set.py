"""The `tracker ask` evaluation set (bench/ask_questions.yaml) is well-formed and honest.

bench/ask_bench.py measures recall against this file, so a typo in a source id or a question that
quotes its source word for word would silently inflate or deflate the numbers. These checks keep
the set usable: enough questions, known kinds, every expected source exists in the shared corpus,
belief questions name registered beliefs, and no question copies a run of its sources' words.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.text.normalize import normalize_for_match
from store.archive import read_text
from tests.conftest import require_corpus

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "bench" / "ask_questions.yaml"
DEFAULT_REGISTER = ROOT / "beliefs" / "default_register.yaml"
KINDS = {"factual", "paraphrase", "belief"}
SOURCE_SUFFIXES = (".md", ".markdown", ".txt")
COPY_RUN_WORDS = 7
"""A question sharing this many consecutive words with an answer source copies it."""

BELIEF_ID_RE = re.compile(r"\bB\d+\b")


def _questions() -> list[dict[str, Any]]:
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("questions"), list)
    return data["questions"]


def _source_files(corpus: Path) -> dict[str, Path]:
    sources = corpus / "sources"
    return {p.stem: p for p in sources.iterdir() if p.suffix in SOURCE_SUFFIXES}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalize_for_match(text).lower())


def _runs(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_entries_have_the_expected_shape() -> None:
    questions = _questions()
    assert len(questions) >= 25
    for entry in questions:
        assert set(entry) <= {"id", "kind", "question", "answers", "note"}, entry
        assert isinstance(entry["id"], str) and entry["id"], entry
        assert entry["kind"] in KINDS, entry
        assert isinstance(entry["question"], str) and entry["question"].strip().endswith("?")
        answers = entry["answers"]
        assert isinstance(answers, list) and answers, entry["id"]
        assert len(set(answers)) == len(answers), f"{entry['id']} lists a source twice"


def test_ids_and_questions_are_unique() -> None:
    questions = _questions()
    ids = Counter(entry["id"] for entry in questions)
    texts = Counter(entry["question"].strip().lower() for entry in questions)
    assert [i for i, n in ids.items() if n > 1] == []
    assert [q for q, n in texts.items() if n > 1] == []


def test_the_set_mixes_kinds() -> None:
    kinds = Counter(entry["kind"] for entry in _questions())
    assert 3 <= kinds["belief"] <= 5
    assert kinds["paraphrase"] >= 10
    assert kinds["factual"] >= 10


def test_belief_questions_name_registered_beliefs() -> None:
    register = yaml.safe_load(DEFAULT_REGISTER.read_text(encoding="utf-8"))
    known = {belief["id"] for belief in register["beliefs"]}
    for entry in _questions():
        named = set(BELIEF_ID_RE.findall(entry["question"]))
        if entry["kind"] == "belief":
            assert named and named <= known, entry["id"]
        else:
            assert not named, f"{entry['id']} names a belief but is not a belief question"


def test_every_expected_source_exists_in_the_corpus() -> None:
    files = _source_files(require_corpus())
    missing = [
        (entry["id"], source)
        for entry in _questions()
        for source in entry["answers"]
        if source not in files
    ]
    assert missing == []


@pytest.mark.parametrize("entry", _questions(), ids=lambda e: e["id"])
def test_question_does_not_copy_its_sources(entry: dict[str, Any]) -> None:
    files = _source_files(require_corpus())
    question_runs = _runs(_words(entry["question"]), COPY_RUN_WORDS)
    for source in entry["answers"]:
        shared = question_runs & _runs(_words(read_text(files[source])), COPY_RUN_WORDS)
        assert not shared, f"{entry['id']} copies {source}: {' '.join(sorted(shared)[0])}"


def test_copy_check_detects_a_copied_question() -> None:
    """The copy check above must be able to fail: a sentence lifted from a source is caught."""
    files = _source_files(require_corpus())
    text = read_text(files["2025-09-00-gaikwad-murphys-laws-alignment"])
    lifted = "Why is it that the gap always wins unless you actively route around misspecification?"
    assert _runs(_words(lifted), COPY_RUN_WORDS) & _runs(_words(text), COPY_RUN_WORDS)
