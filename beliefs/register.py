"""The belief register: which beliefs exist, their priors, and what would disconfirm them.

The register is configuration written by people, so it is checked strictly and every problem is
reported as a `RegisterError` naming the file, the entry and the problem (the CLI turns that into
exit status 2). Unknown keys are refused rather than ignored, because a misspelt
`disconfirmaton:` silently dropped would leave challenging evidence with nothing to touch.

Pure: parsing text into a Register. Reading register files, the packaged default and copying it
into a workspace live in `store.registers`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import yaml

from agent.errors import ConfigError, RegisterError
from agent.text.bounded_yaml import load_bounded_yaml

LEVELS: tuple[str, ...] = ("axiom", "belief", "hypothesis", "unconvinced")
DEFAULT_ORIGIN = "<default>"

# disconfirmation is required: every challenging event's note must name the target it touches.
_REQUIRED_KEYS = ("id", "statement", "prior", "level", "disconfirmation")
# description: the belief's own prose (its grounding paragraph); grounding: titles of the claim
# notes that ground it. Both help judge what a claim is about; neither is required.
_OPTIONAL_KEYS = ("description", "grounding")
_TOP_KEYS = ("agent", "beliefs", "domain", "domains", "secondary_domains")


@dataclass(frozen=True)
class Belief:
    """One register entry. `level` is how firmly it was held when written, not a live value."""

    id: str
    statement: str
    prior: float
    level: str
    disconfirmation: str
    description: str = ""
    grounding: tuple[str, ...] = ()
    holder: str = ""
    """The agent holding the belief, in a collective (its id is then `holder/local id`)."""

    @property
    def local_id(self) -> str:
        """The id within its holder's own register (`B3` of `rio/B3`)."""
        return self.id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Holder:
    """One belief holder: an agent, the source domains it covers, and its register file."""

    agent: str
    domains: tuple[str, ...] = ()
    secondary_domains: tuple[str, ...] = ()
    origin: str = ""

    @property
    def covered(self) -> frozenset[str]:
        return frozenset(d.casefold() for d in (*self.domains, *self.secondary_domains))


@dataclass(frozen=True)
class Register:
    """The parsed register; `origin` is the file it came from, or "<default>", for messages.

    `domains` are the source domains the register's holder covers (a source of another domain
    bears on none of its beliefs); empty means the register does not say, and every source is
    judged on what it says. `secondary_domains` are covered too, for sources that list them.
    """

    agent: str
    beliefs: tuple[Belief, ...]
    origin: str
    domains: tuple[str, ...] = ()
    secondary_domains: tuple[str, ...] = ()
    members: tuple[Holder, ...] = ()
    """The holders of a collective; empty for a single register (its holder is `agent`)."""
    claim_folders: tuple[str, ...] = ()
    """Folders of the knowledge base's own claim notes (a collective's `claims:`)."""

    @property
    def is_collective(self) -> bool:
        return bool(self.members)

    @property
    def holders(self) -> tuple[Holder, ...]:
        """Every holder: the collective's members, or the one agent of a single register."""
        if self.members:
            return self.members
        return (Holder(self.agent, self.domains, self.secondary_domains, self.origin),)

    def holder_of(self, belief: Belief) -> str:
        return belief.holder or self.agent

    def of_holders(self, agents: set[str]) -> tuple[Belief, ...]:
        """The beliefs held by these agents, in register order."""
        return tuple(b for b in self.beliefs if self.holder_of(b) in agents)

    def candidates(self, ref: str) -> list[Belief]:
        """The beliefs `ref` may name: its exact id, or a bare id (`B3`) unique to one holder."""
        exact = self.get(ref.strip())
        if exact is not None:
            return [exact]
        folded = ref.strip().casefold()
        return [
            b for b in self.beliefs if b.id.casefold() == folded or b.local_id.casefold() == folded
        ]

    def resolve(self, ref: str) -> Belief:
        """The belief `ref` names; ConfigError (exit 2) when it is unknown or ambiguous."""
        found = self.candidates(ref)
        if len(found) == 1:
            return found[0]
        if found:
            names = ", ".join(b.id for b in found)
            raise ConfigError(f"belief id {ref!r} is ambiguous: use one of {names}")
        raise ConfigError(f"unknown belief {ref!r}; the register has {', '.join(self.ids)}")

    @functools.cached_property
    def _by_id(self) -> dict[str, Belief]:
        return {belief.id: belief for belief in self.beliefs}

    def get(self, belief_id: str) -> Belief | None:
        """The belief with exactly this id, or None (callers report unknown ids themselves).

        A lookup, not a scan: landing asks for every linked belief, and registers may hold
        thousands."""
        return self._by_id.get(belief_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Belief ids in register order, the order every listing uses."""
        return tuple(belief.id for belief in self.beliefs)

    @property
    def priors(self) -> dict[str, float]:
        """Belief id -> prior: the input `rule.replay` needs besides the ledger."""
        return {belief.id: belief.prior for belief in self.beliefs}


def register_error(origin: str, problem: str, entry: str | None = None) -> RegisterError:
    """A RegisterError naming the file, the entry (if any) and the problem."""
    where = f"{origin}: belief {entry}: " if entry is not None else f"{origin}: "
    return RegisterError(where + problem)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line from PyYAML's multi-line message, with the (1-based) line where it stopped."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"not valid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})"
    return f"not valid YAML: {problem}"


def _text(value: Any, key: str, origin: str, entry: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise register_error(origin, f"'{key}' must be a non-empty string, got {value!r}", entry)
    return " ".join(value.split())


def _prior(value: Any, origin: str, entry: str) -> float:
    # PyYAML reads `1e-3` (no dot) as a string, so numeric strings are accepted; bool is an int
    # subclass, and `prior: yes` must not pass as 1.
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise register_error(origin, f"prior must be a number, got {value!r}", entry) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise register_error(origin, f"prior must be a number, got {value!r}", entry)
    prior = float(value)
    if not (math.isfinite(prior) and 0.0 < prior < 1.0):
        raise register_error(origin, f"prior {value!r} is outside (0, 1)", entry)
    return prior


def _strings(value: Any, key: str, origin: str, entry: str | None = None) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple of stripped non-empty strings."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise register_error(origin, f"'{key}' must be a string or a list of strings", entry)
    return tuple(" ".join(i.split()) for i in items)


def _belief(item: Any, index: int, origin: str, seen: dict[str, str]) -> Belief:
    """Check one entry; `seen` maps casefolded ids to their spelling, to catch duplicates.

    Every problem of the entry is reported at once (missing and unknown keys together), so a
    curator fixes a register in one pass rather than one error per run.
    """
    entry = f"#{index}"
    if not isinstance(item, dict):
        raise register_error(origin, f"not a mapping (got {type(item).__name__})", entry)
    raw_id = item.get("id")
    if isinstance(raw_id, str) and raw_id.strip():
        entry = raw_id.strip()
    problems = [f"missing {key}" for key in _REQUIRED_KEYS if key not in item]
    allowed = (*_REQUIRED_KEYS, *_OPTIONAL_KEYS)
    unknown = sorted(str(key) for key in item if key not in allowed)
    if unknown:
        known = ", ".join(allowed)
        names = ", ".join(repr(u) for u in unknown)
        problems.append(f"unknown key{'s' if len(unknown) > 1 else ''} {names} (known: {known})")
    if problems:
        raise register_error(origin, "; ".join(problems), entry)
    if not isinstance(raw_id, str) or not raw_id.strip() or len(raw_id.split()) != 1:
        raise register_error(
            origin, f"id must be a short string without spaces, got {raw_id!r}", entry
        )
    belief_id = raw_id.strip()
    # Ids differing only in case would be confused by a model writing "b4" for "B4".
    folded = belief_id.casefold()
    if folded in seen:
        raise register_error(origin, f"duplicate id (already used by {seen[folded]!r})", entry)
    seen[folded] = belief_id
    level = item["level"]
    if level not in LEVELS:
        raise register_error(
            origin, f"unknown level {level!r} (expected one of {', '.join(LEVELS)})", entry
        )
    return Belief(
        id=belief_id,
        statement=_text(item["statement"], "statement", origin, entry),
        prior=_prior(item["prior"], origin, entry),
        level=level,
        disconfirmation=_text(item["disconfirmation"], "disconfirmation", origin, entry),
        description=_text(item["description"], "description", origin, entry)
        if "description" in item
        else "",
        grounding=_strings(item["grounding"], "grounding", origin, entry)
        if "grounding" in item
        else (),
    )


def parse_register(text: str, origin: str) -> Register:
    """Parse and check register YAML; `origin` names the file in every error message."""
    try:
        data = load_bounded_yaml(text)  # depth, size and alias limits (agent/text/bounded_yaml.py)
    except yaml.YAMLError as exc:
        raise register_error(origin, _yaml_problem(exc)) from exc
    return register_from_data(data, origin)


def register_from_data(data: Any, origin: str) -> Register:
    """Check register YAML already loaded (within limits) and build the register."""
    if not isinstance(data, dict):
        raise register_error(
            origin, f"not a mapping with 'agent' and 'beliefs' (got {type(data).__name__})"
        )
    unknown = sorted(str(key) for key in data if key not in _TOP_KEYS)
    if unknown:
        raise register_error(
            origin, f"unknown top-level key {unknown[0]!r} (known: {', '.join(_TOP_KEYS)})"
        )
    if "domain" in data and "domains" in data:
        raise register_error(origin, "give 'domain' or 'domains', not both")
    agent = data.get("agent")
    if not isinstance(agent, str) or not agent.strip():
        raise register_error(origin, f"'agent' must be a non-empty string, got {agent!r}")
    items = data.get("beliefs")
    if not isinstance(items, list) or not items:
        raise register_error(origin, "'beliefs' must be a non-empty list of beliefs")
    domains = _strings(data.get("domains", data.get("domain", [])), "domains", origin)
    secondary = _strings(data.get("secondary_domains", []), "secondary_domains", origin)
    seen: dict[str, str] = {}
    beliefs: list[Belief] = []
    problems: list[str] = []
    for index, item in enumerate(items, 1):
        try:
            beliefs.append(_belief(item, index, origin, seen))
        except RegisterError as exc:
            problems.append(str(exc).removeprefix(f"{origin}: "))
    if problems:
        raise RegisterError(f"{origin}: " + "; ".join(problems))
    return Register(
        agent=agent.strip(),
        beliefs=tuple(beliefs),
        origin=origin,
        domains=domains,
        secondary_domains=secondary,
    )


# -- the register as workspace data --------------------------------------------------------------


def register_snapshot(register: Register) -> dict[str, Any]:
    """The register as plain data, stored with the workspace: what its ledger was built with."""
    return {
        "agent": register.agent,
        "origin": register.origin,
        "domains": list(register.domains),
        "secondary_domains": list(register.secondary_domains),
        "claim_folders": list(register.claim_folders),
        "members": [
            {
                "agent": h.agent,
                "domains": list(h.domains),
                "secondary_domains": list(h.secondary_domains),
                "origin": h.origin,
            }
            for h in register.members
        ],
        "beliefs": [
            {
                "id": b.id,
                "statement": b.statement,
                "prior": b.prior,
                "level": b.level,
                "disconfirmation": b.disconfirmation,
                "description": b.description,
                "grounding": list(b.grounding),
                "holder": b.holder,
            }
            for b in register.beliefs
        ],
    }


def register_from_snapshot(data: dict[str, Any]) -> Register:
    """The inverse of `register_snapshot`."""
    return Register(
        agent=data["agent"],
        origin=data["origin"],
        domains=tuple(data.get("domains", ())),
        secondary_domains=tuple(data.get("secondary_domains", ())),
        claim_folders=tuple(data.get("claim_folders", ())),
        members=tuple(
            Holder(m["agent"], tuple(m["domains"]), tuple(m["secondary_domains"]), m["origin"])
            for m in data.get("members", ())
        ),
        beliefs=tuple(
            Belief(
                id=b["id"],
                statement=b["statement"],
                prior=float(b["prior"]),
                level=b["level"],
                disconfirmation=b["disconfirmation"],
                description=b.get("description", ""),
                grounding=tuple(b.get("grounding", ())),
                holder=b.get("holder", ""),
            )
            for b in data["beliefs"]
        ),
    )


@dataclass(frozen=True)
class RegisterChanges:
    """How a register differs from the one a workspace was built with.

    A belief whose id changed but whose statement did not is a rename; any other new id is an
    addition and any other missing id a removal. `reworded` beliefs kept their id but changed
    what a model is told (statement, disconfirmation or description).
    """

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    priors: tuple[tuple[str, float, float], ...] = ()
    reworded: tuple[str, ...] = ()
    domains: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    @property
    def any(self) -> bool:
        return bool(
            self.added
            or self.removed
            or self.renamed
            or self.priors
            or self.reworded
            or self.domains
        )

    @property
    def retired(self) -> tuple[str, ...]:
        """Ids whose events no longer belong to any belief (removed, or renamed away)."""
        return (*self.removed, *(old for old, _ in self.renamed))

    def lines(self) -> list[str]:
        """One line per change, for people."""
        out = [f"belief {b} added: sources are judged against it" for b in self.added]
        out += [f"belief {b} removed: its evidence is retired" for b in self.removed]
        out += [f"belief {a} renamed to {b}: its evidence moves with it" for a, b in self.renamed]
        out += [f"belief {b} prior {p:g} -> {q:g}: credence recomputed" for b, p, q in self.priors]
        out += [f"belief {b} reworded: sources are judged again" for b in self.reworded]
        if self.domains:
            before, after = self.domains
            out.append(f"domains {list(before)} -> {list(after)}: sources are routed again")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "renamed": [{"from": a, "to": b} for a, b in self.renamed],
            "priors": [{"id": b, "from": p, "to": q} for b, p, q in self.priors],
            "reworded": list(self.reworded),
            "domains": [list(d) for d in self.domains] if self.domains else None,
        }


def _said(belief: Belief) -> tuple[str, str, str]:
    return (belief.statement, belief.disconfirmation, belief.description)


def _coverage(register: Register) -> tuple[str, ...]:
    """Who covers which domains, as one comparable tuple (`agent:domain`)."""
    return tuple(
        f"{h.agent}:{d}" for h in register.holders for d in (*h.domains, *h.secondary_domains)
    )


def register_changes(old: Register, new: Register) -> RegisterChanges:
    """What changed from `old` to `new` (pure; the caller applies it through the ledger)."""
    old_ids, new_ids = set(old.ids), set(new.ids)
    gone = [b for b in old.beliefs if b.id not in new_ids]
    came = [b for b in new.beliefs if b.id not in old_ids]
    renamed: list[tuple[str, str]] = []
    for belief in gone:
        match = next((b for b in came if b.statement == belief.statement), None)
        if match is not None:
            renamed.append((belief.id, match.id))
            came.remove(match)
    renamed_from = {a for a, _ in renamed}
    priors, reworded = [], []
    for belief in new.beliefs:
        before = old.get(belief.id)
        if before is None:
            continue
        if before.prior != belief.prior:
            priors.append((belief.id, before.prior, belief.prior))
        if _said(before) != _said(belief):
            reworded.append(belief.id)
    domains = None
    if _coverage(old) != _coverage(new):
        domains = (_coverage(old), _coverage(new))
    return RegisterChanges(
        added=tuple(b.id for b in came),
        removed=tuple(b.id for b in gone if b.id not in renamed_from),
        renamed=tuple(renamed),
        priors=tuple(priors),
        reworded=tuple(reworded),
        domains=domains,
    )
