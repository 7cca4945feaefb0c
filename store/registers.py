"""Register files: reading a belief register, the packaged default, and its workspace copy.

The parsing and checking of a register's text is pure (`beliefs.register.parse_register`); this
module does the file work around it, so every problem still names the file.
"""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

from beliefs.register import DEFAULT_ORIGIN, Register, parse_register, register_error


def load_register(path: Path) -> Register:
    """Read and parse a register file; a missing or unreadable file is a RegisterError too."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise register_error(str(path), "belief register file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise register_error(str(path), f"cannot read belief register: {reason}") from exc
    return parse_register(text, str(path))


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
