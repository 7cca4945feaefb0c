"""The `tracker` command: typer commands, one module per family, each thin.

Every command parses its options, calls one library function and prints. The app, the shared
options and the error boundary live in `agent.cli.common`; importing the command modules below
registers them on the one app, in the order `tracker --help` lists them.
"""

from __future__ import annotations

from agent.cli import ask, audit, config, ledger, models, process, review  # noqa: F401
from agent.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app()
