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
from agent.llm.prompts import split_messages
from store.calls import CallRecord

__all__ = ["CallRecord", "Extraction", "Extractor", "ProviderError"]


@dataclass
class Extraction:
    calls: list[CallRecord] = field(default_factory=list)
    reply: ParsedReply | None = None
    malformed: str | None = None


def reask_text(error: str) -> str:
    """What a model is told when its reply could not be parsed: the error with the offending
    span (`extract_last_json_object` puts it in the message), and the escaping rule that the
    usual culprit, a source's own " copied into a string, breaks. Without them a small model
    took the re-ask for a complaint about the source and gave up (issue 17)."""
    return (
        f"Your reply could not be used: {error}. Reply again with the whole JSON object of the "
        'shape {"claims": [...], "notes": "..."} described above, with that fixed. Inside a '
        'JSON string write a double quote as \\" (a quote mark copied from the source too).'
    )


class Extractor(ModelCaller):
    """Asks one model for one source's claims (see the module docstring for the retry rules)."""

    def extract(self, prompt: str) -> Extraction:
        """Ask; on a malformed reply ask again with the parse error shown to the model."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        result = Extraction()
        system, user = split_messages(prompt)
        messages: list[Any] = [HumanMessage(user)]
        if system is not None:
            messages.insert(0, SystemMessage(system))
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
                    HumanMessage(reask_text(str(exc))),
                ]
        return result
