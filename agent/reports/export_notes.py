"""`tracker export DIR`: accepted claims as notes in the knowledge base's own claim format.

The curators' notes are markdown files with frontmatter (`type: claim`, `domain`, `description`,
`confidence`, `source`, `created`) and a body that argues the claim. Exporting in that format lets
a curator review tracker's claims where they review their own. Links are ordinary relative
markdown links so the files read well in any viewer. tracker marks its files (`exported_by:
tracker`) for readers, but what it may overwrite or delete is decided by the folder's manifest
(`agent.reports.export_folder`): never a file a person wrote or edited.

Everything is written inside the folder named and nowhere else (a link there is refused,
never written through); see `agent.reports.export_folder`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlite_utils import Database

from agent.credences import belief_rows
from agent.reports.export_folder import ExportFolder
from agent.text.clean import markdown_inline
from agent.text.labels import is_prose_rationale
from beliefs.register import Register
from beliefs.rule import RuleSettings, level_for
from store.claims import live_claims_with_sources, stances_by_claim
from store.known_claims import known_claims
from store.ledger import live_notes, live_stances_on_known_claims
from store.sources import workspace_id

MARKER = "exported_by"
STANCE_ORDER = {"supports": 0, "challenges": 1, "complicates": 2}
SLUG_WORDS = 12
SLUG_CHARS = 80
"""Longest file stem: long enough to recognise the claim, short enough for any file system and
for a listing a curator can read (titles run to 200 characters)."""


@dataclass
class ExportResult:
    directory: Path
    files: list[str] = field(default_factory=list)
    claims: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "dir": str(self.directory),
            "claims": self.claims,
            "files": self.files,
            "refused": self.refused,
            "removed": self.removed,
        }


def slug(title: str, claim_id: str) -> str:
    """File stem: the title's first words, plus the claim id so it is unique and stable; at
    most SLUG_CHARS characters, cut between words (a single overlong word is cut)."""
    words = re.findall(r"[a-z0-9]+", title.casefold())[:SLUG_WORDS]
    suffix = claim_id.lower()
    room = SLUG_CHARS - len(suffix) - 1
    kept: list[str] = []
    for word in words:
        if len("-".join([*kept, word])) > room:
            if not kept:
                kept.append(word[:room])
            break
        kept.append(word)
    return "-".join([*kept, suffix])


def _frontmatter(data: dict[str, Any]) -> str:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{text}---\n"


def _claims(db: Database) -> list[dict[str, Any]]:
    stances = stances_by_claim(db)
    claims = []
    for r in live_claims_with_sources(db):
        frontmatter = r["source_frontmatter"]
        claims.append(
            {
                "id": r["id"],
                "title": r["title"],
                "description": r["description"],
                "confidence": r["confidence"],
                "domain": r["domain"],
                "quotes": r["quotes"],
                "created": _day(r["created_at"]),
                "model": r["model"],
                "source": r["source"],
                "source_title": r["source_title"] or r["source"],
                "source_date": r["source_date"],
                "source_url": frontmatter.get("url") or frontmatter.get("source"),
                "source_author": _author(frontmatter.get("author")),
                "secondary_domains": _strings(frontmatter.get("secondary_domains")),
                "beliefs": stances.get(r["id"], []),
                "file": f"{slug(r['title'], r['id'])}.md",
            }
        )
    return claims


def _day(value: Any) -> dt.date | str:
    """A YAML date (unquoted, as the curators write `created: 2026-02-17`) when it is one."""
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)


def _author(value: Any) -> str | None:
    """The knowledge base cites "Tomasev et al"; a long author list is shortened the same way."""
    names = value if isinstance(value, list) else str(value or "").split(",")
    names = [str(n).strip() for n in names if str(n).strip()]
    if not names:
        return None
    return f"{names[0]} et al" if len(names) > 2 else ", ".join(names)


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str | int)] if isinstance(value, list) else []


def _link_text(text: str) -> str:
    """Untrusted text as a link's text: inline markdown, and square brackets (which would end
    the link text early) escaped."""
    return markdown_inline(text).replace("[", "\\[").replace("]", "\\]")


def _url(url: str) -> str:
    """A link target every viewer reads: no spaces or parentheses left bare."""
    return str(url).strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def claim_note(claim: dict[str, Any], register: Register) -> str:
    source_line = claim["source_title"]
    if claim["source_author"]:
        source_line = f"{claim['source_author']}, {source_line}"
    if claim["source_date"]:
        source_line += f" ({claim['source_date']})"
    meta: dict[str, Any] = {
        "type": "claim",
        "domain": claim["domain"],
        "description": claim["description"],
        "confidence": claim["confidence"],
        "source": source_line,
        "created": claim["created"],
    }
    if claim["secondary_domains"]:
        meta["secondary_domains"] = claim["secondary_domains"]
    meta |= {
        "source_id": claim["source"],
        "source_url": claim["source_url"],
        "beliefs": [b for b, _, _ in claim["beliefs"]],
        "extraction_model": claim["model"],
        "tracker_id": claim["id"],
        MARKER: "tracker",
    }
    # Text from sources and models goes into the markdown one line each, with no HTML in it.
    link = (
        f"[{_link_text(claim['source_title'])}]({_url(claim['source_url'])})"
        if claim["source_url"]
        else markdown_inline(claim["source_title"])
    )
    title, description = markdown_inline(claim["title"]), markdown_inline(claim["description"])
    lines = [f"# {title}", "", description, "", "## Evidence", ""]
    for quote in claim["quotes"]:
        lines += [f"> {markdown_inline(quote)}", ""]
    lines += [f"From {link}, source `{claim['source']}`.", "", "## Beliefs it bears on", ""]
    for belief_id, stance, rationale in claim["beliefs"]:
        belief = register.get(belief_id)
        statement = f" ({markdown_inline(belief.statement)})" if belief else ""
        reason = f": {markdown_inline(rationale)}" if is_prose_rationale(rationale) else ""
        lines.append(f"- **{belief_id}** {stance}{reason}{statement}")
    if not claim["beliefs"]:
        lines.append("- none named")
    lines += ["", "---", "", "Relevant Notes:", "- [beliefs](../beliefs.md)", ""]
    return _frontmatter(meta) + "\n" + "\n".join(lines)


def _note_line(
    claim: dict[str, Any] | None, belief: str, source: str, stance: str, note: str
) -> str:
    """One challenge or complication: the claim linked, and the model's rationale when it is
    prose a curator would write (the offline model's similarity arithmetic is not).

    The ledger's note also names the belief and its disconfirmation target, which beliefs.md
    states once per belief; only a note whose claim is no longer exported is shown whole.
    """
    if claim is None:
        return f"- {markdown_inline(note)}"
    rationale = markdown_inline(
        next((r for b, _, r in claim["beliefs"] if b == belief and is_prose_rationale(r)), "")
    )
    title = _link_text(claim["title"])
    line = f"- {stance}, from `{source}`: [{title}](claims/{claim['file']})"
    return line + (f". Rationale: {rationale}" if rationale else "")


def _known_links(db: Database, directory: Path) -> dict[str, list[str]]:
    """belief -> grounding lines for the knowledge base's own notes that sources restated:
    a link to the known note, never a second copy of it."""
    notes = {note.id: note for note in known_claims(db)}
    lines: dict[str, list[str]] = {}
    for belief, claim_id, source, stance in live_stances_on_known_claims(db):
        note = notes.get(claim_id)
        if note is not None:
            link = Path(os.path.relpath(note.path, directory.resolve())).as_posix()
            title = _link_text(note.title)
            lines.setdefault(belief, []).append(
                f"- {stance} (restated by `{source}`): [{title}]({_url(link)})"
            )
    return lines


def beliefs_note(
    db: Database,
    register: Register,
    rule: RuleSettings,
    claims: list[dict[str, Any]],
    directory: Path = Path("."),
) -> str:
    by_belief: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for claim in claims:
        for belief_id, stance, _ in claim["beliefs"]:
            by_belief.setdefault(belief_id, []).append((stance, claim))
    known = _known_links(db, directory)
    by_id = {claim["id"]: claim for claim in claims}
    notes: dict[str, list[str]] = {}
    for belief, claim_id, source, stance, note in live_notes(db):
        notes.setdefault(belief, []).append(
            _note_line(by_id.get(claim_id), belief, source, stance, note)
        )
    lines = [
        _frontmatter({"type": "beliefs", "agent": register.agent, MARKER: "tracker"}),
        f"# Beliefs of {register.agent}",
        "",
        "Credences from tracker's evidence ledger (`tracker beliefs --explain` gives the rule).",
    ]
    for row in belief_rows(db, register, rule):
        lo, hi = row["interval"]
        lines += [
            "",
            f"## {row['id']}: {markdown_inline(row['statement'])}",
            "",
            f"- credence **{row['credence']:.3f}** (90% interval {lo:.3f} to {hi:.3f}; prior "
            f"{row['prior']:g}); level by credence: {level_for(row['credence'])} (register: "
            f"{row['level']})",
            f"- live evidence: {row['evidence']} events, {row['disconfirming']} disconfirming",
            "",
            "### Grounding claims",
            "",
        ]
        grounding = sorted(
            by_belief.get(row["id"], []),
            key=lambda sc: (STANCE_ORDER.get(sc[0], 9), sc[1]["title"].casefold()),
        )
        lines += [
            f"- {stance}: [{_link_text(claim['title'])}](claims/{claim['file']})"
            for stance, claim in grounding
        ] + known.get(row["id"], []) or ["- none yet"]
        belief = register.get(row["id"])
        if belief is not None:
            disconfirmation = markdown_inline(belief.disconfirmation)
            lines += ["", "### What would disconfirm it", "", f"> {disconfirmation}"]
        lines += ["", "### Disconfirmation notes", ""]
        lines += notes.get(row["id"], []) or ["- none yet"]
    return "\n".join(lines) + "\n"


def export_notes(
    db: Database, register: Register, rule: RuleSettings, directory: Path, force: bool = False
) -> ExportResult:
    """Write the notes; files a person wrote or edited are kept and reported (`refused`)."""
    result = ExportResult(directory)
    claims = _claims(db)
    produced = {f"claims/{claim['file']}" for claim in claims} | {"beliefs.md"}
    with ExportFolder.open(directory, workspace_id(db), force) as folder:
        for claim in claims:
            result.claims += folder.write(f"claims/{claim['file']}", claim_note(claim, register))
        folder.write("beliefs.md", beliefs_note(db, register, rule, claims, directory))
        folder.remove_stale(produced)  # claims since superseded: their notes would now mislead
        folder.save()
    result.files = folder.written
    result.removed = folder.removed
    result.refused = [{"path": str(directory / k["path"]), "error": k["why"]} for k in folder.kept]
    return result
