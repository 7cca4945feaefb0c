"""`replay:FILE`: a chat model that answers from recorded replies, for reproducing a past run.

The file is JSON lines written by `tracker export-replies`, one recorded call per line with the
sha256 of the exact messages that produced it. Replay looks replies up by that hash, so the same
prompts (same template, same sources, same register) get the same replies, and credences come out
as they did, with no network. A prompt the file has no reply for is an error, never a guess.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from agent.errors import ConfigError, InputError
from agent.llm.messages import messages_digest


class ReplayMiss(InputError):
    """The replay file holds no reply for these messages; retrying cannot help."""


def load_replies(path: Path) -> dict[str, dict[str, Any]]:
    """messages sha256 -> recorded call; a bad line is a configuration error naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"replay file {path}: {exc.strerror}") from exc
    replies: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            replies[str(record["messages_sha256"])] = record
            str(record["reply"])
        except (ValueError, KeyError, TypeError, RecursionError):
            raise ConfigError(
                f"replay file {path}, line {number}: expected a JSON object with "
                '"messages_sha256" and "reply" (written by `tracker export-replies`)'
            ) from None
    return replies


class ReplayChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: str
    replies: dict[str, dict[str, Any]]

    @property
    def _llm_type(self) -> str:
        return "tracker-replay"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        digest = messages_digest(messages)
        record = self.replies.get(digest)
        if record is None:
            raise ReplayMiss(
                f"replay file {self.path} has no recorded reply for these messages "
                f"(sha256 {digest[:12]}); was it exported from a run with the same prompt "
                "template, register and sources?"
            )
        usage = {
            "input_tokens": int(record.get("input_tokens") or 0),
            "output_tokens": int(record.get("output_tokens") or 0),
        }
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        message = AIMessage(content=str(record["reply"]), usage_metadata=usage)  # type: ignore[arg-type]
        return ChatResult(generations=[ChatGeneration(message=message)])
