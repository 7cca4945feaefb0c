"""The archive on disk: finding source files, giving them stable ids, reading them, writing back.

Reading is per file and never fatal: a file that cannot be read (whatever it raises) becomes a
ReadFailure with one line that names the problem, and the rest of the batch goes on. Reading never
modifies a file.

Confinement: tracker writes only beneath the archive roots it was given. A link leading outside
them is reported and skipped (or, with `follow_links`, read and never written). Files are read and
written through descriptors opened without following links (`store.safe_files`), and write-back
checks that the file and its folder are still the ones read, so a swap during a run cannot
redirect a write. Write-back is atomic (temp file in the same folder, fsync, rename) and refuses
to overwrite a file that changed since it was read, so a concurrent edit by a person is never lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from agent.errors import ConfigError, InputError
from agent.text.clean import summary_line
from store.frontmatter import (
    TRACKER_KEY,
    WRITE_BACK_KEYS,
    FrontmatterError,
    content_hash,
    parse_document,
    render_with_updates,
)
from store.safe_files import (
    FileChanged,
    Identity,
    identity,
    is_own_temp,
    open_folder_beneath,
    open_regular_file,
    opened,
    read_fd,
    remove_stale_temps,
    replace_in_folder,
)

MAX_SOURCE_BYTES = 2 * 1024 * 1024
SOURCE_SUFFIXES = (".md", ".markdown", ".txt")
REQUIRED_KEYS = ("type", "title", "url", "date", "domain", "status")


class SourceReadError(InputError):
    """One source file could not be read; str() is "<path>: <problem>"."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class SourceWriteError(InputError):
    """Write-back to one source file did not happen; the file is as it was."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Source:
    """One archived document as read, with the schema fields other code needs."""

    id: str
    path: Path
    text: str
    frontmatter: dict[str, Any]
    body: str
    layout: str
    content_hash: str
    title: str
    url: str | None
    date: str | None
    date_sort: str | None
    domain: str | None
    status: str | None
    format: str | None
    author: str | None
    tags: tuple[str, ...]
    problems: tuple[str, ...] = ()
    abspath: str = ""
    """The resolved path: what a source id belongs to across runs (ids never shift)."""
    location: Location | None = None  # None: never written back (read through an outside link)

    def is_unprocessed(self) -> bool:
        """Status missing or `unprocessed`; other statuses (enrichment, partial) are not."""
        return self.status is None or self.status.strip().lower() == "unprocessed"


@dataclass(frozen=True)
class ReadFailure:
    """A file (or link, or root) that could not be read, and why, on one line.

    `source_id` is the id the file holds when it is a source file that failed to read: it is
    still there, so its recorded evidence is kept (a broken edit is not a deletion).
    """

    path: Path
    error: str
    source_id: str | None = field(default=None, compare=False)


@dataclass
class ArchiveScan:
    """Everything found under the roots. Per-source schema problems are on Source.problems."""

    sources: list[Source] = field(default_factory=list)
    failures: list[ReadFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# -- discovery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a source may be written back: the file `parts` beneath the archive folder `base`.

    Recorded when the file is read: `base` is a resolved archive root, `parts` the components of
    the file's resolved path below it, `file` and `folder` the (device, inode) of the file and of
    the folder holding it as they were opened. Write-back opens the same components again without
    following any link and refuses if either identity differs, so nothing swapped in meanwhile
    (a link, another file, a moved folder) can redirect the write.
    """

    base: str
    parts: tuple[str, ...]
    file: Identity
    folder: Identity


@dataclass(frozen=True)
class _Root:
    """An archive path given on the command line, resolved; files may be written beneath it."""

    real: str
    is_dir: bool

    def holds(self, real: str) -> bool:
        if not self.is_dir:
            return real == self.real
        return real == self.real or real.startswith(self.real.rstrip(os.sep) + os.sep)

    @property
    def base(self) -> str:
        return self.real if self.is_dir else os.path.dirname(self.real)


def _holder(roots: Sequence[_Root], real: str) -> _Root | None:
    return next((root for root in roots if root.holds(real)), None)


@dataclass(frozen=True)
class _Found:
    path: Path
    rel: str
    root_index: int
    identity: tuple[int, int]
    real: str


def _is_source_name(name: str) -> bool:
    return name.lower().endswith(SOURCE_SUFFIXES) and not name.startswith(".")


def _dangling_target(path: Path) -> str:
    with contextlib.suppress(OSError):
        return os.readlink(path)
    return "?"


def _outside_problem(kind: str, real: str) -> str:
    return (
        f"{kind} to {real}, outside the archive roots: skipped (`tracker process --follow-links` "
        "reads it, and never writes to it)"
    )


def check_archive_paths(paths: Sequence[Path]) -> None:
    """Refuse (ConfigError, exit 2) an archive path that is missing or is no source or folder.

    `process` calls this before it creates anything, so a typo never makes a workspace.
    """
    for path in paths:
        path = Path(path)
        if not path.exists():
            if path.is_symlink():
                raise ConfigError(
                    f"archive path {path} is a dangling link to {_dangling_target(path)}"
                )
            raise ConfigError(f"archive path {path} not found")
        if not path.is_dir() and not (path.is_file() and _is_source_name(path.name)):
            raise ConfigError(
                f"archive path {path} is neither a folder nor a source file "
                f"({', '.join(SOURCE_SUFFIXES)})"
            )


class _Walker:
    """Walks the roots once, following folder links, without loops or double reads.

    Real folders are walked before linked ones so a file gets its plain path when it has one.
    A folder link that leads back to a folder on its own path is a loop: reported, not followed.
    A link to a folder already walked is skipped: its files are read once. A link (to a folder or
    a file) whose target lies outside every root is reported and skipped, unless `follow_links`.
    Tracker's own stale temp files are collected in `temps` (only inside the roots).
    """

    def __init__(self, follow_links: bool) -> None:
        self.follow_links = follow_links
        self.roots: list[_Root] = []
        self.found: list[_Found] = []
        self.failures: list[ReadFailure] = []
        self.walked: set[tuple[int, int]] = set()
        self.temps: dict[Path, list[str]] = {}

    def resolve_root(self, root: Path) -> os.stat_result | None:
        """Stat a root and remember its resolved path; None (and a failure) if it is unusable."""
        try:
            info = root.stat()
        except FileNotFoundError:
            if root.is_symlink():
                self._fail(root, f"dangling link to {_dangling_target(root)}")
            else:
                self._fail(root, "archive path not found")
            return None
        except OSError as exc:
            self._fail(root, _os_problem(exc))
            return None
        self.roots.append(_Root(os.path.realpath(root), stat.S_ISDIR(info.st_mode)))
        return info

    def add_root(self, root: Path, index: int, info: os.stat_result) -> None:
        real = os.path.realpath(root)
        if stat.S_ISDIR(info.st_mode):
            if (info.st_dev, info.st_ino) not in self.walked:  # the same folder given twice
                self._walk(root, PurePosixPath(), index, (), (info.st_dev, info.st_ino), real)
        elif _is_source_name(root.name):
            self.found.append(_Found(root, root.name, index, (info.st_dev, info.st_ino), real))
        else:
            self._fail(root, f"not a source file (expected {', '.join(SOURCE_SUFFIXES)})")

    def _fail(self, path: Path, problem: str) -> None:
        self.failures.append(ReadFailure(path, problem))

    def _inside(self, real: str) -> bool:
        return _holder(self.roots, real) is not None

    def _walk(
        self,
        top: Path,
        rel: PurePosixPath,
        index: int,
        chain: tuple[tuple[int, int], ...],
        identity: tuple[int, int],
        real_top: str,
    ) -> None:
        """Walk `top` and its real subfolders; then follow its folder links in sorted order."""
        links: list[tuple[Path, PurePosixPath, tuple[tuple[int, int], ...]]] = []
        stack = [(top, rel, (*chain, identity), real_top)]
        self.walked.add(identity)
        while stack:
            folder, folder_rel, folder_chain, real_folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
            except OSError as exc:
                self._fail(folder, f"cannot list folder: {_os_problem(exc)}")
                continue
            subfolders = []
            names = [entry.name for entry in entries]
            for entry in entries:
                if entry.name.startswith("."):
                    if is_own_temp(entry.name, names) and self._inside(real_folder):
                        self.temps.setdefault(folder, []).append(entry.name)
                    continue
                path, entry_rel = Path(entry.path), folder_rel / entry.name
                try:
                    info = os.stat(path)
                except OSError as exc:
                    maybe_source = _is_source_name(entry.name) or "." not in entry.name
                    if entry.is_symlink() and maybe_source:
                        self._fail(path, _link_problem(path, exc))
                    continue
                ident = (info.st_dev, info.st_ino)
                is_link = entry.is_symlink()
                real = os.path.realpath(path) if is_link else os.path.join(real_folder, entry.name)
                if stat.S_ISDIR(info.st_mode):
                    if is_link:
                        links.append((path, entry_rel, folder_chain))
                    elif ident not in self.walked:
                        self.walked.add(ident)
                        subfolders.append((path, entry_rel, (*folder_chain, ident), real))
                elif stat.S_ISREG(info.st_mode) and _is_source_name(entry.name):
                    if is_link and not self.follow_links and not self._inside(real):
                        self._fail(path, _outside_problem("link", real))
                        continue
                    self.found.append(_Found(path, entry_rel.as_posix(), index, ident, real))
            stack.extend(reversed(subfolders))
        for link, link_rel, link_chain in sorted(links, key=lambda item: item[1]):
            try:
                info = os.stat(link)
            except OSError as exc:
                self._fail(link, _link_problem(link, exc))
                continue
            ident = (info.st_dev, info.st_ino)
            real = os.path.realpath(link)
            if ident in link_chain:
                self._fail(link, f"link loop: leads back to {real}")
            elif not self.follow_links and not self._inside(real):
                self._fail(link, _outside_problem("folder link", real))
            elif ident not in self.walked:
                self._walk(link, link_rel, index, link_chain, ident, real)


def _link_problem(path: Path, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"dangling link to {_dangling_target(path)}"
    if exc.errno == errno.ELOOP:  # a chain of file links that never ends
        return "link loop (the link never reaches a file)"
    return _os_problem(exc)


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or type(exc).__name__


def _assign_ids(
    found: list[_Found], known: Mapping[str, str] | None = None
) -> tuple[list[tuple[_Found, str]], list[str]]:
    """Ids are stems; a later file (in path order) with a taken stem gets STEM~2, STEM~3, ...

    `known` maps resolved paths to the ids tracker gave them before: those files keep their ids,
    so a new file with the same stem takes a new suffix instead of shifting everyone's. A `~N` id
    never takes a stem another file has on its own.
    """
    known = known or {}
    kept = {id(item): known[real] for item in found if (real := _real(item.path)) in known}
    taken = set(kept.values())
    if len(taken) < len(kept):  # two paths recorded under one id: fall back to path order
        kept, taken = {}, set()
    stems = {Path(item.rel).stem for item in found}
    owner: dict[str, _Found] = {}
    assigned: list[tuple[_Found, str]] = []
    for item in found:
        stem = Path(item.rel).stem
        source_id, number = kept.get(id(item), stem), 1
        while id(item) not in kept and (
            source_id in owner or source_id in taken or (number > 1 and source_id in stems)
        ):
            number += 1
            source_id = f"{stem}~{number}"
        owner[source_id] = item
        assigned.append((item, source_id))
    warnings = []
    for item, source_id in assigned:
        stem = Path(item.rel).stem
        if source_id != stem:
            holder = owner.get(stem)
            where = f" ({holder.path} has {stem!r})" if holder is not None else ""
            warnings.append(
                f"duplicate source id {stem!r}: {item.path} is read as {source_id!r}{where}"
            )
    return assigned, warnings


def _real(path: Path) -> str:
    return os.path.realpath(path)


def _unexpected(exc: BaseException) -> str:
    """One bounded line for an error nobody planned for (a RecursionError, a MemoryError)."""
    return summary_line(f"unexpected {type(exc).__name__}: {exc}".rstrip(": "))


def _is_text_name(path: Path) -> bool:
    """File names are text to tracker (ids, the database, output); undecodable bytes are not."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scan_archive(
    roots: Sequence[Path],
    known: Mapping[str, str] | None = None,
    *,
    follow_links: bool = False,
    clean_temps: bool = False,
) -> ArchiveScan:
    """Find and read every source under `roots` (files or folders); failures do not stop it.

    `known` (resolved path -> id) keeps the ids of files tracker has seen before.

    A link leading outside every root is a failure unless `follow_links`, and a source read
    through one is never written to (its `location` is None). With `clean_temps`, tracker's own
    temp files older than an hour (left by a killed write-back) are removed, with a warning.
    """
    walker = _Walker(follow_links)
    given = [
        (index, Path(root), walker.resolve_root(Path(root))) for index, root in enumerate(roots)
    ]
    for index, root, info in given:
        if info is not None:
            walker.add_root(root, index, info)
    ordered = sorted(walker.found, key=lambda item: (item.rel, item.root_index))
    unique, seen = [], set()
    failures = list(walker.failures)
    for item in ordered:
        if not _is_text_name(item.path):
            failures.append(ReadFailure(item.path, "file name is not valid UTF-8; rename it"))
        elif item.identity not in seen:
            seen.add(item.identity)
            unique.append(item)
    assigned, warnings = _assign_ids(unique, known)
    scan = ArchiveScan(failures=failures, warnings=warnings)
    for item, source_id in assigned:
        try:
            scan.sources.append(_read_found(item, source_id, walker.roots))
        except SourceReadError as exc:
            scan.failures.append(ReadFailure(item.path, exc.problem, source_id))
        except Exception as exc:  # one bad file never stops the batch, whatever it raises
            scan.failures.append(ReadFailure(item.path, _unexpected(exc), source_id))
    if clean_temps:
        for folder, names in sorted(walker.temps.items()):
            for removed in remove_stale_temps(folder, names):
                scan.warnings.append(
                    f"{removed}: removed a stale temporary file left by an interrupted write-back"
                )
    scan.failures.sort(key=lambda failure: str(failure.path))
    return scan


# -- reading ------------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> str:
    if not data:
        raise SourceReadError(path, "empty file (zero bytes)")
    if b"\0" in data:
        raise SourceReadError(path, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceReadError(
            path, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from exc
    if not text.lstrip("\ufeff").strip():
        raise SourceReadError(path, "empty file (only whitespace)")
    return text


def _read_open(path: Path, fd: int, info: os.stat_result) -> str:
    if info.st_size > MAX_SOURCE_BYTES:
        raise SourceReadError(path, f"too large ({info.st_size} bytes; limit {MAX_SOURCE_BYTES})")
    data = read_fd(fd, MAX_SOURCE_BYTES)
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceReadError(path, f"too large (over the {MAX_SOURCE_BYTES}-byte limit)")
    return _decode(path, data)


def read_text(path: Path) -> str:
    """The whole file as text, or SourceReadError naming why it is not a readable source.

    Follows links and writes nothing; for reading only (write-back reads through `Location`).
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with opened(fd):
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise SourceReadError(path, "not a regular file")
            return _read_open(path, fd, info)
    except OSError as exc:
        problem = _link_problem(path, exc) if path.is_symlink() else _os_problem(exc)
        raise SourceReadError(path, problem) from exc


_MOVED_ERRNOS = (errno.ELOOP, errno.ENOTDIR, errno.ENOENT)


def _open_beneath(
    base: str, parts: Sequence[str], file_id: Identity | None, folder_id: Identity | None = None
) -> tuple[int, int, os.stat_result]:
    """(folder fd, file fd, fstat) of `base/parts...`, no link followed after `base`.

    FileChanged when a component is now a link, gone, or not what was read (`file_id`,
    `folder_id`); other OSErrors pass. The caller closes both descriptors.
    """
    try:
        folder = open_folder_beneath(base, parts[:-1])
    except OSError as exc:
        if exc.errno in _MOVED_ERRNOS:
            raise FileChanged("moved, or a folder on its path became a link") from exc
        raise
    try:
        if folder_id is not None and identity(os.fstat(folder)) != folder_id:
            raise FileChanged("its folder was moved or replaced")
        try:
            fd, info = open_regular_file(parts[-1], folder)
        except OSError as exc:
            if exc.errno in _MOVED_ERRNOS:
                raise FileChanged("removed, or it became a link") from exc
            raise
        if file_id is not None and identity(info) != file_id:
            os.close(fd)
            raise FileChanged("replaced by another file")
    except BaseException:
        os.close(folder)
        raise
    return folder, fd, info


def _read_confined(
    path: Path, root: _Root, real: str, expected: Identity | None
) -> tuple[str, Location]:
    """Read the file at `real` beneath `root` through descriptors, never through a link."""
    parts = tuple(os.path.relpath(real, root.base).split(os.sep))
    try:
        folder, fd, info = _open_beneath(root.base, parts, expected)
    except FileChanged as exc:
        raise SourceReadError(path, f"changed during the run ({exc}); not read") from exc
    except OSError as exc:
        raise SourceReadError(path, _os_problem(exc)) from exc
    with opened(folder), opened(fd):
        folder_id = identity(os.fstat(folder))
        try:
            text = _read_open(path, fd, info)
        except OSError as exc:
            raise SourceReadError(path, _os_problem(exc)) from exc
    return text, Location(root.base, parts, identity(info), folder_id)


def _read_found(item: _Found, source_id: str, roots: Sequence[_Root]) -> Source:
    root = _holder(roots, item.real)
    if root is None:  # reached through a link leading outside (only with follow_links)
        return _parse(item.path, source_id, read_text(item.path), None)
    text, location = _read_confined(item.path, root, item.real, item.identity)
    return _parse(item.path, source_id, text, location)


def _parse(path: Path, source_id: str, text: str, location: Location | None) -> Source:
    try:
        doc = parse_document(text)
    except FrontmatterError as exc:
        raise SourceReadError(path, str(exc)) from exc
    return _build_source(path, source_id, text, doc, location)


def read_source(path: Path, source_id: str, root: Path | str | None = None) -> Source:
    """Read and parse one source file; raise SourceReadError if it cannot be used.

    Write-back is allowed (a `location` is recorded) when the file's resolved path lies beneath
    `root`, the archive root it was found under; without `root`, only when no link at all is on
    its path, so a file read on its own can never lead a write elsewhere.
    """
    path = Path(path)
    real = os.path.realpath(path)
    if root is not None:
        holder = _holder([_Root(os.path.realpath(root), os.path.isdir(root))], real)
    elif real == os.path.abspath(path):
        holder = _Root(os.path.dirname(real), True)
    else:
        holder = None
    if holder is None:
        return _parse(path, source_id, read_text(path), None)
    try:
        expected = identity(os.stat(path))
    except OSError as exc:
        problem = _link_problem(path, exc) if path.is_symlink() else _os_problem(exc)
        raise SourceReadError(path, problem) from exc
    text, location = _read_confined(path, holder, real, expected)
    return _parse(path, source_id, text, location)


# -- schema fields ------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ]\d{1,2}:\d{2}\S*)?\Z")
_STRICT_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?\Z")
_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*\Z")
_TITLE_LIMIT = 200


def _text(value: Any) -> str | None:
    """A scalar as a string (None or blank -> None); lists and mappings are not one value."""
    if value is None or isinstance(value, dict | list):
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def date_sort_key(date: str) -> str | None:
    """YYYY-MM-DD for sorting; a partial date (2026-01, 2026-01-00, 2026-00-00) is its first day."""
    match = _DATE.match(date.strip())
    if match is None:
        return None
    year, month, day = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    if month == 0:
        month, day = 1, 1
    try:
        return dt.date(year, month, max(day, 1)).isoformat()
    except ValueError:
        return None


def _fallback_title(path: Path, body: str) -> str | None:
    """First markdown heading (markdown files), else first non-empty line of the body."""
    lines = body.splitlines()  # any line ending: LF, CRLF or a lone CR
    markdown = path.suffix.lower() != ".txt"
    heading = next((m for ln in lines if markdown and (m := _HEADING.match(ln))), None)
    line = heading[1] if heading else next((ln for ln in lines if ln.strip()), None)
    if line is None:
        return None
    line = " ".join(line.split())
    return line if len(line) <= _TITLE_LIMIT else line[: _TITLE_LIMIT - 1].rstrip() + "…"


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        return tuple(text for item in value if (text := _text(item)) is not None)
    return ()


def _first(frontmatter: dict[str, Any], *keys: str) -> str | None:
    return next((text for key in keys if (text := _text(frontmatter.get(key)))), None)


def _problems(frontmatter: dict[str, Any], layout: str, date: str | None) -> list[str]:
    if layout == "none":
        return ["no frontmatter (title taken from the text)"]
    problems = []
    if layout == "flattened":
        problems.append("frontmatter was flattened onto one line (recovered)")
    present = {
        "type": _first(frontmatter, "type"),
        "title": _first(frontmatter, "title"),
        "url": _first(frontmatter, "url", "source"),
        "date": date,
        "domain": _first(frontmatter, "domain"),
        "status": _first(frontmatter, "status"),
    }
    missing = [key for key in REQUIRED_KEYS if present[key] is None]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problems.append(f"missing required key{plural}: {', '.join(missing)}")
    kind = present["type"]
    if kind in ("evidence", "archive"):
        problems.append(f"legacy type {kind!r} (now 'source')")
    elif kind is not None and kind != "source":
        problems.append(f"type is {kind!r}, not 'source'")
    if date is not None and date_sort_key(date) is None:
        problems.append(f"unparseable date {date!r} (expected YYYY-MM-DD, YYYY-MM or YYYY-00-00)")
    elif date is not None and not _STRICT_DATE.match(date.strip()):
        problems.append(f"date {date!r} is not YYYY-MM-DD (sorted as {date_sort_key(date)})")
    return problems


def _build_source(
    path: Path, source_id: str, text: str, doc: Any, location: Location | None
) -> Source:
    fm = doc.frontmatter
    date = _first(fm, "date", "date_published", "date_archived")
    return Source(
        id=source_id,
        path=path,
        text=text,
        frontmatter=fm,
        body=doc.body,
        layout=doc.layout,
        content_hash=content_hash(doc),
        title=_first(fm, "title") or _fallback_title(path, doc.body) or source_id,
        url=_first(fm, "url", "source"),
        date=date,
        date_sort=date_sort_key(date) if date else None,
        domain=_first(fm, "domain"),
        status=_first(fm, "status"),
        format=_first(fm, "format", "source_type"),
        author=_first(fm, "author"),
        tags=_tags(fm.get("tags")),
        problems=tuple(_problems(fm, doc.layout, date)),
        abspath=os.path.realpath(path),
        location=location,
    )


# -- write-back ---------------------------------------------------------------------------------


def write_back(source: Source, updates: dict[str, Any]) -> None:
    """Set write-back keys in the file's frontmatter, atomically, keeping everything else.

    Refuses (SourceWriteError) when the file changed since `source` was read, so an edit made in
    the meantime is not overwritten; when it was read through a link outside the archive roots;
    and when the file or its folder is no longer the one read (see `Location`). Only
    WRITE_BACK_KEYS may be updated (ValueError otherwise): they are the keys the content hash
    leaves out, which is why write-back never makes a source look changed. A link inside the
    archive is written through (the file it leads to is replaced), so the link itself stays.
    """
    allowed = (*WRITE_BACK_KEYS, TRACKER_KEY)
    stray = sorted(set(updates) - set(allowed))
    if stray:
        raise ValueError(f"write_back may only set {', '.join(allowed)}; got {stray}")
    path, where = source.path, source.location
    if where is None:
        raise SourceWriteError(path, "read through a link outside the archive roots; not written")
    try:
        folder, fd, info = _open_beneath(where.base, where.parts, where.file, where.folder)
    except FileChanged as exc:
        raise SourceWriteError(
            path, f"changed on disk since it was read ({exc}); not written"
        ) from exc
    except OSError as exc:
        raise SourceWriteError(path, f"cannot open to write: {_os_problem(exc)}") from exc
    with opened(folder):
        with opened(fd):
            try:
                current = _read_open(path, fd, info)
            except (OSError, SourceReadError) as exc:
                problem = exc.problem if isinstance(exc, SourceReadError) else _os_problem(exc)
                raise SourceWriteError(path, f"cannot re-read before writing: {problem}") from exc
        if current != source.text:
            raise SourceWriteError(path, "changed on disk since it was read; not written")
        try:
            doc = parse_document(current)
            new_text = render_with_updates(current, doc, updates)
            if content_hash(parse_document(new_text)) != content_hash(doc):
                raise FrontmatterError("the rendering would change the content hash")
        except FrontmatterError as exc:
            raise SourceWriteError(path, f"cannot write frontmatter: {exc}") from exc
        if new_text == current:
            return
        try:
            replace_in_folder(
                folder,
                where.parts[-1],
                new_text.encode("utf-8"),
                mode=stat.S_IMODE(info.st_mode),
                owner=(info.st_uid, info.st_gid),
                expect=where.file,
            )
        except FileChanged as exc:
            raise SourceWriteError(path, f"{exc}; not written") from exc
        except OSError as exc:
            raise SourceWriteError(path, f"cannot write: {_os_problem(exc)}") from exc
