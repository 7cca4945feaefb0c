"""Embed the register's belief texts once per workspace, not once per run.

The offline model compares each candidate sentence with every belief's statement and target. For
five beliefs that is nothing; for 1,000 it is 2,000 texts, which at MiniLM's speed here would be
most of a cron run of a few sources. The vectors are kept in the workspace by model and text hash
(`store.text_vectors`), so only beliefs added or edited since are embedded, and the embedder is
handed the rest before the first source is read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlite_utils import Database

from agent.llm.offline_proposer import belief_texts
from agent.llm.prompt_blocks import BeliefView
from beliefs.register import Register
from store.database import write_transaction
from store.text_vectors import save_vectors, stored_vectors


def prime_register_vectors(db: Database, embedder: Any, register: Register) -> int:
    """Give the embedder every belief text's vector; embed and keep the missing ones.

    Returns how many texts were embedded now. An embedder that cannot take vectors (a test
    double) is left alone: it embeds on demand, as it always did.
    """
    remember = getattr(embedder, "remember", None)
    if remember is None:
        return 0
    views = [
        BeliefView(b.id, b.statement, b.disconfirmation, b.description) for b in register.beliefs
    ]
    texts = list(dict.fromkeys(belief_texts(views)))
    model = str(getattr(embedder, "name", "unknown"))
    known = stored_vectors(db, model, texts)
    missing = [t for t in texts if t not in known]
    if missing:
        vectors = embedder.embed(missing)
        with write_transaction(db):
            save_vectors(db, model, zip(missing, vectors, strict=True))
    if known:
        remember(list(known), np.stack(list(known.values())))
    return len(missing)
