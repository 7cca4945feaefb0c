"""The register's belief texts are embedded once per workspace, and give the same claims."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import yaml

from agent.config import resolve_settings
from agent.extract.pipeline import ProcessOptions, process
from agent.workspace import open_workspace
from store.text_vectors import save_vectors, stored_vectors
from tests.doubles import HashingEmbedder

DEFAULT = Path(__file__).resolve().parent.parent / "beliefs" / "default_register.yaml"


class CachingEmbedder(HashingEmbedder):
    """The hashing embedder with MiniLM's text cache and `remember`, counting what it embeds."""

    embedded: ClassVar[list[str]] = []

    def __init__(self) -> None:
        super().__init__()
        self._cache: dict[str, np.ndarray] = {}

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self._cache.update(zip(texts, vectors, strict=True))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        CachingEmbedder.embedded.extend(missing)
        if missing:
            self._cache.update(zip(missing, super().embed(missing), strict=True))
        return np.stack([self._cache[t] for t in texts]) if texts else super().embed([])


@pytest.fixture
def caching_embedder(monkeypatch: pytest.MonkeyPatch) -> type[CachingEmbedder]:
    import store.embedder

    CachingEmbedder.embedded = []
    monkeypatch.setattr(store.embedder, "MiniLMEmbedder", CachingEmbedder)
    return CachingEmbedder


def statements(path: Path) -> set[str]:
    beliefs = yaml.safe_load(path.read_text(encoding="utf-8"))["beliefs"]
    return {" ".join(b["statement"].split()) for b in beliefs}


def run(archive: Path, home: Path) -> object:
    return process(resolve_settings(home=str(home)), ProcessOptions(archives=[archive]))


def test_a_later_run_embeds_no_belief_text(
    caching_embedder: type[CachingEmbedder], sample_archive: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    archive = tmp_path / "later"
    archive.mkdir()
    names = sorted(p.name for p in sample_archive.iterdir())
    shutil.copy(sample_archive / names[0], archive / names[0])
    run(archive, home)
    first = set(caching_embedder.embedded)
    register = statements(DEFAULT)
    assert register <= first  # the first run embedded the register
    caching_embedder.embedded = []
    for name in names[1:]:
        shutil.copy(sample_archive / name, archive / name)
    report = run(archive, home)
    assert report.processed == len(names) - 1
    assert caching_embedder.embedded and not register & set(caching_embedder.embedded)


def test_kept_vectors_give_the_same_claims(
    caching_embedder: type[CachingEmbedder], sample_archive: Path, tmp_path: Path
) -> None:
    """Vectors read back from the workspace are the ones embedded: nothing a model is told, or
    proposes, depends on whether the register was embedded in this run or an earlier one."""
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    run(sample_archive, cold)
    shutil.rmtree(tmp_path / "archive")
    shutil.copytree(Path(__file__).resolve().parent.parent / "archive", sample_archive)
    ws = open_workspace(resolve_settings(home=str(warm)))
    texts = sorted(statements(DEFAULT))
    with ws.db.conn:
        vectors = HashingEmbedder().embed(texts)
        save_vectors(ws.db, CachingEmbedder.name, zip(texts, vectors, strict=True))
    assert set(stored_vectors(ws.db, CachingEmbedder.name, texts)) == set(texts)
    run(sample_archive, warm)

    def claims(home: Path) -> list[tuple]:
        db = open_workspace(resolve_settings(home=str(home))).db
        return db.execute("SELECT source, title FROM claims ORDER BY source, title").fetchall()

    assert claims(cold) == claims(warm) and claims(cold)


def test_stored_vectors_round_trip_many(tmp_path: Path) -> None:
    """More texts than one SQL statement may bind, each read back exactly as saved."""
    ws = open_workspace(resolve_settings(home=str(tmp_path / "home")))
    texts = [f"belief text {n}" for n in range(2100)]
    vectors = HashingEmbedder().embed(texts)
    with ws.db.conn:
        save_vectors(ws.db, "m", zip(texts, vectors, strict=True))
    found = stored_vectors(ws.db, "m", texts)
    assert len(found) == 2100
    assert all(np.array_equal(found[t], v) for t, v in zip(texts, vectors, strict=True))
    assert stored_vectors(ws.db, "other-model", texts) == {}
