"""The tagged blocks that carry a source and the belief register inside a rendered prompt.

A real model reads them as plain text. The offline model reads them back with `read_blocks`, which
is what lets it sit behind the same chat-model interface as a remote one: it receives exactly the
prompt a remote model would receive, and nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# `id=...` is read if present (prompts recorded before 0.2 carried the source id, plain or
# JSON-quoted) and ignored: the prompt names a source by its title only, so a renamed or copied
# file gets the same prompt, and the reply cache the same reply, and no file name can break the
# tag. The title is a JSON string, so nothing in it can end the tag early either.
_QUOTED = r"\"(?:[^\"\\]|\\.)*\""  # a JSON string
_SOURCE_RE = re.compile(
    rf"<source (?:id={_QUOTED} )?title=(?P<title>{_QUOTED})>\n(?P<text>.*)\n</source>", re.S
)
_BELIEFS_RE = re.compile(r"<beliefs>\n(?P<json>.*?)\n</beliefs>", re.S)


@dataclass(frozen=True)
class BeliefView:
    """What a model is told about one belief."""

    id: str
    statement: str
    disconfirmation: str
    description: str = ""
    """The belief's own prose (its grounding paragraph): with the statement, what it is about."""


def source_block(title: str, text: str) -> str:
    """Wrap a source's text; the title is JSON-quoted so any character survives the round trip.

    The source's id (its file name) is not in the prompt: what a model is asked depends on the
    source's content, never on what its file is called.
    """
    quoted = json.dumps(title, ensure_ascii=False)
    return f"<source title={quoted}>\n{text}\n</source>"


def beliefs_block(beliefs: list[BeliefView]) -> str:
    """One JSON object per line, readable by people and parseable by the offline model."""
    lines = [
        json.dumps(
            {
                "id": b.id,
                "statement": b.statement,
                "disconfirmation": b.disconfirmation,
                **({"description": b.description} if b.description else {}),
            },
            ensure_ascii=False,
        )
        for b in beliefs
    ]
    return "<beliefs>\n" + "\n".join(lines) + "\n</beliefs>"


@dataclass(frozen=True)
class PromptBlocks:
    """The parts of a rendered extraction prompt that the offline model works from."""

    title: str
    text: str
    beliefs: list[BeliefView]


def read_blocks(prompt: str) -> PromptBlocks:
    """Recover the source and beliefs from a rendered prompt; ValueError if they are missing."""
    source = _SOURCE_RE.search(prompt)
    beliefs = _BELIEFS_RE.search(prompt)
    if source is None or beliefs is None:
        raise ValueError("prompt has no <source> or <beliefs> block")
    views = [
        BeliefView(
            str(d["id"]),
            str(d["statement"]),
            str(d.get("disconfirmation", "")),
            str(d.get("description", "")),
        )
        for d in (json.loads(line) for line in beliefs.group("json").splitlines() if line.strip())
    ]
    return PromptBlocks(
        title=json.loads(source.group("title")),
        text=source.group("text"),
        beliefs=views,
    )
