"""The answer written by a configured model (`prompts/answer.md`), its citations checked.

The model sees the numbered passages retrieval chose and returns JSON with an answer and
citations. Each citation must name a passage's source and quote it verbatim; one that does not is
dropped (counted in `dropped_citations`), exactly like an extractive citation that fails. If the
reply cannot be used at all, or the provider is down, the analyst still gets the extractive
answer, with a note saying why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.ask.answer import Citation
from agent.llm.caller import ModelCaller, ProviderError
from agent.llm.json_reply import MalformedReply, extract_last_json_object
from store.calls import CallRecord

if TYPE_CHECKING:
    from agent.ask.answer import Answer, AnswerContext
    from agent.ask.retrieval import Hit


def _passages(hits: list[Hit], asker: AnswerContext) -> str:
    blocks = []
    for n, hit in enumerate(hits, start=1):
        title, date = asker.source_meta(hit.item.source)
        text = hit.item.text
        if hit.item.kind == "claim":
            text = f"Claim: {text}\nEvidence: " + " / ".join(hit.item.quotes)
        blocks.append(f"[{n}] source `{hit.item.source}` ({title}, {date}):\n{text}")
    return "\n\n".join(blocks)


def _beliefs_block(answer: Answer) -> str:
    lines = [f"{b['id']} (credence {b['credence']:.2f}): {b['statement']}" for b in answer.beliefs]
    return "\n".join(lines) or "(none)"


def answer_with_model(asker: AnswerContext, answer: Answer, hits: list[Hit]) -> None:
    """Fill `answer` from the model; fall back to the extractive answer if it cannot be used."""
    from langchain_core.messages import HumanMessage

    from agent.llm.policy import call_policy
    from agent.llm.prompts import load_prompt
    from agent.llm.providers import make_chat_model, sampling_sent

    template = load_prompt("answer", asker.settings.prompts_dir)
    prompt = template.render(
        beliefs_block=_beliefs_block(answer),
        question=answer.question,
        passages=_passages(hits, asker),
    )
    settings = asker.settings
    spec = settings.llm
    policy = call_policy(settings)
    model = asker.model or make_chat_model(spec, None, settings)
    caller = ModelCaller(
        model,
        spec,
        template,
        policy,
        secrets=settings.secret_values,
        sampling=sampling_sent(spec, settings),
    )
    calls: list[CallRecord] = []
    fallback = answer.answer  # the extractive answer, with its citations
    try:
        reply = caller.ask_once([HumanMessage(prompt)], calls)
        data = extract_last_json_object(reply.raw_reply or "", prefer_key="answer")
        text = data.get("answer")
        proposed = data.get("citations") or []
        if not isinstance(text, str) or not isinstance(proposed, list):
            raise MalformedReply('expected {"answer": "...", "citations": [...]}')
    except (ProviderError, MalformedReply) as exc:
        answer.answer = fallback
        answer.notes.append(f"{spec} could not answer ({exc}); this is the extractive answer")
        return
    sources = {hit.item.source for hit in hits}
    kept: list[Citation] = []
    renumber: dict[int, int] = {}
    for item in proposed:
        if not isinstance(item, dict):
            answer.dropped_citations += 1
            continue
        source, quote = str(item.get("source", "")), str(item.get("quote", ""))
        if source not in sources or not asker.grounded(source, quote):
            answer.dropped_citations += 1
            continue
        title, date = asker.source_meta(source)
        citation = Citation(len(kept) + 1, source, title, date, quote)
        if isinstance(item.get("n"), int):
            renumber[item["n"]] = citation.n
        kept.append(citation)
    answer.citations = kept
    answer.answer = _renumbered(text, renumber)
    answer.points = []  # the extractive points cite numbers the model's answer does not use


def _renumbered(text: str, renumber: dict[int, int]) -> str:
    """Point the answer's [n] markers at the kept citations; markers of dropped ones vanish."""
    import re

    def replace(match: Any) -> str:
        new = renumber.get(int(match.group(1)))
        return f"[{new}]" if new else ""

    return re.sub(r"\s?\[(\d+)\]", lambda m: (" " if replace(m) else "") + replace(m), text)
