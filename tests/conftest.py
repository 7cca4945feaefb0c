"""Shared fixtures: every test gets its own workspace, and a fake embedder unless it asks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.doubles import HashingEmbedder

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "teleo-ai-alignment"
SAMPLE_ARCHIVE = Path(__file__).resolve().parent.parent / "archive"


@pytest.fixture(autouse=True)
def workspace_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TRACKER_HOME at a fresh folder and clear every other setting a test could inherit.

    Provider retries back off for 0 s in tests: the retry logic runs, the clock does not.
    """
    for name in (
        "TRACKER_BELIEFS",
        "TRACKER_LLM",
        "TRACKER_CHROMA_URL",
        "TRACKER_SOURCE_CAP",
        "TRACKER_LLM_TIMEOUT",
        "TRACKER_LLM_RETRIES",
        "TRACKER_PRICES",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "OLLAMA_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_LLM_BACKOFF", "0")
    home = tmp_path / "home"
    monkeypatch.setenv("TRACKER_HOME", str(home))
    return home


@pytest.fixture
def empty_workspace(workspace_env: Path) -> Path:
    """A workspace that exists but holds nothing yet (read commands refuse a missing one)."""
    from agent.config import resolve_settings
    from agent.workspace import open_workspace

    open_workspace(resolve_settings()).db.close()
    return workspace_env


@pytest.fixture
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> HashingEmbedder:
    """Replace MiniLM with the hashing embedder wherever the pipeline would load it."""
    import store.embedder

    monkeypatch.setattr(store.embedder, "MiniLMEmbedder", HashingEmbedder)
    return HashingEmbedder()


@pytest.fixture
def sample_archive(tmp_path: Path) -> Path:
    """A copy of the project's sample archive, safe to write back into."""
    target = tmp_path / "archive"
    shutil.copytree(SAMPLE_ARCHIVE, target)
    return target


@pytest.fixture(scope="session")
def minilm():
    """The real model, loaded once for the whole session."""
    from store.embedder import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    embedder.embed(["warm up"])
    return embedder


def require_corpus() -> Path:
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not beside the project")
    return CORPUS
