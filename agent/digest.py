"""`tracker digest --since DATE`: what changed, in the research journal's words.

The knowledge base this tool serves asks of every new piece of evidence whether it strengthens,
weakens or complicates a belief. The digest answers that for a period, from the ledger alone:

- a belief is STRENGTHENED when its credence rose over the period, WEAKENED when it fell (the
  change is the current credence minus the credence from the live events recorded before the
  period); it is also COMPLICATED when any complicating evidence arrived in the period;
- under each heading, the claims and sources behind it: supporting events under STRENGTHENED,
  challenging ones under WEAKENED, complicating ones under COMPLICATED;
- level changes of the period, and the period's rejections counted by reason code.

Only live records count: evidence later superseded by a changed source is not news.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlite_utils import Database

from agent.ledger import live_evidence
from agent.queries import level_change_rows
from beliefs.register import Register
from beliefs.rule import Evidence, RuleSettings, credence

HEADINGS = (
    ("STRENGTHENED", "supports"),
    ("WEAKENED", "challenges"),
    ("COMPLICATED", "complicates"),
)
MOVE_EPSILON = 1e-9


def build_digest(
    db: Database, register: Register, rule: RuleSettings, since: str, until: str
) -> dict[str, Any]:
    rows = db.execute(
        "SELECT e.belief, e.stance, e.weight, e.source, e.claim, COALESCE(c.title, e.claim), "
        "s.title, s.date, e.at FROM events e LEFT JOIN claims c ON c.id = e.claim "
        "LEFT JOIN sources s ON s.id = e.source "
        "WHERE e.superseded_at IS NULL AND e.at >= ? ORDER BY e.at, e.id",
        [since],
    ).fetchall()
    period: dict[str, list[dict[str, Any]]] = {}
    for belief, stance, weight, source, claim_id, claim, title, date, at in rows:
        period.setdefault(belief, []).append(
            {
                "stance": stance,
                "weight": round(weight, 6),
                "source": source,
                "source_title": title,
                "source_date": date,
                "claim_id": claim_id,
                "claim": claim,
                "at": at,
            }
        )
    beliefs = []
    for belief in register.beliefs:
        events = period.get(belief.id)
        if not events:
            continue
        earlier = [
            Evidence(belief.id, source, stance, weight)
            for source, stance, weight in db.execute(
                "SELECT source, stance, weight FROM events WHERE belief = ? "
                "AND superseded_at IS NULL AND at < ?",
                [belief.id, since],
            )
        ]
        before = credence(belief.prior, earlier, rule)
        after = credence(belief.prior, live_evidence(db, belief.id), rule)
        verdicts = []
        if after - before > MOVE_EPSILON:
            verdicts.append("STRENGTHENED")
        elif before - after > MOVE_EPSILON:
            verdicts.append("WEAKENED")
        if any(e["stance"] == "complicates" for e in events):
            verdicts.append("COMPLICATED")
        beliefs.append(
            {
                "id": belief.id,
                "statement": belief.statement,
                "credence_before": round(before, 6),
                "credence_after": round(after, 6),
                "verdicts": verdicts,
                "evidence": {
                    stance: [e for e in events if e["stance"] == stance] for _, stance in HEADINGS
                },
            }
        )
    rejections: Counter[str] = Counter()
    for (reasons,) in db.execute(
        "SELECT reasons FROM rejections WHERE superseded_at IS NULL AND at >= ?", [since]
    ):
        rejections.update(r["code"] for r in json.loads(reasons))
    processed = db.execute(
        "SELECT COUNT(*) FROM sources WHERE processed_at >= ? "
        "AND status IN ('processed', 'null-result')",
        [since],
    ).fetchone()[0]
    return {
        "since": since,
        "until": until,
        "sources_processed": processed,
        "beliefs": beliefs,
        "level_changes": level_change_rows(db, since=since),
        "rejections": dict(sorted(rejections.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def digest_markdown(digest: dict[str, Any]) -> str:
    lines = [
        f"# Research journal: {digest['since']} to {digest['until']}",
        "",
        f"{digest['sources_processed']} sources processed in the period.",
    ]
    for heading, stance in HEADINGS:
        lines += ["", f"## {heading}", ""]
        listed = [b for b in digest["beliefs"] if heading in b["verdicts"]]
        if not listed:
            lines.append("(none)")
        for b in listed:
            lines += [
                f"### {b['id']}: {b['statement']}",
                "",
                f"Credence {b['credence_before']:.3f} -> {b['credence_after']:.3f}.",
                "",
            ]
            for e in b["evidence"][stance] or []:
                source = e["source_title"] or e["source"]
                date = f", {e['source_date']}" if e["source_date"] else ""
                lines.append(
                    f"- {e['claim']} (weight {e['weight']:.3f}; source `{e['source']}`: "
                    f"{source}{date})"
                )
            if not b["evidence"][stance]:
                lines.append(f"- no {stance} evidence; the net change came from the rest")
            lines.append("")
    lines += ["", "## Level changes", ""]
    for c in digest["level_changes"] or []:
        lines.append(
            f"- {c['at'][:10]} {c['belief']}: {c['level_before']} -> {c['level_after']} "
            f"({c['credence_before']:.3f} -> {c['credence_after']:.3f}, source `{c['source']}`)"
        )
    if not digest["level_changes"]:
        lines.append("(none)")
    lines += ["", "## Rejections by reason", ""]
    if digest["rejections"]:
        lines += ["| reason | count |", "|---|---|"]
        lines += [f"| {code} | {n} |" for code, n in digest["rejections"].items()]
    else:
        lines.append("(none)")
    return "\n".join(lines).rstrip() + "\n"
