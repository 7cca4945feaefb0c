"""Applying a changed register to a workspace's ledger, so nothing is orphaned silently.

`process` compares the register it reads with the one the workspace recorded. Priors moved:
credences are recomputed from the ledger (so `replay --check` holds with the new priors). A
belief removed: its live events are retired with a note. A belief renamed (same statement,
new id): its live events are carried over, retired under the old id and appended under the new
one with the same claims and weights. A belief added or reworded, or the domains changed: the
register view of the sources it reaches changes (`agent.extract.routing`), so they are judged
again by the run itself (the reply cache serves any prompt that did not change). The new register
is then recorded.
"""

from __future__ import annotations

from dataclasses import replace

from sqlite_utils import Database

from agent.credences import store_credences
from agent.extract.routing import route_frontmatter
from beliefs.register import Register, RegisterChanges, register_changes
from beliefs.rule import Evidence, RuleSettings, credence
from store import ledger
from store.claims import rename_belief_links
from store.registers import RecordedRegister, record_register, snapshot_sha256
from store.sources import known_sources, set_view


def sync_register(
    db: Database,
    register: Register,
    path: str | None,
    recorded: RecordedRegister | None,
    rule: RuleSettings,
    now: str,
) -> RegisterChanges | None:
    """Record `register` for the workspace and apply what changed since the last one.

    Called inside the caller's write transaction. Returns the changes (None when the register is
    the one recorded, or the first one recorded).
    """
    if recorded is not None and recorded.sha256 == snapshot_sha256(register):
        return None
    changes = register_changes(recorded.register, register) if recorded is not None else None
    if changes is not None:
        for belief_id in changes.removed:
            ledger.supersede_belief(db, belief_id, "belief removed from the register", now)
        for old, new in changes.renamed:
            _carry_over(db, register, rule, old, new, now)
        view_only_renamed = not (
            changes.added or changes.removed or changes.reworded or changes.domains
        )
        if view_only_renamed and recorded is not None:
            _keep_views(db, recorded.register, register)
    record_register(db, register, path, now)
    store_credences(db, register, rule, now)
    return changes if changes is not None and changes.any else None


def _keep_views(db: Database, old: Register, new: Register) -> None:
    """Ids renamed only: a source judged against its old view counts as judged against the
    same view under the new ids, so it is not extracted again for a rename."""
    for record in known_sources(db).values():
        if record.view_sha256 == route_frontmatter(old, record.frontmatter).view_sha256:
            set_view(db, route_frontmatter(new, record.frontmatter).view_sha256, [record.id])


def _carry_over(
    db: Database, register: Register, rule: RuleSettings, old: str, new: str, now: str
) -> None:
    """Move a renamed belief's live events to its new id, with the same claims and weights."""
    belief = register.get(new)
    events = ledger.live_events_of_belief(db, old)
    ledger.supersede_belief(db, old, f"belief renamed to {new}", now)
    rename_belief_links(db, old, new)
    if belief is None:
        return
    running: list[Evidence] = ledger.live_evidence(db, new)
    before = credence(belief.prior, running, rule)
    for event in events:
        running.append(Evidence(new, event.source, event.stance, event.weight))
        after = credence(belief.prior, running, rule)
        note = event.note.replace(old, new, 1) if event.note else None
        ledger.append_event(
            db,
            replace(
                event, belief=new, credence_before=before, credence_after=after, note=note, at=now
            ),
        )
        before = after
