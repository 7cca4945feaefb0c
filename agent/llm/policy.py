"""How patiently tracker talks to a model provider: timeouts, retries, backoff, reply attempts.

One place for these numbers; `call_policy(settings)` fills them from TRACKER_LLM_TIMEOUT,
TRACKER_LLM_RETRIES and TRACKER_LLM_BACKOFF, so a curator's cron job can tune them without flags.
Every value is bounded: a provider that stays down must cost a bounded amount of time per
source, and the rest of the batch must not wait on it forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.errors import ConfigError

if TYPE_CHECKING:
    from agent.config import Settings

DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF = 2.0
BACKOFF_CAP = 60.0
MALFORMED_ATTEMPTS = 3


@dataclass(frozen=True)
class CallPolicy:
    """Timeout per request (s), retries after a provider fault, first backoff delay (s).

    Backoff doubles after each fault (`backoff * 2**n`), capped at BACKOFF_CAP; a `Retry-After`
    header from the provider replaces the computed delay (also capped). A reply that cannot be
    parsed is asked for again, `malformed_attempts` times in all, with the parse error shown.
    """

    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    backoff_cap: float = BACKOFF_CAP
    malformed_attempts: int = MALFORMED_ATTEMPTS

    def delay(self, fault_number: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `fault_number` (1-based)."""
        if retry_after is not None:
            return max(0.0, min(self.backoff_cap, retry_after))
        return min(self.backoff_cap, self.backoff * 2 ** (fault_number - 1))


def _number(name: str, raw: str | None, default: float, low: float, high: float) -> float:
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value


def call_policy(settings: Settings) -> CallPolicy:
    """TRACKER_LLM_TIMEOUT, TRACKER_LLM_RETRIES and TRACKER_LLM_BACKOFF, checked."""
    return CallPolicy(
        timeout=_number("TRACKER_LLM_TIMEOUT", settings.llm_timeout, DEFAULT_TIMEOUT, 0.01, 3600),
        retries=int(_number("TRACKER_LLM_RETRIES", settings.llm_retries, DEFAULT_RETRIES, 0, 20)),
        backoff=_number(
            "TRACKER_LLM_BACKOFF", settings.llm_backoff, DEFAULT_BACKOFF, 0, BACKOFF_CAP
        ),
    )
