"""One extraction: render the prompt, ask the model, parse the reply, ask again if malformed.

Every attempt is kept with its raw text, prompt hash, messages hash, tokens, cost and timing,
because rejections are data: an auditor must be able to see exactly what the model said and which
prompt made it say it. Two kinds of failure are kept apart, as the contract demands:

- a reply that cannot be parsed is asked for again (the parse error shown to the model), up to
  `CallPolicy.malformed_attempts` replies; if none parses, the extraction ends `malformed` and the
  source is processed to `null-result` with one MALFORMED_OUTPUT rejection;
- a provider fault (timeout, 429, 5xx, refused connection) is retried with backoff up to
  `CallPolicy.retries` times; if it persists, ProviderError, and the source stays for the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.call_policy import CallPolicy
from agent.messages import message_text, messages_digest
from agent.prompts import PromptTemplate
from agent.provider_faults import classify
from agent.reply import MalformedReply, ParsedReply, parse_reply
from beliefs.errors import InputError

if TYPE_CHECKING:
    from agent.pricing import PriceTable
    from agent.reply_cache import ReplyCache


class ProviderError(InputError):
    """The model could not be reached or failed; the source stays unprocessed for the next run."""

    def __init__(self, message: str, calls: list[CallRecord]) -> None:
        super().__init__(message)
        self.calls = calls


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
    messages_sha256: str | None = None
    cached: bool = False
    cost_usd: float | None = None


@dataclass
class Extraction:
    calls: list[CallRecord] = field(default_factory=list)
    reply: ParsedReply | None = None
    malformed: str | None = None


def _usage(message: Any) -> tuple[int | None, int | None]:
    usage = getattr(message, "usage_metadata", None) or {}
    return usage.get("input_tokens"), usage.get("output_tokens")


@dataclass
class Extractor:
    """Asks one model for one source's claims, under one call policy, with an optional cache."""

    model: Any
    model_name: str
    template: PromptTemplate
    policy: CallPolicy = field(default_factory=CallPolicy)
    cache: ReplyCache | None = None
    prices: PriceTable | None = None
    sleep: Callable[[float], None] = time.sleep

    def extract(self, prompt: str) -> Extraction:
        """Ask; on a malformed reply ask again with the parse error shown to the model."""
        from langchain_core.messages import AIMessage, HumanMessage

        result = Extraction()
        messages: list[Any] = [HumanMessage(prompt)]
        for _ in range(self.policy.malformed_attempts):
            call = self.ask_once(messages, result.calls)
            text = call.raw_reply or ""
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
                        f"Your reply could not be used: {exc}. Reply again with one JSON object "
                        'of the shape {"claims": [...], "notes": "..."} as described above.'
                    ),
                ]
        return result

    def _record(self, calls: list[CallRecord], **fields: Any) -> CallRecord:
        call = CallRecord(
            self.template.name,
            self.template.sha256,
            self.model_name,
            len(calls) + 1,
            **fields,
        )
        calls.append(call)
        return call

    def _cost(self, input_tokens: int | None, output_tokens: int | None) -> float | None:
        price = self.prices.price_for(self.model_name) if self.prices else None
        return price.cost(input_tokens, output_tokens) if price else None

    def ask_once(self, messages: list[Any], calls: list[CallRecord]) -> CallRecord:
        """One reply for `messages`: from the cache, else from the provider with retries."""
        digest = messages_digest(messages)
        started = time.perf_counter()
        if self.cache is not None:
            hit = self.cache.get(self.model_name, digest)
            if hit is not None:
                return self._record(
                    calls,
                    raw_reply=hit.reply,
                    error=None,
                    input_tokens=hit.input_tokens,
                    output_tokens=hit.output_tokens,
                    latency_ms=(time.perf_counter() - started) * 1000,
                    messages_sha256=digest,
                    cached=True,
                    cost_usd=0.0,
                )
        faults = 0
        while True:
            started = time.perf_counter()
            try:
                message = self.model.invoke(messages)
            except Exception as exc:  # any provider failure: network, HTTP, SDK validation
                fault = classify(exc)
                self._record(
                    calls,
                    raw_reply=None,
                    error=fault.description,
                    input_tokens=None,
                    output_tokens=None,
                    latency_ms=(time.perf_counter() - started) * 1000,
                    messages_sha256=digest,
                )
                if not fault.retryable or faults >= self.policy.retries:
                    tries = f"after {faults + 1} attempts" if faults else "(not retryable)"
                    raise ProviderError(
                        f"model {self.model_name} failed {tries}: {fault.description}", calls
                    ) from None
                faults += 1
                self.sleep(self.policy.delay(faults, fault.retry_after))
                continue
            text = message_text(message)
            tokens_in, tokens_out = _usage(message)
            if self.cache is not None:
                self.cache.put(self.model_name, digest, text, tokens_in, tokens_out)
            return self._record(
                calls,
                raw_reply=text,
                error=None,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                latency_ms=(time.perf_counter() - started) * 1000,
                messages_sha256=digest,
                cost_usd=self._cost(tokens_in, tokens_out),
            )
