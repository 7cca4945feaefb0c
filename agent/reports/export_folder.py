"""Writing into an export folder without destroying anything a person wrote or edited.

tracker keeps a manifest in the folder (`.tracker-export.json`): every file it wrote, with the
sha256 of what it wrote and the workspace that wrote it. It overwrites a file only when the file
is still exactly what it wrote (or already holds exactly the new text), deletes one only when it
wrote it, from this workspace, and it is unchanged; anything else is kept and reported. A folder
whose manifest names another workspace is refused unless `--force`, and even then the other
workspace's notes are never deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import ConfigError

MANIFEST = ".tracker-export.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tracker-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass
class ExportFolder:
    root: Path
    workspace: str
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, root: Path, workspace: str, force: bool = False) -> ExportFolder:
        """The folder and its manifest; ConfigError if another workspace exported here."""
        entries: dict[str, dict[str, str]] = {}
        manifest = root / MANIFEST
        if manifest.exists():
            try:
                data: Any = json.loads(manifest.read_text(encoding="utf-8"))
                entries = {str(k): dict(v) for k, v in data["files"].items()}
                owner = str(data["workspace"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ConfigError(f"{manifest}: not a tracker export manifest ({exc})") from exc
            if owner != workspace and not force:
                raise ConfigError(
                    f"{root} holds an export of another workspace ({owner}); export elsewhere, "
                    "or pass --force to write into it (its notes are never deleted)"
                )
        return cls(root, workspace, entries)

    def _current(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, rel: str, text: str) -> bool:
        """Write `rel` unless that would destroy someone's text; True if it holds `text` now."""
        data = text.encode("utf-8")
        current = self._current(rel)
        entry = self.entries.get(rel)
        if current is not None and current != data:
            if entry is None:
                self.kept.append({"path": rel, "why": "exists and was not written by tracker"})
                return False
            if entry["sha256"] != _sha256(current):
                self.kept.append({"path": rel, "why": "edited since tracker exported it; kept"})
                return False
        if current != data:
            _write_atomically(self.root / rel, data)
        self.entries[rel] = {"sha256": _sha256(data), "workspace": self.workspace}
        self.written.append(rel)
        return True

    def remove_stale(self, produced: set[str]) -> None:
        """Delete this workspace's unchanged notes that it no longer produces."""
        for rel in sorted(set(self.entries) - produced):
            entry = self.entries[rel]
            if entry.get("workspace") != self.workspace:
                continue
            current = self._current(rel)
            if current is None:
                del self.entries[rel]
            elif _sha256(current) == entry["sha256"]:
                (self.root / rel).unlink()
                del self.entries[rel]
                self.removed.append(rel)
            else:
                self.kept.append({"path": rel, "why": "no longer exported, but edited; kept"})

    def save(self) -> None:
        data = {"workspace": self.workspace, "files": dict(sorted(self.entries.items()))}
        _write_atomically(self.root / MANIFEST, (json.dumps(data, indent=1) + "\n").encode())
