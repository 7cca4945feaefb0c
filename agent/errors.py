"""The one family of errors tracker raises on purpose, importable from every package.

This module imports nothing of ours (and `agent/__init__.py` imports nothing), so `beliefs/` and
`store/` can raise these without depending on the rest of the application. The CLI catches
`TrackerError` once and turns it into one line on stderr with the exit status the class names.
"""

from __future__ import annotations


class TrackerError(Exception):
    """An error whose message is written for the person running tracker."""

    exit_code: int = 1


class ConfigError(TrackerError):
    """Bad options, variables, register or workspace: nothing was processed (exit 2)."""

    exit_code = 2


class RegisterError(ConfigError):
    """The belief register file is not of the contract's shape."""


class InputError(TrackerError):
    """One input (a source, a reply) could not be used; the rest of the batch goes on."""

    exit_code = 1
