"""Writing files where tracker was told to, and nowhere else, even while the tree changes.

tracker runs from cron, sometimes as root, over folders other people can write to. A path checked
and then opened by name can be swapped for a link in between, so everything here works on file
descriptors: folders are opened one component at a time with O_NOFOLLOW beneath a base folder,
what was opened is compared (fstat) with what was read, and a file is replaced by writing a temp
file in the same opened folder and renaming it there. `rename` replaces the directory entry, never
what a link points to, so the last swap an attacker can make only replaces their own link.

Temp files are named `.tracker-tmp-<16 hex>.tmp`: short, so any file name within the file
system's limit still has a temp name within it, and recognisable, so a later run can remove the
ones a `kill -9` left behind (only when they are older than STALE_AFTER_S).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

TEMP_PREFIX = ".tracker-tmp-"
STALE_AFTER_S = 3600.0
# What write-back named its temp files before: `.<source name>.<8 random>.tmp`.
_LEGACY_TEMP = re.compile(r"\.(?P<name>.+\.(?:md|markdown|txt))\.[A-Za-z0-9_]{8}\.tmp\Z", re.I)
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # a FIFO never blocks
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC

Identity = tuple[int, int]


class FileChanged(Exception):
    """What is on disk is no longer what was read; the message says how (one line)."""


def identity(info: os.stat_result) -> Identity:
    return (info.st_dev, info.st_ino)


def temp_name() -> str:
    return f"{TEMP_PREFIX}{secrets.token_hex(8)}.tmp"


def is_own_temp(name: str, siblings: Sequence[str] = ()) -> bool:
    """A temp file tracker's write-back makes (or made before, beside the source it was for)."""
    if name.startswith(TEMP_PREFIX) and name.endswith(".tmp"):
        return True
    legacy = _LEGACY_TEMP.match(name)
    return legacy is not None and legacy["name"] in siblings


def open_folder_beneath(base: str, parts: Sequence[str]) -> int:
    """A descriptor of `base/parts...`, refusing a link at any component after `base`.

    `base` itself is opened as named (it is an archive root the user gave, already resolved).
    OSError ELOOP or ENOTDIR when a component is (or became) a link or not a folder.
    """
    fd = os.open(base, _DIR_FLAGS)
    try:
        for part in parts:
            inner = os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_regular_file(name: str, dir_fd: int | None = None) -> tuple[int, os.stat_result]:
    """Open a regular file for reading without following a final link; (fd, fstat)."""
    fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileChanged("not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def read_fd(fd: int, limit: int) -> bytes:
    """At most `limit` + 1 bytes, so an oversized file is detected without reading it all."""
    chunks, size = [], 0
    while size <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def opened(fd: int) -> Iterator[int]:
    try:
        yield fd
    finally:
        os.close(fd)


def replace_in_folder(
    dir_fd: int,
    name: str,
    data: bytes,
    *,
    mode: int = 0o644,
    owner: tuple[int, int] | None = None,
    expect: Identity | None = None,
) -> None:
    """Write `data` as `name` in the opened folder atomically: temp file, fsync, rename.

    With `expect`, the entry must still be that file (not a link, not another file) just before
    the rename; otherwise FileChanged and nothing is replaced. An existing link named `name` is
    never followed; without `expect` the caller has already refused links.
    """
    temp = temp_name()
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600, dir_fd=dir_fd)  # fmt: skip
    try:
        with opened(fd):
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            if owner is not None:
                with contextlib.suppress(OSError):
                    os.fchown(fd, *owner)
            os.fsync(fd)
        if expect is not None:
            try:
                now = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                raise FileChanged("was removed while it was being written") from None
            if identity(now) != expect or not stat.S_ISREG(now.st_mode):
                raise FileChanged("was replaced (or swapped for a link) while being written")
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        raise
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)


def write_named_file(path: Path, data: bytes) -> None:
    """Write the file named, atomically; never through a link (OSError ELOOP names it).

    For outputs a person names (`plot -o`, `export-replies FILE`): the folder is taken as named,
    the file itself must not be a link, and an existing file keeps its mode.
    """
    path = Path(path)
    folder = os.open(path.parent if str(path.parent) else ".", _DIR_FLAGS)
    with opened(folder):
        mode = 0o644
        try:
            info = os.stat(path.name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            info = None
        if info is not None:
            if stat.S_ISLNK(info.st_mode):
                raise OSError(errno.ELOOP, "is a symbolic link; tracker does not write through it")
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EEXIST, "exists and is not a regular file")
            mode = stat.S_IMODE(info.st_mode)
        replace_in_folder(folder, path.name, data, mode=mode)


def remove_stale_temps(folder: Path, names: Sequence[str], now: float | None = None) -> list[Path]:
    """Remove those of `names` in `folder` that are tracker's temp files and stale; say which.

    A temp file younger than STALE_AFTER_S may belong to a write-back still running elsewhere.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        fd = os.open(folder, _DIR_FLAGS)
    except OSError:
        return removed
    with opened(fd):
        for name in names:
            with contextlib.suppress(OSError):
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_AFTER_S:
                    os.unlink(name, dir_fd=fd)
                    removed.append(folder / name)
    return removed
