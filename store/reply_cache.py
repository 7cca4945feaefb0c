"""Replies already paid for, keyed by (model spec, exact messages).

Re-running a batch after changing the validator, or after a crash, must cost nothing: before
calling a remote provider the extraction looks here. Rows are committed the moment a reply
arrives, on a connection of their own, outside the source's landing transaction; so a batch
killed halfway keeps every reply it received. Worker threads (`--jobs`) share the connection
under a lock; SQLite's WAL mode and busy timeout let it coexist with the main connection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class CachedReply:
    reply: str
    input_tokens: int | None
    output_tokens: int | None


def cache_key(spec: str, messages_sha256: str) -> str:
    return hashlib.sha256(f"{spec}\n{messages_sha256}".encode()).hexdigest()


class ReplyCache:
    def __init__(self, database_path: Path) -> None:
        self._conn = sqlite3.connect(
            str(database_path), timeout=BUSY_TIMEOUT_S, check_same_thread=False
        )
        self._lock = threading.Lock()

    def get(self, spec: str, messages_sha256: str) -> CachedReply | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT reply, input_tokens, output_tokens FROM reply_cache WHERE key = ?",
                [cache_key(spec, messages_sha256)],
            ).fetchone()
        return CachedReply(*row) if row else None

    def put(
        self,
        spec: str,
        messages_sha256: str,
        reply: str,
        input_tokens: int | None,
        output_tokens: int | None,
    ) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO reply_cache (key, model, messages_sha256, reply, "
                "input_tokens, output_tokens, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    cache_key(spec, messages_sha256),
                    spec,
                    messages_sha256,
                    reply,
                    input_tokens,
                    output_tokens,
                    now,
                ],
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
