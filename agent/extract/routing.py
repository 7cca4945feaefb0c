"""Which belief holders a source reaches, and what a model is shown for it.

A workspace serves one holder (a single register) or several (a collective). Each source goes to
the holders whose domains (primary or secondary) meet the source's `domain` or
`secondary_domains`; a holder that names no domains covers every source; a source that names no
domain reaches every holder, and what it says decides. A source no holder covers is read,
embedded and kept, and its claims are kept, but the model is shown no beliefs for it and it
moves nothing (`unrouted`). Its claims are extracted once; the beliefs shown are the routed
holders' own, so each holder's beliefs receive only stances judged against its own register.

A holder a source reaches only through the source's `secondary_domains` (the source is filed
under a domain the holder does not cover) is *peripheral*: the source touches its field in
passing. Its beliefs are shown and its links kept, as `related` (weight 0): the curators filed
the evidence under another field, and a field's sources move that field's beliefs, not a
neighbour's on the strength of a passing mention.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from agent.extract.validate import StanceOnBelief, ValidClaim
from agent.llm.prompt_blocks import BeliefView, beliefs_block
from beliefs.register import Belief, Holder, Register
from store.archive import Source


@dataclass(frozen=True)
class Route:
    """What one source is judged against."""

    holders: tuple[Holder, ...]
    beliefs: tuple[Belief, ...]
    peripheral: tuple[str, ...] = ()
    """The agents reached only through the source's secondary domains."""
    peripheral_belief_ids: frozenset[str] = frozenset()
    """Their beliefs: shown, and linked only as `related`."""

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
        if self.peripheral:  # only then, so the views of every other source stay as they were
            text += f"\nperipheral:{','.join(self.peripheral)}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def note(self, domains: set[str]) -> str | None:
        """Why an unrouted source moves nothing, or a peripheral holder's beliefs do not move,
        for its extraction notes."""
        if self.peripheral:
            return (
                f"filed under another domain, reaching {', '.join(self.peripheral)} only through "
                "its secondary domains: its links to their beliefs are kept as related and move "
                "nothing"
            )
        if not self.unrouted:
            return None
        named = ", ".join(sorted(domains)) or "none"
        return f"no belief holder covers its domain ({named}): read and kept, moves no belief"


def _domains_of(frontmatter: Mapping[str, Any], keys: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for key in keys:
        value = frontmatter.get(key)
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list):
            found |= {str(i).strip().casefold() for i in items if str(i).strip()}
    return found


def source_domains(frontmatter: Mapping[str, Any]) -> set[str]:
    """A source's `domain` and `secondary_domains`, casefolded."""
    return _domains_of(frontmatter, ("domain", "secondary_domains"))


def primary_domains(frontmatter: Mapping[str, Any]) -> set[str]:
    """The domain a source is filed under (its `domain`), casefolded."""
    return _domains_of(frontmatter, ("domain",))


def route_source(register: Register, source: Source) -> Route:
    return route_frontmatter(register, source.frontmatter)


def route_frontmatter(register: Register, frontmatter: Mapping[str, Any]) -> Route:
    return route(register, source_domains(frontmatter), primary_domains(frontmatter))


def route(register: Register, domains: set[str], primary: set[str] | None = None) -> Route:
    """The holders a source of these domains reaches, and the beliefs it is judged against;
    `primary`, the domain it is filed under, tells which holders it reaches only in passing
    (no primary domain: none, and what it says decides)."""
    holders = tuple(
        h for h in register.holders if not domains or not h.covered or h.covered & domains
    )
    peripheral = tuple(
        h.agent for h in holders if primary and h.covered and not h.covered & primary
    )
    beliefs = register.of_holders({h.agent for h in holders})
    passing = frozenset(b.id for b in beliefs if register.holder_of(b) in peripheral)
    return Route(holders, beliefs, peripheral, passing)


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


def in_passing(claim: ValidClaim, passing: frozenset[str]) -> ValidClaim:
    """The claim with its stances on beliefs the source reaches only in passing (a peripheral
    holder's) kept as `related`: linked and shown, weight 0, the model's stance in the why."""
    if not passing or not any(s.belief_id in passing for s in claim.beliefs):
        return claim
    beliefs = tuple(
        StanceOnBelief(
            s.belief_id,
            "related",
            f"model said {s.stance}; the source is filed under another domain and reaches "
            f"this belief's holder only through its secondary domains. {s.rationale}".strip(),
        )
        if s.belief_id in passing and s.stance != "related"
        else s
        for s in claim.beliefs
    )
    return replace(claim, beliefs=beliefs)
