"""The offline model's logic: propose claims from one source with no network, deterministically.

A baseline for what a remote model does (read a source, write arguable propositions backed by
verbatim quotes), so tracker works out of the box and tests have a realistic, repeatable model. It
only restates the source, but every quote is a verbatim span, so it passes the real validator. It
knows markdown structure and general English cue words, nothing about any particular corpus.
`split_sentences` cuts text into spans with offsets, heading and bold label; `candidates` keeps the
ones that read as propositions, scored by structure and cue words; the best `embed_candidates` are
embedded (the expensive part) and re-ranked by similarity to the source title and the beliefs;
near-duplicates go, the top few become claims (never a metadata line, `agent.text.metadata`);
`agent.llm.offline_stance` decides which belief each is about and which way it points, or says
`related` when the text does not tell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from agent.llm.offline_stance import (
    BeliefText,
    Judgement,
    StanceSettings,
    aboutness,
    belief_vectors,
    clauses_of,
    direction,
    hubness,
    links_for,
    restated_target,
    restates,
    settle_source,
    target_clause_vectors,
    target_similarity,
)
from agent.llm.prompt_blocks import BeliefView
from agent.text.metadata import metadata_problem
from agent.text.proposition import proposition_problem
from store.embedder import Embedder


@dataclass(frozen=True)
class ProposerSettings:
    """Every knob of the offline proposer; defaults were chosen with `bench/claim_recall.py`."""

    # At most `max_claims` per source (recall vs flood; 4 and 6 were tried), one per
    # `words_per_claim` words of text but at least `min_claims`: short notes give fewer.
    max_claims: int = 5
    words_per_claim: int = 150
    min_claims: int = 3  # 2 -> 3 raised claim recall on both shared corpora (57->63%, 35->41%)
    embed_candidates: int = 30  # only the structurally best are embedded: embedding is the cost
    min_words: int = 6  # titles shorter than this (in words) are labels, not claims
    max_words: int = 70  # and longer ones are run-ons
    # Ranking: structure + title_weight * cos(source title) + belief_weight * cos(nearest belief).
    title_weight: float = 1.0
    thesis_weight: float = 0.5  # the body's opening `# ` heading, when it is a proposition
    belief_weight: float = 1.0
    # Append a point's bold label to its first sentence ("<sentence> — <label>"): authors name the
    # point in its label, so the title says what a curator would. Meta labels ("Why ...") are not.
    label_in_title: bool = True
    dedupe_similarity: float = 0.9  # this similar to a chosen claim: a duplicate, never taken
    diversity_similarity: float = 0.75  # this similar: taken only when nothing novel is left
    # which beliefs a claim is about, and which way it points (frozen, so a shared default is safe)
    stance: StanceSettings = field(default_factory=StanceSettings)
    default_domain: str = "ai-alignment"


@dataclass(frozen=True)
class Sentence:
    """A verbatim span of the text, the heading and label it sits under, and its paragraph (unit:
    an index shared by neighbours; item: whether that unit is a list item)."""

    start: int
    end: int
    quote: str
    section: str
    label: str
    unit: int
    item: bool = False


_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_QUOTE_PREFIX = re.compile(r"^\s*(?:>\s?)+")
_RULE = re.compile(r"^\s*([-*_=])(\s*\1){2,}\s*$")
_YAML_KEY = re.compile(r"^[a-z_][a-z0-9_]*:(\s|$)")
_LABELS = (
    re.compile(r"^\*\*([^*\n]{1,90}?)\*\*\s*(?:[:—–]|-\s)?\s*"),  # **Label**: text, **Label:** text
    re.compile(r"^__([^_\n]{1,90}?)__\s*(?:[:—–]|-\s)?\s*"),
    re.compile(r"^([A-Z][A-Z0-9 /&'-]{2,40}):\s+"),  # SHOUTED LABEL: text
    re.compile(r"^([A-Z][A-Za-z0-9 /&'-]{1,30}):\s+(?=\S)"),  # Short label: text
    re.compile(r"^(\([^()\n]{1,120}\)):\s+"),  # (reference, 12 likes): text
    re.compile(r"^(\[\[[^\]\n]{1,300}\]\])\s*(?:[—–:]|-\s)\s*"),  # [[link]] — comment
)
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]*_]*\s+(?=[\"'“‘(\[*_]*[A-Z0-9])")
_ABBREVIATED = (
    "e.g i.e al vs cf fig figs eq dr mr mrs ms prof st no vol pp approx inc ltd jr sr "
    "u.s u.k ca ch sec resp est dept univ"
)  # a period after these ends no sentence
_ABBREVIATIONS = frozenset(_ABBREVIATED.split())


def strip_frontmatter(text: str) -> str:
    """Blank out a leading YAML block (also one flattened onto a line), keeping offsets: it is
    metadata, and can hold a curator's own claim list, which a model must never simply copy."""
    block = text.startswith(("---\n", "---\r\n"))
    flat = text.startswith("--- ") and "\n" not in text[:200]
    end = r"\n---[ \t]*\r?\n" if block else r" --- "
    match = re.search(end, text[3:]) if block or flat else None
    return " " * (3 + match.end()) + text[3 + match.end() :] if match else text


def _unflatten(line: str) -> str:
    """Re-break a markdown body that lost its newlines (a space before an inline heading or bullet
    becomes a newline, so offsets hold). Only long lines with several such markers are touched."""
    if len(line) < 600 or len(re.findall(r" (?:#{2,6}|-|\d{1,2}\.) (?=\S)", line)) < 3:
        return line
    chars = list(line)
    for m in re.finditer(r" (?=#{2,6} |- (?=\S)|\d{1,2}\. \*\*)", line):
        chars[m.start()] = "\n"
    return "".join(chars)


def _strip_label(text: str) -> tuple[str, int]:
    """A leading label (bold, shouted, a wiki link before a dash, a parenthetical reference) and
    how many characters it and its separator occupy. Two in a row are stripped
    (`**Label** (ref): text`); the first that reads as words is kept as the label."""
    label, used = "", 0
    for _ in range(2):
        rest = text[used:]
        m = next((m for p in _LABELS if (m := p.match(rest)) and rest[m.end() :].strip()), None)
        if m is None:
            break
        found = m.group(1).strip(" *_:.")
        label = label or ("" if found.startswith(("(", "[[")) else found)
        used += m.end()
    return label, used


def _split_unit(text: str) -> list[tuple[int, int]]:
    """Sentence spans inside one paragraph, keeping abbreviations, initials and decimals whole."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        before = text[start : m.start() + 1]
        word = re.findall(r"([A-Za-z.]+)\.$", before)
        prev = word[0].lower().strip(".") if word else ""
        if prev in _ABBREVIATIONS or (len(prev) == 1 and prev.isalpha()):
            continue
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


_PAIRS = (('"', '"'), ("“", "”"), ("‘", "’"), ("(", ")"), ("[", "]"))


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past whitespace, list markers, emphasis and unbalanced brackets or quotes."""
    while True:
        while start < end and text[start] in " \t\r\n*_>":
            start += 1
        while end > start and text[end - 1] in " \t\r\n*_":
            end -= 1
        inner = text[start:end]
        for op, cl in _PAIRS:
            opens, closes = inner.count(op), inner.count(cl)
            lone = opens % 2 == 1 if op == cl else None
            if inner.startswith(op) and (
                opens > closes if lone is None else lone or (inner.endswith(cl) and opens == 2)
            ):
                start += 1
                break
            if inner.endswith(cl) and (closes > opens if lone is None else lone):
                end -= 1
                break
        else:
            return start, end


def _continues(paragraph: str, line: str) -> bool:
    """Whether `line` continues a hard-wrapped paragraph. Plain-text captures put a paragraph per
    line with no blank lines: a line that ends a sentence or is short (heading-like) closes one."""
    last = paragraph.rsplit("\n", 1)[-1].rstrip()
    return line.lstrip()[:1].islower() or (
        len(last) >= 40 and not re.search(r"[.!?:][\"'”’)\]*_]*$", last)
    )


def split_sentences(text: str) -> list[Sentence]:
    """Cut text into sentences with verbatim offsets, section and label. Headings, code, tables,
    rules and YAML-looking lines are skipped; list items and labelled points are their own units."""
    body = strip_frontmatter(text)
    lines = "\n".join(_unflatten(line) for line in body.split("\n")).split("\n")
    units: list[tuple[int, int, str, bool]] = []  # (start, end, section, is a list item)
    section, in_code, offset = "", False, 0
    current: list[int] | None = None  # [start, end, is a list item] of an open paragraph

    def flush() -> None:
        nonlocal current
        if current is not None:
            units.append((current[0], current[1], section, bool(current[2])))
        current = None

    for line in lines:
        line_start, offset = offset, offset + len(line) + 1
        stripped = line.strip()
        heading = _HEADING.match(line)
        in_code ^= bool(_FENCE.match(line))
        if heading and not in_code:
            section = re.sub(r"[*_`#]", "", heading.group(2)).strip()
        if (
            in_code
            or not stripped
            or heading
            or _RULE.match(line)
            or _FENCE.match(line)
            or stripped.startswith(("|", "<"))
            or _YAML_KEY.match(line)
        ):
            flush()
            continue
        prefix = _QUOTE_PREFIX.match(line) or _LIST.match(line)
        content_start = line_start + (prefix.end() if prefix else len(line) - len(line.lstrip()))
        new = prefix or any(p.match(stripped) for p in _LABELS) or current is None
        if new or not _continues(body[current[0] : current[1]], line):
            flush()
            current = [content_start, line_start + len(line.rstrip()), bool(_LIST.match(line))]
        else:
            current[1] = line_start + len(line.rstrip())
    flush()

    sentences: list[Sentence] = []
    for index, (u_start, u_end, u_section, item) in enumerate(units):
        unit_text = body[u_start:u_end]
        label, skip = _strip_label(unit_text)
        for s, e in _split_unit(unit_text[skip:]):
            s, e = _trim_span(body, u_start + skip + s, u_start + skip + e)
            if e - s >= 8:  # shorter never counts as evidence (the validator's floor)
                sentences.append(Sentence(s, e, body[s:e], u_section, label, index, item))
    return sentences


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.I)  # whole words, any case


_KEY_SECTION = re.compile(
    r"key|finding|result|claim|takeaway|summary|conclusion|abstract|insight|"
    r"implication|observation|significance|matter|lesson|contribution|"
    r"argument|thesis|hint|highlight|tl;?dr",
    re.I,
)
_LOW_SECTION = re.compile(
    r"reference|bibliograph|citation|links?\b|see also|related|further read|"
    r"filtered|method|appendix|acknowledg|footnote|metadata|open question|"
    r"connection|contents|navigation",
    re.I,
)
_CUES = (
    _words(
        r"because|which means|meaning that|therefore|thus|hence|so that|leads? to|results? in|"
        r"due to|driven by|causes?|explains?|implies|means"
    ),
    _words(
        r"shows?|showed|demonstrat\w+|reveal\w*|finds?|found|proves?|proven|establish\w*|"
        r"confirms?|indicates?|measured|observed"
    ),
    _words(
        r"cannot|can't|fails?|failed|failures?|outperform\w*|underperform\w*|degrad\w*|"
        r"rather than|instead of|not just|more than|less than|whereas|despite|no longer|"
        r"inverts?|exceeds?|beats?|worse|better|faster|slower"
    ),
    _words(
        r"increas\w*|decreas\w*|reduc\w*|improv\w*|enabl\w*|requir\w*|prevent\w*|eliminat\w*|"
        r"erod\w*|undermin\w*|amplif\w*|converg\w*|collaps\w*|scales?"
    ),
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?\s?(?:%|x\b|×|percent|fold|times)|\b\d{2,}\b")
_FIRST_PERSON = _words(r"i|i'm|i've|i'd|my|me|you|your|lol|lmao|haha|omg")
_DEICTIC_START = re.compile(r"^(?:this|that|these|those|it|they|he|she|here|there)\b", re.I)
_META = _words(
    r"the (?:paper|article|authors?|study|report|post|piece|chapter|tweet|thread)|"
    r"this (?:paper|article|study|report|post|piece|source)|our (?:claims?|notes?)"
)
_REPORTING_START = re.compile(
    r"^(?:proves|shows|demonstrates|finds|argues|establishes|confirms|reports|claims|notes)"
    r"\s+that\s+",
    re.I,
)
_CURATION = _words(
    r"KB|knowledge base|enrichments?|existing claims?|extract\w*|"
    r"our (?:claims?|notes?|beliefs?)"
)
_META_LABEL = _words(
    r"why|what|how|when|who|context|notes?|summary|examples?|sources?|caveats?|"
    r"connections?|hints?|candidates?|key|findings?|results?|claims?|quotes?|"
    r"references?|takeaways?|details?|background|status|tl;?dr"
)
_HEDGE = _words(
    r"may|might|could|possibly|perhaps|suggests?|appears?|seems?|unclear|speculat\w*|"
    r"hypothes\w*|conjectur\w*|preliminary|early|initial|pilot"
)
_PROOF = _words(r"proved that|proven|formally verified|machine-checked|formal proof|rigorous proof")
_MIXED = _words(
    r"however|but|although|though|while|whereas|only in|only when|only for|limited|"
    r"partial\w*|mixed|trade-?offs?|at the cost|caveats?|depends on|in some"
)


def clean_title(quote: str) -> str:
    """Turn a verbatim sentence into a title: no markdown, links, asides or final period."""
    text = re.sub(r"\[\[([^\]|]*)(?:\|[^\]]*)?\]\]", r"\1", quote)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"https?://\S+|\[[^\]]*\]", "", text)
    for _ in range(2):
        text = re.sub(r"\s*\([^()]*\)", "", text)
    text = re.sub(r"\*\*|__|`|(?<![\w*])[*_](?=\S)|(?<=\S)[*_](?![\w*])", "", text)
    text = re.sub(r"[\"“”]|(?<!\w)['‘’]|['‘’](?!\w)", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,;:.])", r"\1", text)
    text = text.strip(" -—–,;:>").rstrip(".!;:, ")
    # Summaries drop the subject ("Proves that X holds"): the claim is the clause, "X holds".
    reported = _REPORTING_START.match(text)
    if reported and len(text) > reported.end():
        text = text[reported.end()].upper() + text[reported.end() + 1 :]
    return text


def heading_thesis(text: str) -> Sentence | None:
    """The document's own `# ` heading, when it is the first heading of the body: a note states
    its claim there ("X does not secure Y"), so it is a candidate like any sentence (it must still
    read as a proposition, which a headline such as "Weekly digest" does not)."""
    body = strip_frontmatter(text)
    offset = 0
    for line in body.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        match = _HEADING.match(line)
        if not match or len(match.group(1)) != 1:
            return None  # the body opens with prose or a sub-heading: no thesis heading
        quote = match.group(2).strip()
        at = body.index(quote, start) if quote else -1
        if len(quote) < 8 or at < 0:
            return None
        return Sentence(at, at + len(quote), quote, "", "", -1)
    return None


def title_problem(title: str) -> str | None:
    """Why a title fails "This note argues that <title>", or None: the validator's test and ours."""
    if len(title.split()) < 5 or re.search(r"[*#`|\[\]]", title) or title.endswith((".", ":", "?")):
        return "under five words, or markdown or end punctuation left in it"
    if any(unicodedata.category(ch) == "So" for ch in title):
        return "emoji or pictographs"  # tweets; no curator writes them into a claim
    head = title.split(",", 1)[0]  # "a as b, c as d, e" is a list of phrases, not a sentence
    if title.count(",") >= 2 and len(head.split()) >= 4 and title_problem(head):
        return "a list of phrases"
    return proposition_problem(title)


def _structural_score(sentence: Sentence, title: str, first_in_unit: bool) -> float:
    """Rank by where a sentence sits and how it reads, before any embedding is computed."""
    quote, label, words = sentence.quote, sentence.label, len(title.split())
    return (
        0.5 * bool(_KEY_SECTION.search(sentence.section))
        - 0.8 * bool(_LOW_SECTION.search(sentence.section) or _LOW_SECTION.search(label))
        + (0.3 if first_in_unit else 0.1) * bool(label)
        + 0.3 * bool(label and _KEY_SECTION.search(label))
        + 0.25 * sum(bool(p.search(quote)) for p in _CUES)
        + 0.2 * bool(_NUMBER.search(quote))
        - 0.4 * bool(_FIRST_PERSON.search(quote))
        - 0.3 * bool(_DEICTIC_START.search(title) or _META.search(title))
        - 0.6 * bool(_CURATION.search(quote))
        - 0.6 * ("[[" in quote or "http" in quote)
        - 0.3 * (words < 9 or words > 45)
    )


@dataclass(frozen=True)
class Candidate:
    """A sentence that reads as a claim, the title made from it and its structural score."""

    sentence: Sentence
    title: str
    structure: float


def _not_a_claim(title: str, quote: str, settings: ProposerSettings) -> bool:
    """A question, too short or long, no proposition, or a metadata line: never a candidate."""
    return (
        "?" in title
        or not settings.min_words <= len(title.split()) <= settings.max_words
        or title_problem(title) is not None
        or metadata_problem(title, [quote]) is not None
    )


def _link_share(quote: str) -> float:
    """Share of a sentence inside wiki links or URLs: a pointer to another note, not a statement."""
    return sum(map(len, re.findall(r"\[\[[^\]]*\]\]|https?://\S+", quote))) / max(1, len(quote))


_LEAD_END = _words(
    r"because|that|since|as|is|are|was|were|be|to|by|includes?|including|achieve|"
    r"requires?|needs?|means|shows?|found|finds|can|cannot|must|should|will"
)


def _lower_first(text: str) -> str:
    """Lower-case an initial capital that starts an ordinary word (not "GPT", not "AI")."""
    word = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if word == "A" or word[1:].islower() else text


def candidates(text: str, settings: ProposerSettings) -> list[Candidate]:
    """Every sentence that could become a claim, best structural score first (ties by position).
    A lead-in ending in a connective and a colon ("X fails because:") is completed by the list
    items under it: "X fails because <item>", or one "X can achieve a, b, and c" for phrase items.
    """
    found: list[Candidate] = []
    seen_units: set[int] = set()
    lead: Sentence | None = None  # an open lead-in, and the noun-phrase items under it:
    fragments: list[str] = []

    def add(
        sentence: Sentence, title: str, first: bool, pointer: bool = False, bonus: float = 0.0
    ) -> None:
        # `pointer`: a comment on a link; `bonus`: the note's thesis heading
        score = _structural_score(sentence, title, first) - 0.6 * pointer + bonus
        found.append(Candidate(sentence, title, score))

    def close_lead() -> None:
        if lead is not None and len(fragments) >= 2:
            joined = ", ".join(fragments[:-1]) + ", and " + fragments[-1]
            add(lead, f"{clean_title(lead.quote)} {joined}", True)

    thesis = heading_thesis(text)
    if thesis is not None and settings.thesis_weight > 0:
        title = clean_title(thesis.quote)
        if not _not_a_claim(title, thesis.quote, settings):
            add(thesis, title, True, bonus=settings.thesis_weight)
    for sentence in split_sentences(text):
        first = sentence.unit not in seen_units
        seen_units.add(sentence.unit)
        if lead is not None and not (sentence.item and sentence.section == lead.section):
            close_lead()
            lead, fragments = None, []
        title = clean_title(sentence.quote)
        if sentence.quote.rstrip(' *_"”)').endswith(":"):
            close_lead()
            ends = title.rsplit(" ", 1)[-1]
            lead, fragments = (sentence if _LEAD_END.fullmatch(ends) else None), []
            continue
        if lead is not None and first:
            piece = clean_title(f"{sentence.label} {sentence.quote}")
            if title_problem(piece) and len(piece.split()) <= 12:
                fragments.append(_lower_first(piece))
                continue
            title = f"{clean_title(lead.quote)} {_lower_first(title)}"
        before = text[: sentence.start].rstrip(" *_\t")
        label = clean_title(sentence.label) if first else ""
        colon = before.endswith(":")  # "**X reappear** as ..." and "Humans retain: y" read on
        if label and title[:1].islower() and not (colon and _META_LABEL.search(label)):
            title, label = f"{label}{':' if colon else ''} {title}", ""
        head, _, rest = title.partition(": ")  # "Head: proposition" inside the sentence
        if rest[:1].isupper() and len(head.split()) <= 4 and not title_problem(rest):
            title, label = rest, label or head
        if _not_a_claim(title, sentence.quote, settings) or _link_share(sentence.quote) > 0.5:
            continue  # not a sentence, or a pointer to another note rather than a statement
        if settings.label_in_title and label and not _META_LABEL.search(label):
            title = f"{title} — {label}"
        add(sentence, title, first, before.rstrip(" —–:-").endswith("]]"))
    close_lead()
    found.sort(key=lambda c: (-c.structure, c.sentence.start))
    return found


def confidence_of(quote: str) -> str:
    """Confidence from wording: a proof needs strong cues, measurements mean likely, hedges less."""
    if _PROOF.search(quote) and not _HEDGE.search(quote):
        return "proven"
    if re.search(r"\b(?:speculat\w*|conjectur\w*|might|perhaps|possibly)\b", quote, re.I):
        return "speculative"
    measured = not _HEDGE.search(quote) and (_NUMBER.search(quote) or _CUES[1].search(quote))
    return "likely" if measured else "experimental"


def _description(chosen: Candidate, sentences: list[Sentence], source_title: str) -> str:
    """A different sentence: the neighbour in the same paragraph or list, else where it was said."""
    if chosen.sentence.unit < 0:  # the heading thesis: the prose under it is its context
        after = [s for s in sentences if s.start > chosen.sentence.start]
        text = clean_title(after[0].quote) if after else ""
        if len(text.split()) >= 4:
            return f"{text}."
        return f"Stated in {source_title or 'the source'} as its heading."
    index = next(i for i, s in enumerate(sentences) if s.start == chosen.sentence.start)
    label = "" if _META_LABEL.search(chosen.sentence.label) else clean_title(chosen.sentence.label)
    for other in sentences[index + 1 : index + 2] + sentences[max(0, index - 1) : index]:
        text = clean_title(other.quote)
        if (
            other.unit == chosen.sentence.unit
            and len(text.split()) >= 4
            and (text.lower() not in chosen.title.lower())
        ):
            return f"{label}: {text}." if label else f"{text}."
    where = f' under "{chosen.sentence.section}"' if chosen.sentence.section else ""
    lead = f"{label}. " if label and label.lower() not in chosen.title.lower() else ""
    return f"{lead}Stated in {source_title or 'the source'}{where}."


def select(
    pool: list[Candidate],
    vectors: np.ndarray,
    scores: np.ndarray,
    cap: int,
    settings: ProposerSettings,
) -> list[int]:
    """Best-scoring candidates, skipping near-duplicates; novel ones first, similar ones after."""
    order = sorted(range(len(pool)), key=lambda i: (-round(scores[i], 6), pool[i].sentence.start))
    chosen: list[int] = []
    for limit in (settings.diversity_similarity, settings.dedupe_similarity):
        for i in order:
            if (
                len(chosen) < cap
                and i not in chosen
                and all(float(vectors[i] @ vectors[j]) < limit for j in chosen)
            ):
                chosen.append(i)
    return sorted(chosen, key=order.index)


def claim_cap(text: str, settings: ProposerSettings) -> int:
    """How many claims a source of this length may yield."""
    words = len(re.findall(r"\w+", strip_frontmatter(text)))
    return min(settings.max_claims, max(settings.min_claims, -(-words // settings.words_per_claim)))


def belief_text_views(beliefs: Sequence[BeliefView]) -> list[BeliefText]:
    return [BeliefText(b.id, b.statement, b.description, b.disconfirmation) for b in beliefs]


def belief_texts(beliefs: Sequence[BeliefView]) -> list[str]:
    """Every text of the beliefs that `propose` embeds.

    The pipeline embeds these once per workspace (`agent.extract.register_vectors`), so a large
    register is not embedded again on every run.
    """
    return belief_vectors(belief_text_views(beliefs))


_last_hubness: tuple[tuple[str, tuple[str, ...]], np.ndarray] | None = None


def register_hubness(
    embedder_name: str, register_texts: list[str], texts: list[BeliefText], vectors: np.ndarray
) -> np.ndarray:
    """`hubness` of the register, computed once for a run rather than once per source: it
    depends only on the register's texts and the embedder, and costs beliefs x sentences. One
    entry is kept (a run reads one register); the tuple is replaced whole, so threads that
    propose side by side (`--jobs`) at worst compute it twice."""
    global _last_hubness
    key = (embedder_name, tuple(register_texts))
    last = _last_hubness
    if last is not None and last[0] == key:
        return last[1]
    value = hubness(texts, vectors)
    _last_hubness = (key, value)
    return value


def propose(
    title: str,
    text: str,
    beliefs: Sequence[BeliefView],
    embedder: Embedder,
    settings: ProposerSettings = ProposerSettings(),
) -> dict:
    """Propose claims for one source in the extraction contract's JSON shape. Deterministic: ties
    break by position and nothing is random, so the same inputs (and embedder) give the same output.
    """
    pool = candidates(text, settings)[: settings.embed_candidates]
    if not pool:
        return {"claims": [], "notes": "offline model: no sentence of the source reads as a claim"}
    n_b = len(beliefs)
    extra = [title] if title else []
    texts = belief_text_views(beliefs)
    register_texts = belief_vectors(texts)
    vectors = embedder.embed([c.title for c in pool] + extra + register_texts)
    cand, rest = vectors[: len(pool)], vectors[len(pool) :]
    about, to_stmt = aboutness(cand, texts, rest[len(extra) :])
    to_target = target_similarity(cand, texts, rest[len(extra) :])
    scores = np.array([c.structure for c in pool], dtype=np.float64)
    if title:
        scores += settings.title_weight * (cand @ rest[0])
    if n_b:
        scores += settings.belief_weight * to_stmt.max(axis=1)
    chosen = select(pool, cand, scores, claim_cap(text, settings), settings)

    judge = settings.stance.scaled(float(getattr(embedder, "similarity_scale", 1.0)))
    sentences = split_sentences(text)
    fm = re.search(r"^---(?:(?!\n---|\s---\s).)*?\sdomain:\s*[\"']?([a-z][a-z0-9-]+)", text, re.S)
    domain = fm.group(1) if fm else settings.default_domain  # the text's frontmatter wins
    linking = (
        np.maximum(about, to_target - judge.target_link_discount) if judge.target_links else about
    )
    if title and n_b and judge.source_title_weight:
        thesis, _ = aboutness(rest[:1], texts, rest[len(extra) :])
        linking = linking + judge.source_title_weight * (thesis - thesis.mean())
    ranking = linking
    if n_b and judge.hub_weight:
        hub = register_hubness(
            getattr(embedder, "name", ""), register_texts, texts, rest[len(extra) :]
        )
        ranking = linking - judge.hub_weight * hub[None, :]
    linked = {i: links_for(ranking[i], judge, linking[i]) if n_b else [] for i in chosen}
    judged: dict[tuple[int, int], Judgement] = {}
    clause_vectors = target_clause_vectors(texts, rest[len(extra) :]) if n_b else []
    parts = {i: [pool[i].title, *clauses_of(pool[i].title)] for i in chosen if linked[i]}
    flat = [p for i in parts for p in parts[i]]
    part_vectors = embedder.embed(flat) if flat else np.zeros((0, cand.shape[1]))
    at = 0
    for i in chosen:
        if not linked[i]:
            continue
        mine = part_vectors[at : at + len(parts[i])]
        at += len(parts[i])
        for b in linked[i]:
            near = max(float(to_stmt[i, b]), float(about[i, b]))
            restated = restates(pool[i].title, texts[b], near, judge)
            target = restated_target(parts[i], mine, texts[b], clause_vectors[b], judge)
            judged[i, b] = direction(pool[i].title, texts[b], restated, target)
    by_belief: dict[int, list[tuple[int, int]]] = {}
    for key in judged:  # in claim order, so each belief's judgements keep the source's order
        by_belief.setdefault(key[1], []).append(key)
    for keys in by_belief.values():
        for key, settled in zip(keys, settle_source([judged[k] for k in keys]), strict=True):
            judged[key] = settled
    claims = []
    for i in chosen:
        c = pool[i]
        if text[c.sentence.start : c.sentence.end] != c.sentence.quote:
            continue  # spans are cut from the text, so never; a guard for the contract
        links = [
            {
                "id": beliefs[b].id,
                "stance": judged[i, b].stance,
                "rationale": f"about it: {about[i, b]:.2f} to the belief, "
                f"{to_stmt[i, b]:.2f} to the statement; {judged[i, b].cue}",
            }
            for b in linked[i]
        ]
        claims.append(
            {
                "title": c.title,
                "description": _description(c, sentences, title),
                "confidence": confidence_of(c.sentence.quote),
                "domain": domain,
                "evidence": [{"quote": c.sentence.quote}],
                "beliefs": links,
            }
        )
    notes = (
        f"offline baseline model: {len(claims)} claims chosen from {len(pool)} candidate "
        "sentences by structure and embedding similarity; titles restate source sentences"
    )
    return {"claims": claims, "notes": notes}
