"""One extraction: render the prompt, ask the model, parse the reply, retry once if malformed.

Every attempt is kept with its raw text, prompt hash and timing, because rejections are data: an
auditor must be able to see exactly what the model said and which prompt made it say it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from agent.prompts import PromptTemplate
from agent.reply import MalformedReply, ParsedReply, parse_reply
from beliefs.errors import InputError

MAX_ATTEMPTS = 2


class ProviderError(InputError):
    """The model could not be reached or failed; the source stays unprocessed for the next run."""


@dataclass
class CallRecord:
    prompt_name: str
    prompt_hash: str
    model: str
    attempt: int
    raw_reply: str | None
    error: str | None
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: float


@dataclass
class Extraction:
    calls: list[CallRecord] = field(default_factory=list)
    reply: ParsedReply | None = None
    malformed: str | None = None


def _usage(message: Any) -> tuple[int | None, int | None]:
    usage = getattr(message, "usage_metadata", None) or {}
    return usage.get("input_tokens"), usage.get("output_tokens")


def extract(model: Any, model_name: str, template: PromptTemplate, prompt: str) -> Extraction:
    """Ask the model; on a malformed reply ask again with the parse error shown to it."""
    from langchain_core.messages import AIMessage, HumanMessage

    result = Extraction()
    messages: list[Any] = [HumanMessage(prompt)]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        started = time.perf_counter()
        message: Any = None
        failure: Exception | None = None
        try:
            message = model.invoke(messages)
        except Exception as exc:  # any provider failure: network, HTTP, SDK validation
            failure = exc
        text = None
        if message is not None:
            text = message.content if isinstance(message.content, str) else str(message.content)
        error = f"{type(failure).__name__}: {failure}" if failure else None
        call = CallRecord(
            template.name,
            template.sha256,
            model_name,
            attempt,
            text,
            error,
            *_usage(message),
            (time.perf_counter() - started) * 1000,
        )
        result.calls.append(call)
        if failure is not None or text is None:
            raise ProviderError(f"model {model_name} failed: {error}") from failure
        try:
            result.reply = parse_reply(text)
            result.malformed = None
            return result
        except MalformedReply as exc:
            call.error = str(exc)
            result.malformed = str(exc)
            messages = [
                *messages,
                AIMessage(text),
                HumanMessage(
                    f"Your reply could not be used: {exc}. Reply again with one JSON object of "
                    'the shape {"claims": [...], "notes": "..."} as described above.'
                ),
            ]
    return result
