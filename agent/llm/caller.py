"""One model call under tracker's own policy: the reply cache, retries with backoff, records.

Every attempt is kept with its raw text, prompt hash, messages hash, tokens, cost and timing,
because rejections are data: an auditor must be able to see exactly what the model said and which
prompt made it say it. A provider fault (timeout, 429, 5xx, refused connection) is retried with
backoff up to `CallPolicy.retries` times; if it persists, ProviderError, and the caller decides
what that means (extraction leaves the source for the next run; `ask` falls back).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.errors import InputError
from agent.llm.faults import classify
from agent.llm.messages import message_text, messages_digest
from agent.llm.policy import CallPolicy
from agent.llm.prompts import PromptTemplate
from store.calls import CallRecord

if TYPE_CHECKING:
    from agent.llm.pricing import PriceTable
    from agent.llm.sampling import Sampling
    from store.reply_cache import ReplyCache


class ProviderError(InputError):
    """The model could not be reached or failed; the source stays unprocessed for the next run."""

    def __init__(self, message: str, calls: list[CallRecord]) -> None:
        super().__init__(message)
        self.calls = calls


def now_iso() -> str:
    """The time of one attempt, as every record of tracker writes it (UTC, microseconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _usage(message: Any) -> tuple[int | None, int | None]:
    usage = getattr(message, "usage_metadata", None) or {}
    return usage.get("input_tokens"), usage.get("output_tokens")


@dataclass
class ModelCaller:
    """Asks one model, under one call policy, with an optional cache; records every attempt."""

    model: Any
    model_name: str
    template: PromptTemplate
    policy: CallPolicy = field(default_factory=CallPolicy)
    cache: ReplyCache | None = None
    prices: PriceTable | None = None
    sleep: Callable[[float], None] = time.sleep
    secrets: Sequence[str] = ()
    sampling: Sampling | None = None
    """What the model is sent (set on its client by `make_chat_model`); recorded with each
    call and part of the cache key, so a reply sampled otherwise is never served from the
    cache. None for models that sample nothing (offline, replay)."""

    @property
    def _cache_spec(self) -> str:
        if self.sampling is None:
            return self.model_name
        return f"{self.model_name}\n{self.sampling.record_text()}"

    def _record(self, calls: list[CallRecord], at: str, **fields: Any) -> CallRecord:
        call = CallRecord(
            self.template.name,
            self.template.sha256,
            self.model_name,
            len(calls) + 1,
            **fields,
            at=at,
            sampling=self.sampling.record_text() if self.sampling is not None else None,
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
            at = now_iso()
            hit = self.cache.get(self._cache_spec, digest)
            if hit is not None:
                return self._record(
                    calls,
                    at,
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
            at = now_iso()
            try:
                message = self.model.invoke(messages)
            except Exception as exc:  # any provider failure: network, HTTP, SDK validation
                fault = classify(exc, self.secrets)
                self._record(
                    calls,
                    at,
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
                self.cache.put(self._cache_spec, digest, text, tokens_in, tokens_out)
            return self._record(
                calls,
                at,
                raw_reply=text,
                error=None,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                latency_ms=(time.perf_counter() - started) * 1000,
                messages_sha256=digest,
                cost_usd=self._cost(tokens_in, tokens_out),
            )
