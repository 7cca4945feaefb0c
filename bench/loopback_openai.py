"""A loopback OpenAI-compatible server for the provider benchmark: a patient, well-behaved model.

Every `/v1/chat/completions` request is answered after a fixed latency with claims that quote the
first sentences of the prompt's `<source>` block verbatim, as a careful remote model would. It
exists so the benchmark measures tracker's side of the remote path (`--jobs`, the reply cache),
not a model. Standard library and the package only; it binds 127.0.0.1 and nothing else.
The test suite has its own scripted server with fault injection (tests/llm_server.py); the
benchmark needs none of that and must not depend on tests/.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent.llm.prompt_blocks import read_blocks

SENTENCE = re.compile(r"[A-Z][^.!?\n]*[.!?]")


def quoting_reply(prompt: str, count: int) -> str:
    """Claims on B4 quoting the source's first `count` declarative sentences."""
    sentences = [
        s.strip() for s in SENTENCE.findall(read_blocks(prompt).text) if len(s.split()) >= 6
    ][:count]
    claims = [
        {
            "title": sentence.rstrip(".!"),
            "description": "The source reports this as its own finding, in its main section.",
            "confidence": "likely",
            "domain": "ai-alignment",
            "evidence": [{"quote": sentence}],
            "beliefs": [{"id": "B4", "stance": "supports", "rationale": "It bears on B4."}],
        }
        for sentence in sentences
    ]
    return json.dumps({"claims": claims, "notes": ""})


class LoopbackModel:
    """`with LoopbackModel(latency=1.0) as server:` then point OPENAI_BASE_URL at `server.url`."""

    def __init__(self, latency: float, claims: int = 3) -> None:
        self.latency = latency
        self.claims = claims
        self.requests = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _answer(self, payload: dict[str, Any]) -> bytes:
        with self._lock:
            self.requests += 1
        first = "\n".join(
            str(m["content"]) for m in payload["messages"] if m["role"] != "assistant"
        )
        text = quoting_reply(first, self.claims)
        time.sleep(self.latency)
        return json.dumps(
            {
                "id": "bench",
                "object": "chat.completion",
                "created": 0,
                "model": payload.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": len(first.split()),
                    "completion_tokens": len(text.split()),
                    "total_tokens": len(first.split()) + len(text.split()),
                },
            }
        ).encode("utf-8")

    def __enter__(self) -> LoopbackModel:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = owner._answer(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
