"""What a chat message says, and a fingerprint of a conversation, for every model alike.

Message content may be a string or a list of parts (text and others, as multimodal providers
send it); everything tracker stores or compares is its text. The digest of a conversation is what
the reply cache and `replay:FILE` key replies by. No langchain import: messages are duck-typed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from agent.text.clean import valid_unicode


def message_text(message: Any) -> str:
    """The message's text, made valid Unicode: a reply with a lone surrogate can be stored."""
    content = message.content
    if isinstance(content, str):
        return valid_unicode(content)
    text = "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in content)
    return valid_unicode(text)


def messages_digest(messages: Sequence[Any]) -> str:
    """sha256 of the messages as sent: role and text of each, in order."""
    payload = json.dumps([[m.type, message_text(m)] for m in messages], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
