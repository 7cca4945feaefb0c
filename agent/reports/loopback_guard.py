"""Datasette behind a Host check: `python -m agent.reports.loopback_guard serve ...`.

`tracker serve` binds to 127.0.0.1, but binding is not enough: a page on another site can point
its own name at 127.0.0.1 (DNS rebinding) and then read the ledger through the visitor's browser,
which sends that site's name as `Host`. A loopback server only ever has loopback names, so any
other `Host` (or none) is refused with 421 Misdirected Request before Datasette sees the request.

This module is run as Datasette's entry point in the exec'd server process: it registers an
`asgi_wrapper` plugin, then hands the command line to Datasette's own CLI. Datasette is imported
only there, so `tracker` itself never pays for it.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
REFUSAL = b"tracker serve answers only to loopback names (127.0.0.1, localhost, [::1])\n"

Scope = dict[str, Any]
App = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


def host_allowed(host: str | None) -> bool:
    """A loopback name, with or without a port; anything else, or no Host at all, is refused."""
    if not host:
        return False
    host = host.strip().lower()
    if host.startswith("["):  # [::1] or [::1]:8001
        name, _, rest = host.partition("]")
        name += "]"
        port = rest[1:] if rest.startswith(":") else None
        if rest and port is None:
            return False
    else:
        name, _, port = host.partition(":")
        port = port if ":" in host else None
    if port is not None and not port.isdigit():
        return False
    return name in LOOPBACK_NAMES


def _host_header(scope: Scope) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == b"host":
            return value.decode("latin-1")
    return None


class LoopbackHostOnly:
    """ASGI middleware: requests whose Host is not a loopback name get 421 and go no further."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") in ("http", "websocket") and not host_allowed(_host_header(scope)):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": 421,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(REFUSAL)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": REFUSAL})
            return
        await self.app(scope, receive, send)


def asgi_wrapper(datasette: Any) -> type[LoopbackHostOnly]:
    """Datasette plugin hook: wrap the whole application in the Host check."""
    return LoopbackHostOnly


def main() -> None:
    from datasette import hookimpl
    from datasette.cli import cli
    from datasette.plugins import pm

    hookimpl(asgi_wrapper)
    pm.register(sys.modules[__name__], name="tracker-loopback-host")
    cli()


if __name__ == "__main__":
    main()
