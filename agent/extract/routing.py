"""Which belief holders a source reaches, and what a model is shown for it.

A workspace serves one holder (a single register) or several (a collective). Each source goes to
the holders whose domains (primary or secondary) meet the source's `domain` or
`secondary_domains`; a holder that names no domains covers every source; a source that names no
domain reaches every holder, and what it says decides. A source no holder covers is read,
embedded and kept, and its claims are kept, but the model is shown no beliefs for it and it
moves nothing (`unrouted`). Its claims are extracted once; the beliefs shown are the routed
holders' own, so each holder's beliefs receive only stances judged against its own register.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.llm.prompt_blocks import BeliefView, beliefs_block
from beliefs.register import Belief, Holder, Register
from store.archive import Source


@dataclass(frozen=True)
class Route:
    """What one source is judged against."""

    holders: tuple[Holder, ...]
    beliefs: tuple[Belief, ...]

    @property
    def agents(self) -> tuple[str, ...]:
        return tuple(h.agent for h in self.holders)

    @property
    def unrouted(self) -> bool:
        return not self.holders

    @property
    def belief_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.beliefs)

    @property
    def beliefs_text(self) -> str:
        """The beliefs block of the extraction prompt."""
        return beliefs_block(
            [BeliefView(b.id, b.statement, b.disconfirmation, b.description) for b in self.beliefs]
        )

    @property
    def view_sha256(self) -> str:
        """What the source was judged against (a source judged against another view is judged
        again): the beliefs it was shown and the holders it reached."""
        text = f"{self.beliefs_text}\n{','.join(self.agents)}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def note(self, domains: set[str]) -> str | None:
        """Why an unrouted source moves nothing, for its extraction notes."""
        if not self.unrouted:
            return None
        named = ", ".join(sorted(domains)) or "none"
        return f"no belief holder covers its domain ({named}): read and kept, moves no belief"


def source_domains(frontmatter: Mapping[str, Any]) -> set[str]:
    """A source's `domain` and `secondary_domains`, casefolded."""
    found: set[str] = set()
    for key in ("domain", "secondary_domains"):
        value = frontmatter.get(key)
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list):
            found |= {str(i).strip().casefold() for i in items if str(i).strip()}
    return found


def route_source(register: Register, source: Source) -> Route:
    return route(register, source_domains(source.frontmatter))


def route(register: Register, domains: set[str]) -> Route:
    """The holders a source of these domains reaches, and the beliefs it is judged against."""
    holders = tuple(
        h for h in register.holders if not domains or not h.covered or h.covered & domains
    )
    return Route(holders, register.of_holders({h.agent for h in holders}))


def qualify_belief_ids(proposed: Any, shown: tuple[str, ...]) -> Any:
    """A proposed claim with bare belief ids (`B3`) written out as the one shown id they name
    (`rio/B3`); ids that name none or several shown beliefs are left for the validator."""
    if not isinstance(proposed, dict) or not isinstance(proposed.get("beliefs"), list):
        return proposed
    qualified = []
    for item in proposed["beliefs"]:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"] not in shown:
            bare = item["id"].strip().casefold()
            matches = [i for i in shown if i.rsplit("/", 1)[-1].casefold() == bare]
            if len(matches) == 1:
                item = {**item, "id": matches[0]}
        qualified.append(item)
    return {**proposed, "beliefs": qualified}
