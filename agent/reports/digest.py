"""`tracker digest --since DATE`: what changed, in the research journal's words.

The knowledge base this tool serves evaluates new evidence by asking whether it strengthens,
weakens or complicates a belief, and then acts on the answer: update the grounding, update the
belief and trace the cascade to dependent positions, or add the complication to the challenges
considered. Its evidence entries are headed `*Source: [[id]] | Added: date | Extractor: model*`.
The digest answers that question for a period, from the ledger alone, in that shape:

- a belief is STRENGTHENED when the period's events, supports against challenges, raised its
  credence (the rule over today's live events against the rule over the events live when the
  period began, so a source changed in the period counts with its old version before and its
  new one after), WEAKENED when they lowered it; it is COMPLICATED when any complicating event
  arrived, and also when the period's evidence left the credence where it was. The net is the
  rule's, not a count: against a prior of 0.75, supports outweighing challenges two to one still
  lower the credence, and calling that STRENGTHENED would contradict `tracker beliefs`;
- under each heading, the claims and sources behind it, with the side that lost counted;
- level changes of the period, and the period's rejections by reason code.

"The period" is measured on one of two clocks (`store.periods`). By default the sources' own
dates: `--since 2026-01-01` is about evidence published from January on, whenever tracker read it,
and "before" is the rule over the live evidence of sources dated earlier (the same time axis as
`tracker plot`; an undated source counts on the day it was processed, and is marked). With
`--processed-since` it is when tracker recorded the evidence (the events' `at`, UTC): what
changed in the workspace, "before" being the ledger as it stood at that moment. Only live
records count: evidence later superseded by a changed source is not news.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlite_utils import Database

from agent.reports.views import level_change_as_history, merge_level_changes
from agent.text.clean import markdown_inline
from beliefs.register import Register
from beliefs.rule import RuleSettings, credence, level_for
from store.periods import (
    evidence_before,
    evidence_until,
    period_events,
    period_level_changes,
    period_rejections,
    period_sources,
)
from store.sources import DONE_STATUSES

HEADINGS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("STRENGTHENED", ("supports",), "Update the grounding with the new evidence."),
    (
        "WEAKENED",
        ("challenges",),
        "Update the belief and trace the cascade to the positions that depend on it.",
    ),
    (
        "COMPLICATED",
        ("complicates", "supports", "challenges"),
        "Add the complications to the belief's challenges considered.",
    ),
)
STANCES = ("supports", "challenges", "complicates")
NET_EPSILON = 1e-9
EXAMPLES_PER_REASON = 5
ENTRIES_PER_BELIEF = 10


def verdicts_for(before: float, after: float, complicated: bool) -> list[str]:
    """The journal headings a belief goes under, from its credence over the period."""
    verdicts = []
    if after - before > NET_EPSILON:
        verdicts.append("STRENGTHENED")
    elif before - after > NET_EPSILON:
        verdicts.append("WEAKENED")
    if complicated or not verdicts:
        verdicts.append("COMPLICATED")
    return verdicts


def _period_events(
    db: Database, since: str, until: str, by: str
) -> dict[str, list[dict[str, Any]]]:
    period: dict[str, list[dict[str, Any]]] = defaultdict(list)
    keys = ("stance", "weight", "source", "source_title", "source_date", "claim_id", "claim")
    for event in period_events(db, since, until, by):
        entry = {key: event[key] for key in keys}
        entry.update(
            weight=round(event["weight"], 6),
            model=event["model"],
            at=event["at"],
            undated=bool(event["undated"]),
        )
        period[event["belief"]].append(entry)
    return period


def _rejections(
    db: Database, since: str, until: str, by: str
) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    counts: Counter[str] = Counter()
    examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for title, source, reasons in period_rejections(db, since, until, by):
        for code in dict.fromkeys(r["code"] for r in reasons):
            counts[code] += 1
            if len(examples[code]) < EXAMPLES_PER_REASON:
                examples[code].append({"claim": title, "source": source})
    order = sorted(counts, key=lambda code: (-counts[code], code))
    return {code: counts[code] for code in order}, {code: examples[code] for code in order}


def build_digest(
    db: Database,
    register: Register,
    rule: RuleSettings,
    since: str,
    until: str,
    by: str = "source",
) -> dict[str, Any]:
    """The period's changes as one JSON-ready object (`digest_markdown` renders it).

    `by` is the clock: "source" (the sources' own dates) or "processed" (when tracker recorded
    the evidence); see the module docstring.
    """
    period = _period_events(db, since, until, by)
    beliefs = []
    for belief in register.beliefs:
        # a related event (direction unknown) moves nothing, so it strengthens or weakens nothing
        events = [e for e in period.get(belief.id, []) if e["stance"] != "related"]
        if not events:
            continue
        before = credence(belief.prior, evidence_before(db, belief.id, since, by), rule)
        after = credence(belief.prior, evidence_until(db, belief.id, until, by), rule)
        weights = {
            s: round(sum(e["weight"] for e in events if e["stance"] == s), 6) for s in STANCES
        }
        beliefs.append(
            {
                "id": belief.id,
                "statement": belief.statement,
                "verdicts": verdicts_for(before, after, weights["complicates"] > 0),
                "credence_before": round(before, 6),
                "credence_after": round(after, 6),
                "level_before": level_for(before),
                "level_after": level_for(after),
                "weight": weights,
                "evidence": {s: [e for e in events if e["stance"] == s] for s in STANCES},
            }
        )
    rejections, examples = _rejections(db, since, until, by)
    processed, undated = period_sources(db, since, until, by, DONE_STATUSES)
    changes = merge_level_changes(period_level_changes(db, since, until, by))
    return {
        "since": since,
        "until": until,
        "by": "source_date" if by == "source" else "processed",
        "sources_processed": processed,
        "undated_sources": undated if by == "source" else 0,
        "sections": {
            heading: [b["id"] for b in beliefs if heading in b["verdicts"]]
            for heading, _, _ in HEADINGS
        },
        "beliefs": beliefs,
        "level_changes": [{**c, "note": level_change_as_history(c)["note"]} for c in changes],
        "rejections": rejections,
        "rejection_examples": examples,
    }


def _entry(e: dict[str, Any]) -> list[str]:
    """One piece of evidence, headed like the knowledge base's evidence entries."""
    source = f"[[{markdown_inline(e['source'])}]]"
    date = e["source_date"] or "undated"
    if e["source_title"]:
        source += f" ({markdown_inline(e['source_title'])}, {markdown_inline(date)})"
    else:
        source += f" ({markdown_inline(date)})"
    added = e["at"][:10]
    extractor = f" | Extractor: {e['model']}" if e["model"] else ""
    return [
        f"- **{markdown_inline(e['claim'])}** ({e['stance']}, weight {e['weight']:.3f})",
        f"  *Source: {source} | Added: {added}{extractor}*",
    ]


def _belief_block(b: dict[str, Any], heading: str, stances: tuple[str, ...]) -> list[str]:
    """One belief under one heading: its move, then the evidence that heading is about."""
    level = (
        f"; level {b['level_before']} -> {b['level_after']}"
        if b["level_before"] != b["level_after"]
        else f"; level {b['level_after']}"
    )
    w = b["weight"]
    lines = [
        f"### {b['id']}: {markdown_inline(b['statement'])}",
        "",
        f"Credence {b['credence_before']:.3f} -> {b['credence_after']:.3f}{level}. Evidence "
        f"weight in the period: supports {w['supports']:.3f}, challenges {w['challenges']:.3f}, "
        f"complicates {w['complicates']:.3f}.",
        "",
    ]
    shown = [s for s in stances if b["evidence"][s]]
    if heading == "COMPLICATED" and b["evidence"]["complicates"]:
        shown = ["complicates"]
    entries = sorted(
        (e for s in shown for e in b["evidence"][s]), key=lambda e: (-e["weight"], e["at"])
    )
    for e in entries[:ENTRIES_PER_BELIEF]:
        lines += _entry(e)
    more = len(entries) - ENTRIES_PER_BELIEF
    other = [s for s in STANCES if s not in shown and b["evidence"][s]]
    if more > 0 or (other and heading != "COMPLICATED"):
        parts = [f"{more} more {' / '.join(shown)}"] if more > 0 else []
        if heading != "COMPLICATED":
            parts += [f"{len(b['evidence'][s])} {s}" for s in other]
        lines.append(
            f"- Also in the period: {', '.join(parts)} (`tracker history {b['id']}`; "
            "`tracker digest --json` lists them all)."
        )
    lines.append("")
    return lines


def digest_markdown(digest: dict[str, Any]) -> str:
    """The digest as a journal entry: one section per heading, then levels and rejections."""
    by_id = {b["id"]: b for b in digest["beliefs"]}
    if digest.get("by", "source_date") == "source_date":
        clock = "sources dated in the period"
        count = f"{digest['sources_processed']} sources dated in the period"
        if digest.get("undated_sources"):
            count += (
                f" ({digest['undated_sources']} undated, counted on the day tracker processed them)"
            )
    else:
        clock = "evidence tracker recorded in the period"
        count = f"{digest['sources_processed']} sources processed in the period"
    lines = [
        f"# Research journal: {digest['since']} to {digest['until']}",
        "",
        f"The period covers {clock}. {count}; {len(digest['beliefs'])} beliefs received "
        "evidence. Each belief is evaluated by asking whether the period's evidence "
        "strengthens, weakens or complicates it.",
    ]
    for heading, stances, action in HEADINGS:
        lines += ["", f"## {heading}", ""]
        listed = digest["sections"][heading]
        if not listed:
            lines.append("(none)")
            continue
        lines += [f"Next step: {action}", ""]
        for belief_id in listed:
            lines += _belief_block(by_id[belief_id], heading, stances)
    lines += ["", "## Level changes", ""]
    for c in digest["level_changes"]:
        crossed = c["note"].partition("(")[2].rstrip(")")
        lines.append(
            f"- {c['at'][:10]} {c['belief']}: {c['level_before']} -> {c['level_after']} "
            f"({crossed}; {c['credence_before']:.3f} -> {c['credence_after']:.3f}), "
            f"source [[{markdown_inline(c['source'])}]]"
        )
    if not digest["level_changes"]:
        lines.append("(none)")
    lines += ["", "## Rejections by reason", ""]
    if not digest["rejections"]:
        lines.append("(none)")
    for code, n in digest["rejections"].items():
        lines.append(f"- **{code}**: {n}")
        for x in digest["rejection_examples"][code]:
            claim = markdown_inline(x["claim"] or "(no title)")
            lines.append(f"  - {claim} ([[{markdown_inline(x['source'])}]])")
        if n > len(digest["rejection_examples"][code]):
            lines.append(f"  - ... `tracker audit --reason {code} --since {digest['since']}`")
    return "\n".join(lines).rstrip() + "\n"
