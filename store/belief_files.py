"""Reader for a knowledge base agent's own belief file (`agents/NAME/beliefs.md`).

Those files are written by people for people, so the reader accepts what the seven files of the
shared corpus actually do rather than one ideal form:

- a belief starts at a level-3 heading `### N. Title`; a trailing marker such as
  `*(keystone — [full file](...))*` is not part of the title and is dropped;
- its prose is everything up to the first bold label (one paragraph or several);
- bold-labelled sections follow: `**Grounding:**` (wiki links inline, or a bullet list whose items
  may add ` — comment` or ` -- comment`), `**Disconfirmation target:**` or
  `**Challenges considered:**`, `**Depends on positions:**`; other labels (`**The test:**`) are
  read past and ignored;
- a belief ends at a `---` rule or at the next heading; other sections (`## Belief Evaluation
  Protocol`, the preamble) hold no beliefs and are skipped.

A file that cannot be read this way is a `RegisterError` naming the file, the belief and the
problem, the same error family as a bad register, so a CLI shows it as one line and exit 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent.errors import RegisterError


@dataclass(frozen=True)
class BeliefEntry:
    """One belief of a belief file; every text field is whitespace-normalised plain text."""

    number: int
    id: str
    title: str
    paragraph: str
    grounding: tuple[str, ...]
    disconfirmation: str
    depends_on: str


# `### 3. Title`, also `### 3) Title`, `### 3: Title`, `### 3 — Title`, `### Belief 3. Title`;
# a bare `### 3` is a belief without a title (an error), `### 2026 outlook` is no belief.
_BELIEF_HEADING = re.compile(
    r"^###[ \t]+(?:belief[ \t]+)?(\d+)(?:[.):](?!\d)|[ \t]+[—–-](?=[ \t])|(?=[ \t]*$))[ \t]*(.*)$",
    re.I,
)
_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")
_RULE = re.compile(r"^[ \t]*(?:-[ \t]*){3,}$|^[ \t]*(?:\*[ \t]*){3,}$|^[ \t]*(?:_[ \t]*){3,}$")
# `**Label:** text` or `**Label**: text` at the start of a line.
_LABEL = re.compile(r"^[ \t]*\*\*([^*\n]{1,60}?)(?::\*\*|\*\*[ \t]*:)[ \t]*(.*)$")
# A trailing `*(keystone — [full file](...))*` marker (or `_(...)_`), the last one of a title.
_TITLE_MARKER = re.compile(r"[ \t]*(?:\*\((?:(?!\*\().)*\)\*|_\((?:(?!_\().)*\)_)[ \t]*$")
_WIKI_LINK = re.compile(r"\[\[([^\[\]\n]*)\]\]")
_MD_LINK = re.compile(r"(?<!!)\[([^\[\]\n]*)\]\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)")
# A sentence that is nothing but a wiki link: `... cannot match. [[note title]]. Counter: ...`
_LINK_SENTENCE = re.compile(r"(?:(?<=^)|(?<=[.!?:]\s)|(?<=\n))\s*\[\[[^\[\]\n]*\]\][.;]?(?=\s|$)")
_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\([^()\n]*\)")

_GROUNDING = "grounding"
_DISCONFIRMATION = "disconfirmation"
_CHALLENGES = "challenges"
_DEPENDS = "depends"


def _section_of(label: str) -> str | None:
    """Which known section a bold label opens, or None for a label this reader ignores."""
    name = " ".join(label.split()).casefold()
    if name.startswith("grounding"):
        return _GROUNDING
    if name.startswith("disconfirmation"):
        return _DISCONFIRMATION
    if name.startswith("challenge"):
        return _CHALLENGES
    if name.startswith("depends on"):
        return _DEPENDS
    return None


def _link_target(inner: str) -> str:
    """`[[title|alias]]` and `[[title#part]]` name the note `title`."""
    return " ".join(inner.split("|", 1)[0].split("#", 1)[0].split())


def plain_text(text: str) -> str:
    """Markdown to one line of plain text: links become their titles, bold markers go."""
    text = _WIKI_LINK.sub(lambda m: _link_target(m.group(1)), text)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = text.replace("**", "")
    return " ".join(text.split())


def _clean_title(raw: str) -> str:
    title = raw
    while True:
        stripped = _TITLE_MARKER.sub("", title)
        if stripped == title:
            break
        title = stripped
    title = re.sub(r"[ \t]*#+[ \t]*$", "", title)  # closing hashes of `### 1. Title ###`
    return plain_text(title)


def _grounding_links(lines: list[str]) -> tuple[str, ...]:
    """Link targets of a Grounding section in order, each once; empty targets are skipped."""
    seen: list[str] = []
    for line in lines:
        for match in _WIKI_LINK.finditer(line):
            target = _link_target(match.group(1))
            if target and target not in seen:
                seen.append(target)
    return tuple(seen)


@dataclass
class _Draft:
    number: int
    heading: str
    line: int
    raw_title: str
    prose: list[str]
    sections: dict[str, list[str]]
    current: str | None = "prose"

    def add(self, line: str) -> None:
        match = _LABEL.match(line)
        if match:
            self.current = _section_of(match.group(1))
            if self.current is not None:
                self.sections.setdefault(self.current, []).append(match.group(2))
            return
        if self.current == "prose":
            self.prose.append(line)
        elif self.current is not None:
            self.sections[self.current].append(line)

    def text(self, name: str) -> str:
        return plain_text("\n".join(self.sections.get(name, [])))

    def own_words(self, name: str) -> str:
        """The section without sentences that only name a note (`[[title]].`): those are the
        register pointing at evidence, not its own words, and must never be matched as if the
        belief said them (a claim restating the linked note would look like the belief)."""
        raw = "\n".join(self.sections.get(name, []))
        return plain_text(_LINK_SENTENCE.sub(" ", raw))


def _finish(draft: _Draft, origin: str) -> BeliefEntry:
    title = _clean_title(draft.raw_title)
    if not title:
        raise RegisterError(f"{origin}: belief {draft.heading} (line {draft.line}): no title")
    disconfirmation = draft.own_words(_DISCONFIRMATION) or draft.own_words(_CHALLENGES)
    return BeliefEntry(
        number=draft.number,
        id=f"B{draft.number}",
        title=title,
        paragraph=plain_text("\n".join(draft.prose)),
        grounding=_grounding_links(draft.sections.get(_GROUNDING, [])),
        disconfirmation=disconfirmation,
        depends_on=draft.text(_DEPENDS),
    )


def parse_belief_file(text: str, origin: str) -> list[BeliefEntry]:
    """The beliefs of a belief file's text in file order; `origin` names it in every error."""
    if text.startswith("\ufeff"):
        text = text[1:]
    drafts: list[_Draft] = []
    draft: _Draft | None = None
    in_fence = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence:
            heading = _BELIEF_HEADING.match(line)
            if heading:
                number_text = heading.group(1)
                draft = _Draft(
                    number=int(number_text),
                    heading=f"### {number_text}",
                    line=number,
                    raw_title=heading.group(2),
                    prose=[],
                    sections={},
                )
                drafts.append(draft)
                continue
            if _HEADING.match(line) or _RULE.match(line):
                draft = None
                continue
        if draft is not None:
            draft.add(line)
    if not drafts:
        raise RegisterError(
            f"{origin}: no beliefs found (a belief starts with a heading like '### 1. Title')"
        )
    first_line: dict[int, _Draft] = {}
    for item in drafts:
        earlier = first_line.get(item.number)
        if earlier is not None:
            raise RegisterError(
                f"{origin}: belief {item.heading} (line {item.line}): duplicate number, "
                f"already used by the belief at line {earlier.line}"
            )
        first_line[item.number] = item
    return [_finish(item, origin) for item in drafts]


def read_belief_file(path: Path | str) -> list[BeliefEntry]:
    """Read and parse a belief file; a missing, unreadable or non-UTF-8 file is a RegisterError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise RegisterError(f"{path}: belief file not found") from exc
    except OSError as exc:
        raise RegisterError(f"{path}: cannot read belief file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterError(
            f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8"
        ) from exc
    return parse_belief_file(text, str(path))
