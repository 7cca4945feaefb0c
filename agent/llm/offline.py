"""The `offline` model: the offline proposer behind langchain's chat-model interface.

Wrapping it as a chat model means the pipeline cannot tell it from a remote provider: it gets the
same rendered prompt, and its reply goes through the same parser and validator. It reads only what
a remote model would read, the `<source>` and `<beliefs>` blocks of the prompt, never the archive.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from agent.llm.messages import message_text
from agent.llm.offline_proposer import ProposerSettings, propose
from agent.llm.prompt_blocks import read_blocks

MODEL_NAME = "tracker-offline"


class OfflineChatModel(BaseChatModel):
    """Proposes claims with `agent.llm.offline_proposer.propose`; deterministic and network-free.

    The reply is one line of prose followed by the JSON object (the parser takes the last JSON
    object), and is byte-identical for the same prompt and embedder.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    embedder: Any
    """A `store.embedder.Embedder`; typed loosely because pydantic cannot check a Protocol."""
    settings: ProposerSettings = ProposerSettings()

    @property
    def _llm_type(self) -> str:
        return MODEL_NAME

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": MODEL_NAME,
            "embedder": getattr(self.embedder, "name", "unknown"),
            "settings": self.settings.__dict__,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Answer the last human message that carries a source; a retry request re-reads it.

        The extraction loop may append a "your reply could not be used" message; the offline model
        answers from the latest message that holds the prompt blocks, so a retry gets a reply too.
        """
        humans = [message_text(m) for m in messages if isinstance(m, HumanMessage)]
        fallback = humans[-1] if humans else ""
        prompt = next((t for t in reversed(humans) if "<source " in t), fallback)
        try:
            blocks = read_blocks(prompt)
        except ValueError:
            result = {
                "claims": [],
                "notes": "offline model: the prompt has no <source> and "
                "<beliefs> blocks, so there is nothing to extract from",
            }
            note = "No source in the prompt."
        else:
            result = propose(
                blocks.title, blocks.text, blocks.beliefs, self.embedder, self.settings
            )
            note = (
                f"Offline baseline: {len(result['claims'])} claims proposed from "
                f"{json.dumps(blocks.title, ensure_ascii=False)}."
            )
        content = note + "\n" + json.dumps(result, ensure_ascii=False)
        message = AIMessage(content=content, response_metadata={"model_name": MODEL_NAME})
        return ChatResult(generations=[ChatGeneration(message=message)])
