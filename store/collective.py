"""Registers of the knowledge base's own kind: an agent's `beliefs.md`, and a collective of them.

An agent's belief file (`agents/rio/beliefs.md`, read by `store.belief_files`) becomes a register
whose belief N is `BN`: the heading is the statement, the prose below it the description, the
**Grounding** links the grounding, the **Disconfirmation target** (or **Challenges considered**)
the disconfirmation. A belief file says nothing of priors, so they come from a small YAML beside
it, `beliefs.priors.yaml` (`default: {prior, level}`, `beliefs: {B1: {prior, level}}`, and the
agent's `domains`), or from the defaults below, which `tracker beliefs --explain` states.

A collective is a YAML file naming the holders, paths relative to the file:

    holders:
      - agent: rio
        register: agents/rio/beliefs.md        # a beliefs.md or a YAML register
        domains: [internet-finance]
        secondary_domains: [collective-intelligence]   # optional
    claims: [claims/]                           # optional: known claim notes

Its beliefs are qualified by holder (`rio/B3`), so one ledger holds every holder's credences.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from agent.text.bounded_yaml import load_bounded_yaml
from beliefs.register import (
    LEVELS,
    Belief,
    Holder,
    Register,
    parse_register,
    register_error,
    register_from_data,
)
from store.belief_files import parse_belief_file

DEFAULT_PRIOR = 0.6
DEFAULT_LEVEL = "belief"
PRIORS_FILE = "beliefs.priors.yaml"
_COLLECTIVE_KEYS = ("holders", "claims", "name")
_HOLDER_KEYS = ("agent", "register", "domains", "secondary_domains")


def _strings(value: Any, key: str, origin: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if items is None:
        return ()
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise register_error(origin, f"'{key}' must be a string or a list of strings")
    return tuple(" ".join(i.split()) for i in items)


def _priors(path: Path) -> dict[str, Any]:
    """The priors YAML beside a belief file, checked; {} when there is none."""
    side = path.with_name(PRIORS_FILE)
    if not side.is_file():
        return {}
    try:
        data = load_bounded_yaml(side.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise register_error(str(side), f"cannot read priors: {exc}") from exc
    if not isinstance(data, dict):
        raise register_error(str(side), "not a mapping (expected default, beliefs, domains)")
    unknown = sorted(set(data) - {"agent", "default", "beliefs", "domains", "secondary_domains"})
    if unknown:
        raise register_error(str(side), f"unknown key {unknown[0]!r}")
    return data


def _prior_and_level(entry: Any, origin: str, belief: str) -> tuple[float, str]:
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise register_error(origin, "expected {prior, level}", belief)
    prior, level = entry.get("prior", DEFAULT_PRIOR), entry.get("level", DEFAULT_LEVEL)
    if isinstance(prior, bool) or not isinstance(prior, int | float) or not 0 < prior < 1:
        raise register_error(origin, f"prior {prior!r} is outside (0, 1)", belief)
    if level not in LEVELS:
        raise register_error(origin, f"unknown level {level!r}", belief)
    return float(prior), str(level)


def register_from_belief_file(path: Path, text: str) -> Register:
    """An agent's `beliefs.md` (and its priors YAML, if any) as a register."""
    origin = str(path)
    entries = parse_belief_file(text, origin)
    side = _priors(path)
    side_origin = str(path.with_name(PRIORS_FILE))
    default = _prior_and_level(side.get("default"), side_origin, "default")
    chosen = side.get("beliefs") or {}
    if not isinstance(chosen, dict):
        raise register_error(side_origin, "'beliefs' must map ids to {prior, level}")
    unknown = sorted(set(map(str, chosen)) - {e.id for e in entries})
    if unknown:
        raise register_error(side_origin, f"no belief {unknown[0]!r} in {path.name}")
    beliefs = []
    for entry in entries:
        if not entry.disconfirmation:
            raise register_error(
                origin,
                "no **Disconfirmation target** or **Challenges considered**: a challenge must "
                "name what it touches",
                f"### {entry.number}",
            )
        prior, level = (
            _prior_and_level(chosen[entry.id], side_origin, entry.id)
            if entry.id in chosen
            else default
        )
        beliefs.append(
            Belief(
                id=entry.id,
                statement=entry.title,
                prior=prior,
                level=level,
                disconfirmation=entry.disconfirmation,
                description=entry.paragraph,
                grounding=entry.grounding,
            )
        )
    agent = side.get("agent") or path.parent.name or path.stem
    return Register(
        agent=str(agent),
        beliefs=tuple(beliefs),
        origin=origin,
        domains=_strings(side.get("domains"), "domains", side_origin),
        secondary_domains=_strings(side.get("secondary_domains"), "secondary_domains", side_origin),
    )


def is_collective(data: Any) -> bool:
    return isinstance(data, dict) and "holders" in data


def parse_collective(data: dict[str, Any], path: Path) -> tuple[Register, tuple[Path, ...]]:
    """The collective's register (beliefs qualified `agent/id`) and its known-claim folders."""
    from store.registers import load_register

    origin = str(path)
    unknown = sorted(set(map(str, data)) - set(_COLLECTIVE_KEYS))
    if unknown:
        raise register_error(origin, f"unknown key {unknown[0]!r} (known: holders, claims, name)")
    items = data.get("holders")
    if not isinstance(items, list) or not items:
        raise register_error(origin, "'holders' must be a non-empty list")
    holders: list[Holder] = []
    beliefs: list[Belief] = []
    seen: set[str] = set()
    for index, item in enumerate(items, 1):
        where = f"{origin}: holder #{index}"
        if not isinstance(item, dict):
            raise register_error(where, "not a mapping with agent, register, domains")
        stray = sorted(set(map(str, item)) - set(_HOLDER_KEYS))
        if stray:
            raise register_error(where, f"unknown key {stray[0]!r}")
        agent = item.get("agent")
        if not isinstance(agent, str) or not agent.strip() or "/" in agent:
            raise register_error(where, f"'agent' must be a name without '/', got {agent!r}")
        agent = agent.strip()
        if agent.casefold() in seen:
            raise register_error(where, f"agent {agent!r} is listed twice")
        seen.add(agent.casefold())
        ref = item.get("register")
        if not isinstance(ref, str) or not ref.strip():
            raise register_error(where, "'register' must name a beliefs.md or a YAML register")
        own = load_register((path.parent / ref).resolve())
        if own.is_collective:
            raise register_error(where, "a holder's register cannot itself be a collective")
        domains = _strings(item.get("domains"), "domains", where) or own.domains
        secondary = (
            _strings(item.get("secondary_domains"), "secondary_domains", where)
            or own.secondary_domains
        )
        holders.append(Holder(agent, domains, secondary, own.origin))
        beliefs.extend(
            Belief(
                id=f"{agent}/{b.id}",
                statement=b.statement,
                prior=b.prior,
                level=b.level,
                disconfirmation=b.disconfirmation,
                description=b.description,
                grounding=b.grounding,
                holder=agent,
            )
            for b in own.beliefs
        )
    claims = tuple(
        (path.parent / c).resolve() for c in _strings(data.get("claims"), "claims", origin)
    )
    name = data.get("name") or path.stem
    register = Register(
        agent=str(name),
        beliefs=tuple(beliefs),
        origin=origin,
        domains=tuple(dict.fromkeys(d for h in holders for d in h.domains)),
        secondary_domains=tuple(dict.fromkeys(d for h in holders for d in h.secondary_domains)),
        members=tuple(holders),
        claim_folders=tuple(str(c) for c in claims),
    )
    return register, claims


def parse_any_register(text: str, path: Path) -> Register:
    """A YAML register, a collective, or a belief file, told apart by suffix and content."""
    if path.suffix.lower() in (".md", ".markdown"):
        return register_from_belief_file(path, text)
    try:
        data = load_bounded_yaml(text)
    except yaml.YAMLError:
        return parse_register(text, str(path))  # which reports the YAML problem with its line
    if is_collective(data):
        return parse_collective(data, path)[0]
    return register_from_data(data, str(path))


def registers_explained() -> str:
    """What `tracker beliefs --explain` says about belief files and collectives."""
    return (
        "Registers: a YAML register, an agent's beliefs.md, or a collective of holders.\n"
        f"  A beliefs.md belief N is BN; its prior and level come from {PRIORS_FILE} beside the\n"
        f"  file, else the defaults: prior {DEFAULT_PRIOR:g}, level {DEFAULT_LEVEL}.\n"
        "  In a collective, ids are qualified by holder (rio/B3); a bare id is accepted when one\n"
        "  holder has it. A source reaches the holders whose domains (or secondary domains) meet\n"
        "  its domain or secondary domains; a holder naming no domains takes every source, a\n"
        "  source naming none reaches every holder. A source no holder covers moves nothing\n"
        "  (unrouted), and the 0.1 cap holds per source, holder and belief."
    )
