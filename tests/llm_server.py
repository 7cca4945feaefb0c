"""A scripted chat server on 127.0.0.1, for testing the real provider clients.

It speaks three wire formats: OpenAI's `/v1/chat/completions` (tests point `OPENAI_BASE_URL` at
`base_url`), Anthropic's `/v1/messages` (`ANTHROPIC_BASE_URL` = `root_url`) and Ollama's
`/api/chat` as NDJSON (`OLLAMA_HOST` = `root_url`). The request's model name picks the script, so
one server can play several providers and scenarios at once. A script sees the
request (its messages, and how many times this exact conversation start was asked before) and
returns what to send: a reply text, or an HTTP error with headers, optionally after a delay.
Only the standard library; every request is recorded for assertions.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent.llm.prompt_blocks import read_blocks


@dataclass
class Request:
    model: str
    messages: list[dict[str, Any]]
    repeat: int  # 0 for the first request that starts with this prompt, 1 for the next, ...
    headers: dict[str, str]  # names in lower case
    at: float
    payload: dict[str, Any] = field(default_factory=dict)  # the whole request body

    @property
    def prompt(self) -> str:
        """The prompt as sent: the system and user messages before the first reply, joined."""
        parts: list[str] = []
        for message in self.messages:
            if message.get("role") == "assistant":
                break
            parts.append(content_text(message.get("content", "")))
        return "\n".join(parts)


@dataclass
class Reply:
    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: str | None = None  # raw error body; default a JSON error object


Script = Callable[[Request], Reply]


def content_text(content: Any) -> str:
    """Message content as text: a string, or Anthropic-style blocks of {"type": "text"}."""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


class LLMServer:
    """`with LLMServer({"valid": script}) as server:` then `server.base_url` ends in `/v1`."""

    def __init__(self, scripts: dict[str, Script]) -> None:
        self.scripts = scripts
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], int] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def root_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def requests_for(self, model: str) -> list[Request]:
        return [r for r in self.requests if r.model == model]

    def __enter__(self) -> LLMServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = owner._handle(payload, headers)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    owner._send(self, self.path, payload, reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test); nothing to do
                finally:
                    with owner._lock:
                        owner.in_flight -= 1

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, payload: dict[str, Any], headers: dict[str, str]) -> Reply:
        model = str(payload.get("model"))
        messages = payload.get("messages", [])
        if payload.get("system"):  # Anthropic sends the system message beside the messages
            messages = [{"role": "system", "content": payload["system"]}, *messages]
        first_user = next((i for i, m in enumerate(messages) if m.get("role") == "user"), 0)
        key = (model, json.dumps(messages[: first_user + 1]))  # the conversation's start
        with self._lock:
            repeat = self._seen.get(key, 0)
            self._seen[key] = repeat + 1
            request = Request(model, messages, repeat, headers, time.monotonic(), payload)
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        script = self.scripts.get(model)
        if script is None:
            return Reply(status=404, body=json.dumps({"error": {"message": f"no model {model}"}}))
        return script(request)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, path: str, payload: dict[str, Any], reply: Reply
    ) -> None:
        kind = (
            "anthropic"
            if path.endswith("/messages")
            else "ollama"
            if path == "/api/chat"
            else "openai"
        )
        content_type = "application/json"
        if reply.status != 200:
            body = reply.body or json.dumps(
                {"error": f"scripted {reply.status}"}
                if kind == "ollama"
                else {
                    "type": "error",
                    "error": {"type": "api_error", "message": f"scripted {reply.status}"},
                }
            )
        else:
            text = reply.content or ""
            words_in = sum(
                len(content_text(m.get("content", "")).split()) for m in payload["messages"]
            )
            words_out = len(text.split())
            body = json.dumps(_ok_body(kind, payload.get("model"), text, words_in, words_out))
            if kind == "ollama":
                content_type = "application/x-ndjson"
        data = body.encode("utf-8")
        handler.send_response(reply.status)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(data)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


def _ok_body(kind: str, model: Any, text: str, tokens_in: int, tokens_out: int) -> dict[str, Any]:
    """A successful reply in the provider's own shape (Ollama's as one final NDJSON line)."""
    if kind == "anthropic":
        return {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
        }
    if kind == "ollama":
        return {
            "model": model,
            "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text},
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": tokens_in,
            "eval_count": tokens_out,
        }
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
        },
    }


# -- building replies from the prompt, the way a well-behaved model would ------------------------

_SENTENCE = re.compile(r"[A-Z][^.!?\n]*[.!?]")


def source_sentences(prompt: str, min_words: int = 6) -> list[str]:
    """Declarative sentences of the prompt's <source> block, in order."""
    text = read_blocks(prompt).text
    return [
        s.strip()
        for s in _SENTENCE.findall(text)
        if len(s.split()) >= min_words and not s.strip().endswith("?")
    ]


def claim_for(
    sentence: str,
    belief: str = "B4",
    stance: str = "supports",
    confidence: str = "likely",
    quote: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    return {
        "title": title or sentence.rstrip(".!"),
        "description": "The source reports this as its own finding, in its main section.",
        "confidence": confidence,
        "domain": "ai-alignment",
        "evidence": [{"quote": quote or sentence}],
        "beliefs": [{"id": belief, "stance": stance, "rationale": "It bears on the belief."}],
    }


def reply_json(claims: list[dict[str, Any]], notes: str = "") -> str:
    return json.dumps({"claims": claims, "notes": notes})


def valid_reply(request: Request, count: int = 2, **claim_fields: Any) -> str:
    """Claims quoting the source's first `count` sentences verbatim."""
    sentences = source_sentences(request.prompt)[:count]
    return reply_json([claim_for(s, **claim_fields) for s in sentences])
