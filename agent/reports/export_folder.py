"""Writing into an export folder without destroying anything a person wrote or edited.

tracker keeps a manifest in the folder (`.tracker-export.json`): every file it wrote, with the
sha256 of what it wrote and the workspace that wrote it. It overwrites a file only when the file
is still exactly what it wrote (or already holds exactly the new text), deletes one only when it
wrote it, from this workspace, and it is unchanged; anything else is kept and reported. A folder
whose manifest names another workspace is refused unless `--force`, and even then the other
workspace's notes are never deleted.

Everything happens inside the folder named and nowhere else: the folder and its subfolders are
opened as descriptors without following links (a link there is refused, never written through),
files are read without following a final link, and each file is replaced by a temp file and a
rename in the same opened folder, so a hard or symbolic link to a file elsewhere is never
modified.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from agent.errors import ConfigError
from store.safe_files import FileChanged, open_regular_file, opened, read_fd, replace_in_folder

MANIFEST = ".tracker-export.json"
MAX_NOTE_BYTES = 16 << 20  # an export note is a few KB; anything this large is not ours
_LINK = "is a link; tracker does not write through it"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Refused(Exception):
    """This entry is a link or no regular file: reported, never followed or replaced."""


def _open_inside(parent: int, name: str) -> int:
    """The folder `name` in `parent`, made if missing; a link there is refused."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o755, dir_fd=parent)
    try:
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _Refused(f"{name}/ is a link or not a folder; not followed") from exc
        raise


def _read(folder: int, name: str) -> bytes | None:
    """The file's bytes, None when there is none; _Refused for a link or a non-file."""
    try:
        fd, _ = open_regular_file(name, folder)  # O_NOFOLLOW: a link is ELOOP, never followed
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Refused(_LINK) from exc
        raise _Refused(f"cannot be read as a file ({exc})") from exc
    except FileChanged as exc:
        raise _Refused(f"cannot be read as a file ({exc})") from exc
    with opened(fd):
        return read_fd(fd, MAX_NOTE_BYTES)


@dataclass
class ExportFolder:
    root: Path
    workspace: str
    top: int
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    _subfolders: dict[str, int] = field(default_factory=dict)

    @classmethod
    def open(cls, root: Path, workspace: str, force: bool = False) -> ExportFolder:
        """The folder (made if missing) and its manifest; ConfigError if another workspace
        exported here, or the manifest is not one."""
        root.mkdir(parents=True, exist_ok=True)  # the folder named is taken as named
        top = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            entries = cls._manifest(root, top, workspace, force)
        except BaseException:
            os.close(top)
            raise
        return cls(root, workspace, top, entries)

    @staticmethod
    def _manifest(root: Path, top: int, workspace: str, force: bool) -> dict[str, dict[str, str]]:
        manifest = root / MANIFEST
        try:
            raw = _read(top, MANIFEST)
        except _Refused as exc:
            raise ConfigError(f"{manifest}: {exc}") from exc
        if raw is None:
            return {}
        try:
            data: Any = json.loads(raw.decode("utf-8"))
            entries = {str(k): dict(v) for k, v in data["files"].items()}
            owner = str(data["workspace"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{manifest}: not a tracker export manifest ({exc})") from exc
        if owner != workspace and not force:
            raise ConfigError(
                f"{root} holds an export of another workspace ({owner}); export elsewhere, "
                "or pass --force to write into it (its notes are never deleted)"
            )
        return entries

    def __enter__(self) -> ExportFolder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for fd in self._subfolders.values():
            os.close(fd)
        self._subfolders.clear()
        os.close(self.top)

    def _place(self, rel: str) -> tuple[int, str]:
        """(folder descriptor, file name) of `rel`; one level of subfolder, as notes use."""
        parent, _, name = rel.rpartition("/")
        if not parent:
            return self.top, name
        if parent not in self._subfolders:
            self._subfolders[parent] = _open_inside(self.top, parent)
        return self._subfolders[parent], name

    def write(self, rel: str, text: str) -> bool:
        """Write `rel` unless that would destroy someone's text; True if it holds `text` now."""
        data = text.encode("utf-8")
        try:
            folder, name = self._place(rel)
            current = _read(folder, name)
        except _Refused as exc:
            self.kept.append({"path": rel, "why": str(exc)})
            return False
        entry = self.entries.get(rel)
        if current is not None and current != data:
            if entry is None:
                self.kept.append({"path": rel, "why": "exists and was not written by tracker"})
                return False
            if entry["sha256"] != _sha256(current):
                self.kept.append({"path": rel, "why": "edited since tracker exported it; kept"})
                return False
        if current != data:
            replace_in_folder(folder, name, data)
        self.entries[rel] = {"sha256": _sha256(data), "workspace": self.workspace}
        self.written.append(rel)
        return True

    def remove_stale(self, produced: set[str]) -> None:
        """Delete this workspace's unchanged notes that it no longer produces."""
        for rel in sorted(set(self.entries) - produced):
            entry = self.entries[rel]
            if entry.get("workspace") != self.workspace:
                continue
            try:
                folder, name = self._place(rel)
                current = _read(folder, name)
            except _Refused as exc:
                self.kept.append({"path": rel, "why": str(exc)})
                continue
            if current is None:
                del self.entries[rel]
            elif _sha256(current) == entry["sha256"]:
                os.unlink(name, dir_fd=folder)
                del self.entries[rel]
                self.removed.append(rel)
            else:
                self.kept.append({"path": rel, "why": "no longer exported, but edited; kept"})

    def save(self) -> None:
        data = {"workspace": self.workspace, "files": dict(sorted(self.entries.items()))}
        try:
            _read(self.top, MANIFEST)
        except _Refused as exc:
            raise ConfigError(f"{self.root / MANIFEST}: {exc}") from exc
        replace_in_folder(self.top, MANIFEST, (json.dumps(data, indent=1) + "\n").encode())
