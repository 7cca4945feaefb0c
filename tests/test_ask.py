"""`tracker ask` on a small workspace built in the test: fusion, FTS safety, citation checking,
belief-aware questions, the offline and the model answer paths, the JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from typer.testing import CliRunner

import store.query_embedder
from agent.ask.asker import Asker
from agent.ask.retrieval import LEDGER_WEIGHT, RRF_K, fts_query, rrf, stance_filter
from agent.ask.spans import source_spans
from agent.cli import app
from agent.config import resolve_settings
from tests.auditor_workspace import build
from tests.doubles import HashingEmbedder

runner = CliRunner()


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder) -> Path:
    build(tmp_path, monkeypatch)
    monkeypatch.setattr(store.query_embedder, "NumpyMiniLM", HashingEmbedder)
    return tmp_path


def asker(model=None, llm: str | None = None) -> Asker:
    return Asker(resolve_settings(llm=llm), embedder=HashingEmbedder(), model=model)


def test_rrf_sums_reciprocal_ranks_and_weights() -> None:
    fused = rrf({"a": ["x", "y", "z"], "b": ["y", "w"]})
    scores = {item: score for item, score, _ in fused}
    assert [item for item, _, _ in fused][:2] == ["y", "x"]
    assert scores["y"] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert scores["w"] == pytest.approx(1 / (RRF_K + 2))
    weighted = rrf({"a": ["x"], "ledger": ["q"]}, {"ledger": LEDGER_WEIGHT})
    assert weighted[0][0] == "q" and weighted[0][2] == {"ledger": 1}
    tie = rrf({"a": ["m"], "b": ["k"]})
    assert [item for item, _, _ in tie] == ["k", "m"]  # equal scores: by id, deterministic


@pytest.mark.parametrize(
    "question",
    [
        'What did "Audits" find: AND NOT (reviewers*) -- NEAR/2?',
        "self-play vs. RLHF: which is better?",
        "B4's col:umn \"unbalanced",
        "^start OR end",
    ],
)
def test_free_text_never_breaks_the_fts_query(built, question: str) -> None:
    match = fts_query(question)
    assert match is not None and all(t.startswith('"') for t in match.split(" OR "))
    result = asker().ask(question)
    assert isinstance(result.answer, str)


def test_stopword_only_questions_have_no_keyword_query() -> None:
    assert fts_query("what is it?") is None


def test_a_factual_question_cites_the_answering_source_verbatim(built) -> None:
    answer = asker().ask("How much longer did human reviewers need than the models?")
    first = answer.citations[0]
    assert first.source == "a-audits" and first.n == 1
    text = (built / "archive" / "a-audits.md").read_text()
    assert first.quote in text and "[1]" in answer.answer
    assert first.title == "Source a-audits" and first.date == "2026-01-10"
    assert answer.dropped_citations == 0


def test_a_belief_question_reads_the_ledger(built) -> None:
    assert stance_filter("What is the strongest evidence against B4?") == (
        "challenges",
        "complicates",
    )
    answer = asker().ask("What is the strongest evidence against B4?")
    assert answer.citations[0].source == "b-proofs"  # the one challenge of B4
    assert answer.beliefs[0]["id"] == "B4"
    assert "B4 (" in answer.answer and "credence" in answer.answer
    supporting = asker().ask("What supports B4?")
    assert supporting.citations[0].source == "a-audits"


def test_a_sentence_loses_its_markup_and_stays_verbatim() -> None:
    from agent.text.normalize import quote_in_text

    text = (
        "T\n- Intro words here for context.\n- **Reviewers** needed four times longer than models."
    )
    quote = source_spans("s", text)[1].quote
    assert quote == "Reviewers needed four times longer than models."
    assert quote_in_text(quote, text)


def model_reply(citations: list[dict]) -> FakeListChatModel:
    body = {
        "answer": "Reviewers were slower [1], and audits missed much [2].",
        "citations": citations,
    }
    return FakeListChatModel(responses=["Thinking.\n" + json.dumps(body)])


def test_a_made_up_quote_from_the_model_is_dropped_and_counted(built) -> None:
    real = "Human reviewers needed four times longer than the models took to write the code."
    model = model_reply(
        [
            {"n": 1, "source": "a-audits", "quote": "Reviewers found every flaw instantly."},
            {"n": 2, "source": "a-audits", "quote": real},
            {"n": 3, "source": "not-a-source", "quote": real},
        ]
    )
    answer = asker(model, llm="openai:fake").ask("How fast were human reviewers?")
    assert answer.dropped_citations == 2
    assert [(c.n, c.quote) for c in answer.citations] == [(1, real)]
    assert answer.answer == "Reviewers were slower, and audits missed much [1]."


def test_an_unusable_model_reply_falls_back_to_the_extractive_answer(built) -> None:
    model = FakeListChatModel(responses=["I would rather not answer."])
    answer = asker(model, llm="openai:fake").ask("How fast were human reviewers?")
    assert answer.citations and "[1]" in answer.answer
    assert "could not answer" in answer.notes[0]


def test_a_quote_is_checked_against_the_chunks_when_the_file_is_gone(built) -> None:
    (built / "archive" / "a-audits.md").unlink()
    answer = asker().ask("How much longer did human reviewers need than the models?")
    assert answer.citations[0].source == "a-audits" and answer.dropped_citations == 0


def test_cli_json_has_the_contract_shape(built) -> None:
    result = runner.invoke(app, ["ask", "What did automated audits flag?", "-k", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"answer", "citations", "beliefs", "dropped_citations"} <= set(data)
    assert 1 <= len(data["citations"]) <= 2
    assert {"source", "quote", "n", "title", "date"} <= set(data["citations"][0])
    assert all({"id", "credence"} <= set(b) for b in data["beliefs"])
    human = runner.invoke(app, ["ask", "What did automated audits flag?"])
    assert human.exit_code == 0 and "[1] a-audits" in human.stdout


def test_ask_without_a_workspace_is_a_configuration_error(tmp_path) -> None:
    result = runner.invoke(app, ["ask", "anything?", "--home", str(tmp_path / "none")])
    assert result.exit_code == 2 and "run `tracker process` first" in result.stderr


def test_an_empty_workspace_is_a_configuration_error(tmp_path) -> None:
    from store.database import open_database

    home = tmp_path / "empty"
    home.mkdir()
    open_database(home / "tracker.db").conn.close()
    result = runner.invoke(app, ["ask", "anything?", "--home", str(home)])
    assert result.exit_code == 2 and "holds no processed sources" in result.stderr


def test_without_the_fast_embedder_questions_use_the_full_model_and_say_so(
    built, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable() -> None:
        raise Exception("No such file or directory (os error 2)")  # what tokenizers raises

    monkeypatch.setattr(store.query_embedder, "NumpyMiniLM", unavailable)
    answer = Asker(resolve_settings()).ask("How much longer did human reviewers need?")
    assert answer.citations[0].source == "a-audits"  # MiniLMEmbedder (hashing here) did the work
    assert any("sentence-transformers" in note for note in answer.notes)
    result = runner.invoke(app, ["ask", "How much longer did human reviewers need?"])
    assert result.exit_code == 0 and "note: the torch-free query embedder" in result.stdout


def _claim_row(claim_id: str, source: str, sha256: str, title: str) -> dict:
    return {
        "id": claim_id,
        "source": source,
        "sha256": sha256,
        "title": title,
        "description": "Measured by the authors.",
        "confidence": "likely",
        "domain": "ai-alignment",
        "quotes": "[]",
        "model": "offline",
        "created_at": "2026-01-01T00:00:00",
    }


def test_the_fts_migration_backfills_an_older_workspace_and_triggers_keep_it_in_sync(
    tmp_path: Path,
) -> None:
    from sqlite_utils import Database

    from store.archive import read_source
    from store.migrations import migrations

    kept, changed = tmp_path / "kept.md", tmp_path / "changed.md"
    kept.write_text("---\ntitle: Kept\n---\nGlaciers retreated forty metres in one summer.\n")
    changed.write_text("---\ntitle: Changed\n---\nOrchards flowered early across the valley.\n")
    db = Database(tmp_path / "tracker.db")
    migrations.apply(db, stop_before="m004_full_text_search")
    for path, sha in ((kept, read_source(kept, "kept").content_hash), (changed, "0" * 64)):
        db["sources"].insert(
            {"id": path.stem, "path": str(path), "sha256": sha, "status": "processed"}
        )
    db["claims"].insert(_claim_row("C1", "kept", "x", "Glaciers are retreating fast"))
    migrations.apply(db)

    def fts(table: str, word: str) -> list[str]:
        return [
            r[0]
            for r in db.execute(
                f"SELECT t.id FROM {table}_fts f JOIN {table} t ON t.rowid = f.rowid "
                f"WHERE {table}_fts MATCH ?",
                [fts_query(word)],
            )
        ]

    assert [r[0] for r in db.execute("SELECT DISTINCT source FROM chunks")] == ["kept"]
    assert fts("chunks", "glacier") and not fts("chunks", "orchards")  # changed file: left alone
    assert fts("claims", "retreat") == ["C1"]  # porter stemming; existing claims rebuilt
    db.execute("UPDATE claims SET title = 'Icefields shrink' WHERE id = 'C1'")
    assert fts("claims", "icefields") == ["C1"] and fts("claims", "glaciers") == []
    db.execute("DELETE FROM chunks")
    assert fts("chunks", "glacier") == []


PROMPTS: list[str] = []


class RecordingModel(FakeListChatModel):
    """The fake chat model, keeping each prompt it was sent."""

    def _call(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        PROMPTS.append(str(messages[-1].content))
        return super()._call(messages, stop=stop, run_manager=run_manager, **kwargs)


def test_the_model_sees_k_numbered_passages_and_the_beliefs(built) -> None:
    PROMPTS.clear()
    model = RecordingModel(responses=['{"answer": "Nothing here.", "citations": []}'])
    answer = asker(model, llm="openai:fake").ask("What is the evidence against B4?", k=2)
    (prompt,) = PROMPTS
    assert "[1] source `" in prompt and "[2] source `" in prompt and "[3] source" not in prompt
    assert "B4 (credence" in prompt and "What is the evidence against B4?" in prompt
    assert answer.answer == "Nothing here." and answer.citations == []


def test_sentences_keep_decimals_and_unterminated_list_items() -> None:
    text = (
        "Title line\n"
        "## Results\n"
        "- Accuracy fell from 70.4% to 42% at a 10:1 ratio\n"
        "- Tiny\n"
        "We shipped v1.5 now."
    )
    assert [span.quote for span in source_spans("s", text)] == [
        "Accuracy fell from 70.4% to 42% at a 10:1 ratio",
        "We shipped v1.5 now.",
    ]
