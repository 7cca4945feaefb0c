"""Claim notes the knowledge base already holds, as known claims tracker matches proposals to.

A curated note (`type: claim`, `description`, `domain`, `confidence`, `source`; its title is its
file name in this knowledge base, or its `title:`) is a claim a curator already accepted. A
proposed claim that restates one is recorded as DUPLICATE_CLAIM naming the note, and its stances
count as further evidence for it, so the knowledge base does not fill with second copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from store.database import write_transaction
from store.frontmatter import FrontmatterError, parse_document

PREFIX = "note:"


@dataclass(frozen=True)
class KnownClaim:
    id: str
    title: str
    description: str | None
    domain: str | None
    confidence: str | None
    path: str


def read_claim_notes(folders: Sequence[Path]) -> tuple[list[KnownClaim], list[str]]:
    """Every claim note under the folders, and one warning per file that could not be read."""
    claims: list[KnownClaim] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for folder in folders:
        if not Path(folder).is_dir():
            warnings.append(f"{folder}: claims folder not found")
            continue
        for path in sorted(Path(folder).rglob("*.md")):
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue
            try:
                doc = parse_document(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, FrontmatterError) as exc:
                warnings.append(f"{path}: not read as a claim note: {exc}")
                continue
            meta = doc.frontmatter
            if meta.get("type") not in (None, "claim"):
                continue
            title = str(meta.get("title") or path.stem).strip()
            key, number = f"{PREFIX}{path.stem}", 1
            while key in seen:
                number += 1
                key = f"{PREFIX}{path.stem}~{number}"
            seen.add(key)
            claims.append(
                KnownClaim(
                    key,
                    title,
                    _text(meta.get("description")),
                    _text(meta.get("domain")),
                    _text(meta.get("confidence")),
                    str(path.resolve()),
                )
            )
    return claims, warnings


def _text(value: object) -> str | None:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else None


def replace_known_claims(db: Database, claims: Sequence[KnownClaim]) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM known_claims")
        for c in claims:
            db.execute(
                "INSERT INTO known_claims (id, title, description, domain, confidence, path) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [c.id, c.title, c.description, c.domain, c.confidence, c.path],
            )


def known_claims(db: Database) -> list[KnownClaim]:
    rows = db.execute(
        "SELECT id, title, description, domain, confidence, path FROM known_claims ORDER BY id"
    ).fetchall()
    return [KnownClaim(*row) for row in rows]


def is_known(claim_id: str) -> bool:
    return claim_id.startswith(PREFIX)
