"""Telling a provider fault worth retrying (429, 5xx, timeout, refused connection) from one that
is not (bad key, unknown model, a request the server will never accept).

Classification is by HTTP status and exception class name rather than by importing each SDK's
exception types: the openai, anthropic and ollama clients all expose `status_code` / `response`
the same way, and this module must not import any of them.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterable
from dataclasses import dataclass

from agent.llm.secrets import redact

RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
_TRANSIENT_NAMES = ("Timeout", "Connect", "Connection", "RemoteProtocol", "ReadError")


@dataclass(frozen=True)
class Fault:
    retryable: bool
    retry_after: float | None
    description: str


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def classify(exc: BaseException, secrets: Iterable[str] = ()) -> Fault:
    """Whether to retry `exc`, after how long the provider asked, and a redacted description."""
    status = _status(exc)
    names = " ".join(cls.__name__ for cls in type(exc).__mro__)
    description = redact(f"{type(exc).__name__}: {exc}", secrets)
    if status is not None:
        retryable = status in RETRYABLE_STATUS or status >= 500
        return Fault(retryable, _retry_after(exc), f"HTTP {status}: {description}")
    transient = isinstance(exc, (TimeoutError, ConnectionError)) or any(
        name in names for name in _TRANSIENT_NAMES
    )
    return Fault(transient, None, description)
