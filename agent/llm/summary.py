"""The one-line account of a run's model calls: how many, how many cached or failed, tokens, cost.

Curators run tracker from cron against paid APIs; the last line of every run says what it cost.
A cost is only summed from prices the table knows: one call of an unpriced model makes the total
"unknown" rather than a wrong number. The rule, the same in every run (issue 17: a first run said
null and a re-run with no calls said 0.0, with nothing to tell the two apart):

- `cost_usd` is null when any answered call's price is unknown;
- 0.0 only when every call is known to be free (a free model, a reply from the cache) or there
  were no calls at all;
- `cost_basis` says which case it is ("priced", "unknown", "no calls") and `unpriced_calls` how
  many calls had no price, in `--json` and in the line alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from store.calls import CallRecord


@dataclass
class CallSummary:
    model: str
    calls: int = 0
    cached: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0
    prices_path: str | None = None

    def add(self, calls: Iterable[CallRecord]) -> None:
        for call in calls:
            self.calls += 1
            self.cached += call.cached
            if call.raw_reply is None:
                self.failed += 1
                continue
            self.input_tokens += call.input_tokens or 0
            self.output_tokens += call.output_tokens or 0
            if call.cost_usd is None:
                self.unpriced += 1
            else:
                self.cost_usd += call.cost_usd

    @property
    def cost(self) -> float | None:
        return None if self.unpriced else self.cost_usd

    @property
    def cost_basis(self) -> str:
        """ "unknown" (some call unpriced), "no calls" (nothing asked) or "priced"."""
        if self.unpriced:
            return "unknown"
        return "no calls" if self.calls == 0 else "priced"

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "calls": self.calls,
            "cached": self.cached,
            "failed": self.failed,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": None if self.cost is None else round(self.cost, 6),
            "cost_basis": self.cost_basis,
            "unpriced_calls": self.unpriced,
        }

    def line(self) -> str:
        if self.cost is None:
            where = f" in {self.prices_path}" if self.prices_path else ""
            cost = f"unknown ({self.unpriced} calls of {self.model} have no price{where})"
        elif self.calls == 0:
            cost = "$0.0000 (no calls)"
        else:
            cost = f"${self.cost:.4f}"
        return (
            f"model calls: {self.calls} ({self.cached} cached, {self.failed} failed), "
            f"tokens: {self.input_tokens:,} in / {self.output_tokens:,} out, cost: {cost}"
        )
