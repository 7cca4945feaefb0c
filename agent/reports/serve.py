"""`tracker serve`: the workspace database in Datasette, read-only, on the loopback interface.

Datasette opens the file with `--immutable`, so no request can change the ledger (and SQLite does
not even take locks on it). Immutable mode reads the main database file only, so the write-ahead
log is folded into it first. The server is bound to 127.0.0.1: the ledger holds model replies and
source text that are not meant for the network. It also answers only to loopback `Host` names, so
a web page that rebinds its own name to 127.0.0.1 cannot read it (`loopback_guard.py`).

tracker replaces itself with the Datasette process (exec) rather than waiting on a child: Ctrl-C,
a service manager's SIGTERM or a test's terminate() then reach the server itself, and stopping
tracker can never leave an orphaned server holding the port.
"""

from __future__ import annotations

import os
import socket
import sys
from importlib import resources
from pathlib import Path

import typer

from agent.errors import ConfigError
from store.database import fold_write_ahead_log

HOST = "127.0.0.1"
DATABASE_NAME = "tracker"  # Datasette names a database after its file stem: /tracker


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((HOST, port)) != 0


def metadata_path() -> Path:
    """The packaged Datasette metadata (`agent/data/datasette.yaml`), as a file Datasette reads.

    A wheel installs package data as plain files, so the resource is a real path; a zipped
    install would not be, and is refused with a clear message rather than a Datasette error.
    """
    resource = resources.files("agent").joinpath("data", "datasette.yaml")
    path = Path(str(resource))
    if not path.is_file():
        raise ConfigError(f"the packaged Datasette metadata is not a file on disk ({resource})")
    return path


def datasette_command(database: Path, port: int) -> list[str]:
    """Datasette's own CLI, run through tracker's Host check (`agent.reports.loopback_guard`)."""
    return [
        sys.executable, "-m", "agent.reports.loopback_guard", "serve", "--immutable", str(database),
        "--metadata", str(metadata_path()), "--host", HOST, "--port", str(port),
    ]  # fmt: skip


def serve_database(database: Path, port: int) -> None:
    """Check, then exec Datasette; returns only by raising."""
    if not database.exists():
        raise ConfigError(
            f"no tracker workspace database at {database}; run `tracker process` first"
        )
    if not port_free(port):
        raise ConfigError(f"port {port} on {HOST} is in use; pick another with --port")
    warning = fold_write_ahead_log(database)
    if warning:
        typer.echo(f"tracker: warning: {warning}", err=True)
    typer.echo(
        f"serving {database} read-only at http://{HOST}:{port}/{DATABASE_NAME} (Ctrl-C stops it)",
        err=True,
    )
    sys.stdout.flush()
    sys.stderr.flush()
    command = datasette_command(database, port)
    os.execv(command[0], command)
