"""The archive on disk: finding source files, giving them stable ids, reading them, writing back.

Reading is per file and never fatal: a file that cannot be read becomes a ReadFailure with one
line that names the problem, and the rest of the batch goes on. Reading never modifies a file.
Write-back is atomic (temp file in the same folder, fsync, rename) and refuses to overwrite a file
that changed since it was read, so a concurrent edit by a person is never lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import stat
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from agent.errors import InputError
from store.frontmatter import (
    TRACKER_KEY,
    WRITE_BACK_KEYS,
    FrontmatterError,
    content_hash,
    parse_document,
    render_with_updates,
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
class _Found:
    path: Path
    rel: str
    root_index: int
    identity: tuple[int, int]


def _is_source_name(name: str) -> bool:
    return name.lower().endswith(SOURCE_SUFFIXES) and not name.startswith(".")


def _dangling_target(path: Path) -> str:
    with contextlib.suppress(OSError):
        return os.readlink(path)
    return "?"


class _Walker:
    """Walks the roots once, following folder links, without loops or double reads.

    Real folders are walked before linked ones so a file gets its plain path when it has one.
    A folder link that leads back to a folder on its own path is a loop: reported, not followed.
    A link to a folder already walked is skipped: its files are read once.
    """

    def __init__(self) -> None:
        self.found: list[_Found] = []
        self.failures: list[ReadFailure] = []
        self.walked: set[tuple[int, int]] = set()

    def add_root(self, root: Path, index: int) -> None:
        try:
            info = root.stat()
        except FileNotFoundError:
            if root.is_symlink():
                self._fail(root, f"dangling link to {_dangling_target(root)}")
            else:
                self._fail(root, "archive path not found")
            return
        except OSError as exc:
            self._fail(root, _os_problem(exc))
            return
        if stat.S_ISDIR(info.st_mode):
            if (info.st_dev, info.st_ino) not in self.walked:  # the same folder given twice
                self._walk(root, PurePosixPath(), index, (), (info.st_dev, info.st_ino))
        elif _is_source_name(root.name):
            self.found.append(_Found(root, root.name, index, (info.st_dev, info.st_ino)))
        else:
            self._fail(root, f"not a source file (expected {', '.join(SOURCE_SUFFIXES)})")

    def _fail(self, path: Path, problem: str) -> None:
        self.failures.append(ReadFailure(path, problem))

    def _walk(
        self,
        top: Path,
        rel: PurePosixPath,
        index: int,
        chain: tuple[tuple[int, int], ...],
        identity: tuple[int, int],
    ) -> None:
        """Walk `top` and its real subfolders; then follow its folder links in sorted order."""
        links: list[tuple[Path, PurePosixPath, tuple[tuple[int, int], ...]]] = []
        stack = [(top, rel, (*chain, identity))]
        self.walked.add(identity)
        while stack:
            folder, folder_rel, folder_chain = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
            except OSError as exc:
                self._fail(folder, f"cannot list folder: {_os_problem(exc)}")
                continue
            subfolders = []
            for entry in entries:
                if entry.name.startswith("."):
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
                if stat.S_ISDIR(info.st_mode):
                    if entry.is_symlink():
                        links.append((path, entry_rel, folder_chain))
                    elif ident not in self.walked:
                        self.walked.add(ident)
                        subfolders.append((path, entry_rel, (*folder_chain, ident)))
                elif stat.S_ISREG(info.st_mode) and _is_source_name(entry.name):
                    self.found.append(_Found(path, entry_rel.as_posix(), index, ident))
            stack.extend(reversed(subfolders))
        for link, link_rel, link_chain in sorted(links, key=lambda item: item[1]):
            try:
                info = os.stat(link)
            except OSError as exc:
                self._fail(link, _link_problem(link, exc))
                continue
            ident = (info.st_dev, info.st_ino)
            if ident in link_chain:
                self._fail(link, f"link loop: leads back to {os.path.realpath(link)}")
            elif ident not in self.walked:
                self._walk(link, link_rel, index, link_chain, ident)


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


def scan_archive(roots: Sequence[Path], known: Mapping[str, str] | None = None) -> ArchiveScan:
    """Find and read every source under `roots` (files or folders); failures do not stop it.

    `known` (resolved path -> id) keeps the ids of files tracker has seen before.
    """
    walker = _Walker()
    for index, root in enumerate(roots):
        walker.add_root(Path(root), index)
    ordered = sorted(walker.found, key=lambda item: (item.rel, item.root_index))
    unique, seen = [], set()
    for item in ordered:
        if item.identity not in seen:
            seen.add(item.identity)
            unique.append(item)
    assigned, warnings = _assign_ids(unique, known)
    scan = ArchiveScan(failures=list(walker.failures), warnings=warnings)
    for item, source_id in assigned:
        try:
            scan.sources.append(read_source(item.path, source_id))
        except SourceReadError as exc:
            scan.failures.append(ReadFailure(item.path, exc.problem, source_id))
    scan.failures.sort(key=lambda failure: str(failure.path))
    return scan


# -- reading ------------------------------------------------------------------------------------


def _read_file_bytes(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes, so an oversized file is detected without reading it all."""
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


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


def read_text(path: Path) -> str:
    """The whole file as text, or SourceReadError naming why it is not a readable source."""
    try:
        size = os.stat(path).st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceReadError(path, f"too large ({size} bytes; limit {MAX_SOURCE_BYTES})")
        data = _read_file_bytes(path, MAX_SOURCE_BYTES)
    except OSError as exc:
        problem = _link_problem(path, exc) if path.is_symlink() else _os_problem(exc)
        raise SourceReadError(path, problem) from exc
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceReadError(path, f"too large (over the {MAX_SOURCE_BYTES}-byte limit)")
    return _decode(path, data)


def read_source(path: Path, source_id: str) -> Source:
    """Read and parse one source file; raise SourceReadError if it cannot be used."""
    path = Path(path)
    text = read_text(path)
    try:
        doc = parse_document(text)
    except FrontmatterError as exc:
        raise SourceReadError(path, str(exc)) from exc
    return _build_source(path, source_id, text, doc)


# -- schema fields ------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ]\d{1,2}:\d{2}\S*)?\Z")
_STRICT_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?\Z")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
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
    heading = _HEADING.search(body) if path.suffix.lower() != ".txt" else None
    line = heading[1] if heading else next((ln for ln in body.splitlines() if ln.strip()), None)
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


def _build_source(path: Path, source_id: str, text: str, doc: Any) -> Source:
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
    )


# -- write-back ---------------------------------------------------------------------------------


def write_back(source: Source, updates: dict[str, Any]) -> None:
    """Set write-back keys in the file's frontmatter, atomically, keeping everything else.

    Refuses (SourceWriteError) when the file changed since `source` was read, so an edit made in
    the meantime is not overwritten. Only WRITE_BACK_KEYS may be updated (ValueError otherwise):
    they are the keys the content hash leaves out, which is why write-back never makes a source
    look changed. A link is written through, so the link itself stays.
    """
    allowed = (*WRITE_BACK_KEYS, TRACKER_KEY)
    stray = sorted(set(updates) - set(allowed))
    if stray:
        raise ValueError(f"write_back may only set {', '.join(allowed)}; got {stray}")
    path = source.path
    try:
        current = read_text(path)
    except SourceReadError as exc:
        raise SourceWriteError(path, f"cannot re-read before writing: {exc.problem}") from exc
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
        _replace_atomically(Path(os.path.realpath(path)), new_text.encode("utf-8"))
    except OSError as exc:
        raise SourceWriteError(path, f"cannot write: {_os_problem(exc)}") from exc


def _replace_atomically(target: Path, data: bytes) -> None:
    """Temp file beside the target, fsync, rename over it; keep mode (and owner if allowed).

    The temp name starts with a dot and ends in .tmp, so a leftover after a crash is never
    mistaken for a source by the scan.
    """
    info = os.stat(target)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fchmod(temp.fileno(), stat.S_IMODE(info.st_mode))
            with contextlib.suppress(OSError):
                os.fchown(temp.fileno(), info.st_uid, info.st_gid)
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    with contextlib.suppress(OSError):
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
