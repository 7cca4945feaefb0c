"""Keeping API keys and passwords out of everything tracker writes or prints.

Provider SDKs put request details into their exception messages, and a misconfigured server may
echo a key back. Every provider error passes through `redact` before it is stored in the database,
shown in `failed`, or printed, and so does every error line and every URL `tracker config` shows;
a secret can only leak if it is neither a configured one (`Settings.secret_values`, which holds
the keys and any password in a configured URL) nor shaped like one: a key (`sk-...`), a bearer
token, the userinfo of a URL (`https://user:password@host`), or a key in a query string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_KEY_SHAPES = re.compile(
    r"(sk-(?:ant-)?[A-Za-z0-9_\-]{8,})"  # OpenAI and Anthropic key shapes
    r"|((?:Bearer|x-api-key:?)\s+)[A-Za-z0-9_\-.]{8,}"  # any bearer token in a header dump
    r"|(\b[a-z][a-z0-9+.\-]*://)[^/\s@]+@"  # URL userinfo: scheme://user:password@
    r"|([?&](?:api[_-]?key|access[_-]?token|token|key|password|secret)=)[^&#\s]+",  # ?key=...
    re.I,
)
REDACTED = "[redacted]"


def _replace(match: re.Match[str]) -> str:
    if match.group(3):
        return f"{match.group(3)}{REDACTED}@"
    return (match.group(2) or match.group(4) or "") + REDACTED


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every given secret and anything shaped like a key replaced."""
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    return _KEY_SHAPES.sub(_replace, text)
