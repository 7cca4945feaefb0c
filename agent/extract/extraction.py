"""One extraction: ask the model for a source's claims, parse the reply, ask again if malformed.

Two kinds of failure are kept apart, as the contract demands:

- a reply that cannot be parsed is asked for again (the parse error shown to the model), up to
  `CallPolicy.malformed_attempts` replies; if none parses, the extraction ends `malformed` and the
  source is processed to `null-result` with one MALFORMED_OUTPUT rejection;
- a provider fault is retried by the caller (`agent.llm.caller`); if it persists, ProviderError,
  and the source stays for the next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.extract.reply import MalformedReply, ParsedReply, parse_reply
from agent.llm.caller import ModelCaller, ProviderError
from store.calls import CallRecord

__all__ = ["CallRecord", "Extraction", "Extractor", "ProviderError"]


@dataclass
class Extraction:
    calls: list[CallRecord] = field(default_factory=list)
    reply: ParsedReply | None = None
    malformed: str | None = None


class Extractor(ModelCaller):
    """Asks one model for one source's claims (see the module docstring for the retry rules)."""

    def extract(self, prompt: str) -> Extraction:
        """Ask; on a malformed reply ask again with the parse error shown to the model."""
        from langchain_core.messages import AIMessage, HumanMessage

        result = Extraction()
        messages: list[Any] = [HumanMessage(prompt)]
        for _ in range(self.policy.malformed_attempts):
            call = self.ask_once(messages, result.calls)
            text = call.raw_reply or ""
            try:
                result.reply = parse_reply(text)
                result.malformed = None
                return result
            except MalformedReply as exc:
                call.error = str(exc)
                result.malformed = str(exc)
                messages = [
                    *messages,
                    AIMessage(text),
                    HumanMessage(
                        f"Your reply could not be used: {exc}. Reply again with one JSON object "
                        'of the shape {"claims": [...], "notes": "..."} as described above.'
                    ),
                ]
        return result
