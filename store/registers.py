"""Register files, and the register a workspace records: reading a belief register, the
packaged default and its workspace copy; the snapshots `process` records with the ledger.

The parsing and checking of a register's text is pure (`beliefs.register.parse_register`); this
module does the file work around it, so every problem still names the file. A workspace keeps a
snapshot of every register its ledger was built with: read commands use the last one, so they
show the credences the ledger was computed with, whatever happened to the file since.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlite_utils import Database

from beliefs.register import (
    DEFAULT_ORIGIN,
    Register,
    parse_register,
    register_error,
    register_from_snapshot,
    register_snapshot,
)


def load_register(path: Path) -> Register:
    """Read and parse a register file: a YAML register, a collective of holders, or an agent's
    `beliefs.md` (`store.collective`); a missing or unreadable file is a RegisterError too."""
    from store.collective import parse_any_register

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise register_error(str(path), "belief register file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise register_error(str(path), f"cannot read belief register: {reason}") from exc
    return parse_any_register(text, Path(path))


def default_register_text() -> str:
    """The packaged default register (Theseus's B1-B5), read from the installed package."""
    return resources.files("beliefs").joinpath("default_register.yaml").read_text(encoding="utf-8")


def default_register() -> Register:
    """The packaged default, parsed; its origin is "<default>"."""
    return parse_register(default_register_text(), DEFAULT_ORIGIN)


def ensure_register(path: Path) -> Path:
    """Copy the default register to `path` unless something is already there; return `path`.

    The copy is written to a temporary file and renamed into place, so a crash never leaves a
    half-written register that the next run would refuse. An existing file is never touched.
    """
    path = Path(path)
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(default_register_text())
            if not path.exists():  # another process may have won the race; keep its copy
                os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise register_error(
            str(path), f"cannot create belief register: {exc.strerror or exc}"
        ) from exc
    return path


# -- the register a workspace was built with -----------------------------------------------------


@dataclass(frozen=True)
class RecordedRegister:
    """The register last recorded by `process`, with the file it was read from."""

    register: Register
    sha256: str
    path: str | None


def snapshot_sha256(register: Register) -> str:
    text = json.dumps(register_snapshot(register), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recorded_register(db: Database) -> RecordedRegister | None:
    """The register in force for this workspace's ledger, or None before the first record."""
    row = db.execute(
        "SELECT snapshot, sha256, path FROM registers ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return RecordedRegister(register_from_snapshot(json.loads(row[0])), row[1], row[2])


def record_register(db: Database, register: Register, path: str | None, now: str) -> None:
    """Append the register now in force (inside the caller's transaction)."""
    db.execute(
        "INSERT INTO registers (sha256, origin, path, snapshot, at) VALUES (?, ?, ?, ?, ?)",
        [
            snapshot_sha256(register),
            register.origin,
            path,
            json.dumps(register_snapshot(register), ensure_ascii=False),
            now,
        ],
    )
