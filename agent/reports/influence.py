"""Leave-one-out influence: how far each source moved a belief, from the ledger alone.

The rule is order independent, so "the credence without source S" is well defined: the rule
applied to every live event except S's. The shift a source made is the current credence minus
that; by the per-source cap its size is at most the cap (up to the interaction with other
sources' counts, which only shrinks it).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlite_utils import Database

from beliefs.register import Register
from beliefs.rule import RuleSettings, credence
from store.ledger import live_evidence
from store.sources import titles_and_dates


def influence_rows(
    db: Database, register: Register, rule: RuleSettings, belief_id: str
) -> dict[str, Any]:
    """The belief's credence and its sources, largest absolute shift first."""
    belief = register.get(belief_id)
    assert belief is not None
    evidence = live_evidence(db, belief_id)
    current = credence(belief.prior, evidence, rule)
    titles = titles_and_dates(db)
    stances: dict[str, Counter[str]] = {}
    for item in evidence:
        stances.setdefault(item.source_id, Counter())[item.stance] += 1
    rows = []
    for source_id, counts in stances.items():
        without = credence(belief.prior, [e for e in evidence if e.source_id != source_id], rule)
        title, date = titles.get(source_id, (None, None))
        rows.append(
            {
                "source": source_id,
                "title": title,
                "date": date,
                "events": sum(counts.values()),
                "credence": round(current, 6),
                "stances": dict(sorted(counts.items())),
                "credence_without": round(without, 6),
                "shift": round(current - without, 6),
            }
        )
    rows.sort(key=lambda r: (-abs(r["shift"]), r["source"]))
    return {
        "belief": belief_id,
        "prior": belief.prior,
        "credence": round(current, 6),
        "sources": rows,
    }
