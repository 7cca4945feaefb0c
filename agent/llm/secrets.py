"""Keeping API keys out of everything tracker writes or prints.

Provider SDKs put request details into their exception messages, and a misconfigured server may
echo a key back. Every provider error passes through `redact` before it is stored in the database,
shown in `failed`, or printed, so a key can only leak if it is neither a configured key
(`Settings.secret_values`) nor shaped like a key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_KEY_SHAPES = re.compile(
    r"(sk-(?:ant-)?[A-Za-z0-9_\-]{8,})"  # OpenAI and Anthropic key shapes
    r"|((?:Bearer|x-api-key:?)\s+)[A-Za-z0-9_\-.]{8,}",  # any bearer token in a header dump
    re.I,
)
REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every given secret and anything shaped like a key replaced."""
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    return _KEY_SHAPES.sub(lambda m: (m.group(2) or "") + REDACTED, text)
