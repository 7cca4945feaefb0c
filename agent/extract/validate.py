"""The claim validator: judge one proposed claim against its source and the belief register.

Every applicable reason is collected, not just the first, so the audit log tells a prompt author
everything wrong with a proposal at once. Semantic checks still run when the schema check fails
for other fields: a claim with a bad confidence AND an unknown belief gets both codes.

Decisions (CONTRACT leaves them open):
- confidence and stance must be lower-case exact words after stripping whitespace; the message
  hints at the lower-case form when only the case is off. Belief ids are exact after stripping.
- a missing "beliefs" list means no beliefs; extra keys are ignored; a null rationale is "".
- the same belief named twice with the same stance is kept once; with two stances it is a
  BAD_STANCE (the ledger can record only one stance of a claim on a belief).
- DUPLICATE_CLAIM is checked only when nothing else is wrong; the verdict then carries the
  cleaned claim too, so the pipeline can record it as evidence for the claim it repeats.
- a quote that is not verbatim but is a near miss of one span of the source (`snap_quote`: a
  trailing ".", a quote mark swapped, a word or two added at an end) is replaced by that span,
  and the model's wording is kept beside it (`ValidClaim.snapped_from`): the stored quote is
  always a verbatim span. Beyond the bound it is not found (QUOTE_NOT_IN_SOURCE).
- quotes must come from the source's own text, not its curators' sections (`split_curation`);
  a claim whose only quotes come from those is QUOTE_FROM_CURATOR_NOTES.
- a title that opens with the contract's reading frame ("This note argues that ...") is kept
  without it: the frame is how a reader checks a title, not part of it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.text.metadata import metadata_problem
from agent.text.normalize import normalize_for_match, quote_in_text
from agent.text.proposition import proposition_problem
from agent.text.quote_snap import snap_quote

REASON_CODES = (
    "SCHEMA",
    "NOT_A_PROPOSITION",
    "DESCRIPTION_REPEATS_TITLE",
    "METADATA_NOT_CLAIM",
    "BAD_CONFIDENCE",
    "QUOTE_NOT_IN_SOURCE",
    "QUOTE_FROM_CURATOR_NOTES",
    "UNKNOWN_BELIEF",
    "BAD_STANCE",
    "DUPLICATE_CLAIM",
    "MALFORMED_OUTPUT",
)
CONFIDENCES = ("proven", "likely", "experimental", "speculative")
STANCES = ("supports", "challenges", "complicates", "related")
REPEAT_JACCARD = 0.8
"""Word-set overlap at which a description counts as the title said again."""


@dataclass(frozen=True)
class Reason:
    """One reason a claim was refused; the message names the offending value."""

    code: str
    message: str


@dataclass(frozen=True)
class StanceOnBelief:
    belief_id: str
    stance: str
    rationale: str


@dataclass(frozen=True)
class ValidClaim:
    """A claim cleaned for storage: stripped strings, only the quotes found in the source."""

    title: str
    description: str
    confidence: str
    domain: str
    quotes: tuple[str, ...]
    beliefs: tuple[StanceOnBelief, ...]
    snapped_from: tuple[str | None, ...] = ()
    """Beside each quote: the model's wording when the quote was snapped onto the source's
    verbatim span, else None (empty: no quote was snapped)."""


@dataclass(frozen=True)
class Verdict:
    """The judgement of one proposed item. `claim` is set when accepted (no reasons) and also for
    DUPLICATE_CLAIM, where `duplicate_of` names the accepted claim it repeats."""

    proposed: Any
    claim: ValidClaim | None
    reasons: tuple[Reason, ...]
    duplicate_of: str | None = None

    @property
    def accepted(self) -> bool:
        return not self.reasons


class DuplicateFinder(Protocol):
    def find_duplicate(self, title: str, description: str) -> str | None:
        """The id of an accepted claim this one nearly repeats, or None."""
        ...


# --- schema ------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class _EvidenceIn(_Model):
    quote: str = Field(min_length=1)


class _BeliefIn(_Model):
    id: str = Field(min_length=1)
    stance: str
    rationale: str | None = ""


class _ClaimIn(_Model):
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    confidence: str
    domain: str
    evidence: list[_EvidenceIn] = Field(min_length=1)
    beliefs: list[_BeliefIn] = Field(default_factory=list)

    @field_validator("domain")
    @classmethod
    def _domain_not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must be a non-empty string such as 'ai-alignment'")
        return value


def pydantic_errors_compact(exc: ValidationError | Any) -> str:
    """`field: problem; field: problem` -- one line a person can read, never a dump."""
    parts: list[str] = []
    for err in exc.errors() if hasattr(exc, "errors") else []:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "claim"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") in ("dict_type", "model_type"):
            msg = "Input should be a JSON object"  # not pydantic's internal class name
        if err.get("type") in ("string_type", "list_type", "dict_type", "model_type"):
            value = err.get("input")
            msg += f", got {'null' if value is None else type(value).__name__}"
        parts.append(f"{loc}: {msg}")
    return "; ".join(dict.fromkeys(parts)) or str(exc)


def malformed_output_reason(error: str) -> Reason:
    """The one rejection logged when a reply stays unparseable after the retries."""
    return Reason("MALFORMED_OUTPUT", f"the model's reply could not be parsed: {error}")


# --- field checks ------------------------------------------------------------------------------


def _text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _compare_words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", normalize_for_match(text).casefold())


def _repeats(title: str, description: str) -> bool:
    """Description equal to, inside, barely longer than, or (as a word set) ~ the title."""
    t, d = _compare_words(title), _compare_words(description)
    if not d or not t:
        return False
    ts, ds = " ".join(t), " ".join(d)
    if f" {ds} " in f" {ts} " or (d[: len(t)] == t and len(d) - len(t) < 3):
        return True
    return len(set(t) & set(d)) / len(set(t) | set(d)) >= REPEAT_JACCARD


def _choice_problem(kind: str, value: str, allowed: tuple[str, ...]) -> str | None:
    if value in allowed:
        return None
    hint = f" (write it in lower case: '{value.lower()}')" if value.lower() in allowed else ""
    return f"{kind} '{value}' is not one of {', '.join(allowed)}{hint}"


@dataclass(frozen=True)
class QuoteText:
    """Where quotes may come from: the source's evidence text (curators' parts left out), the
    whole body (a quote must be a verbatim span of it too: no quote may run across a gap where a
    curator's section was), more text such as the title, and the curators' parts."""

    evidence: str
    whole: str | None = None
    extra: str = ""
    curators: str = ""


def _place(quote: str, text: QuoteText) -> tuple[str, str | None] | None:
    """(the verbatim span to store, the model's wording if it was snapped), or None."""
    if quote_in_text(quote, text.evidence) and (
        text.whole is None or quote_in_text(quote, text.whole)
    ):
        return quote, None
    if text.extra and quote_in_text(quote, text.extra):
        return quote, None
    snap = snap_quote(quote, text.evidence)
    if snap is None or not snap.snapped:
        return None
    if text.whole is not None and not quote_in_text(snap.span, text.whole):
        return None
    return snap.span, quote


def _from_curators(quote: str, curators: str) -> bool:
    return bool(curators) and (
        quote_in_text(quote, curators) or snap_quote(quote, curators) is not None
    )


def _check_quotes(
    raw: dict[str, Any], text: QuoteText
) -> tuple[list[tuple[str, str | None]], Reason | None]:
    """The quotes placed in the source, each with its snapped-from wording; or the reason."""
    evidence = raw.get("evidence")
    quotes = [
        item["quote"].strip()
        for item in (evidence if isinstance(evidence, list) else [])
        if isinstance(item, dict) and isinstance(item.get("quote"), str) and item["quote"].strip()
    ]
    if not quotes:
        return [], None  # nothing to look for; SCHEMA has said why
    placed: dict[str, str | None] = {}
    for quote in quotes:
        found = _place(quote, text)
        if found is not None and found[0] not in placed:
            placed[found[0]] = found[1]
    if placed:
        return list(placed.items()), None
    listed = "; ".join(f"'{_short(q)}'" for q in quotes[:3])
    more = f" (and {len(quotes) - 3} more)" if len(quotes) > 3 else ""
    if any(_from_curators(q, text.curators) for q in quotes):
        return [], Reason(
            "QUOTE_FROM_CURATOR_NOTES",
            f"the evidence quotes come from the curators' notes, not the source: {listed}{more}; "
            "quote the source's own text",
        )
    return [], Reason(
        "QUOTE_NOT_IN_SOURCE",
        f"no evidence quote appears verbatim in the source: {listed}{more}; copy a span of at "
        "least 8 characters exactly as the source writes it",
    )


_FRAME = re.compile(
    r"^(?:this|the) (?:note|source|paper|claim) (?:argues|claims|shows) that\s+", re.I
)


def _without_frame(title: str) -> str:
    """ "This note argues that X" -> "X" (capitalised): the frame is the reader's, not the title."""
    rest = _FRAME.sub("", title, count=1)
    if rest == title or not rest:
        return title
    return rest[0].upper() + rest[1:]


def _check_beliefs(
    raw: dict[str, Any], belief_ids: Collection[str]
) -> tuple[list[StanceOnBelief], list[Reason]]:
    """The well-formed stances, and a reason per unknown id or bad stance."""
    items = raw.get("beliefs")
    reasons: list[Reason] = []
    kept: dict[str, StanceOnBelief] = {}
    known = ", ".join(sorted(belief_ids)) or "none"
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        bid = item["id"].strip() if isinstance(item.get("id"), str) else None
        stance = item["stance"].strip() if isinstance(item.get("stance"), str) else None
        if bid and bid not in belief_ids:
            near = [k for k in belief_ids if k.casefold() == bid.casefold()]
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            reasons.append(
                Reason(
                    "UNKNOWN_BELIEF",
                    f"belief '{bid}' is not in the register; known ids: {known}{hint}",
                )
            )
        if stance is not None and (problem := _choice_problem("stance", stance, STANCES)):
            reasons.append(Reason("BAD_STANCE", f"{problem} (on belief '{bid}')"))
        if not bid or bid not in belief_ids or stance not in STANCES:
            continue
        if bid in kept and kept[bid].stance != stance:
            reasons.append(
                Reason(
                    "BAD_STANCE",
                    f"belief '{bid}' is given two stances, '{kept[bid].stance}' and '{stance}'; "
                    "a claim takes one stance on a belief",
                )
            )
        rationale = item.get("rationale")
        rationale = rationale.strip() if isinstance(rationale, str) else ""
        kept.setdefault(bid, StanceOnBelief(bid, stance, rationale))
    return list(kept.values()), reasons


def validate_claim(
    proposed: Any,
    source_text: str,
    belief_ids: Collection[str],
    duplicates: DuplicateFinder | None = None,
    quote_text_extra: str = "",
    curator_text: str = "",
    whole_text: str | None = None,
) -> Verdict:
    """Judge one proposed claim item (see the module docstring for the rules).

    `source_text` is the text quotes must come from (the body less its curators' sections),
    `whole_text` the body they must also be verbatim spans of, `quote_text_extra` more text a
    quote may come from (the source's title, say), `curator_text` the curators' sections.
    """
    if not isinstance(proposed, dict):
        kind = "null" if proposed is None else type(proposed).__name__
        message = f"claim: expected a JSON object, got {kind}: {_short(repr(proposed))}"
        return Verdict(proposed, None, (Reason("SCHEMA", message),))

    reasons: list[Reason] = []
    model: _ClaimIn | None = None
    try:
        model = _ClaimIn.model_validate(proposed)
    except ValidationError as exc:
        reasons.append(Reason("SCHEMA", pydantic_errors_compact(exc)))

    title, description = _text(proposed, "title"), _text(proposed, "description")
    if title is not None:
        title = _without_frame(title)
    if title is not None and (problem := proposition_problem(title)):
        reasons.append(Reason("NOT_A_PROPOSITION", f"title '{_short(title)}' {problem}"))
    if title is not None and description is not None and _repeats(title, description):
        reasons.append(
            Reason(
                "DESCRIPTION_REPEATS_TITLE",
                f"description '{_short(description)}' repeats the title; say what the title does "
                "not: the mechanism, the scope or the evidence",
            )
        )
    evidence = proposed.get("evidence")
    said = (
        [e.get("quote") for e in evidence if isinstance(e, dict)]
        if isinstance(evidence, list)
        else []
    )
    if title is not None and (
        problem := metadata_problem(title, [q for q in said if isinstance(q, str)])
    ):
        reasons.append(Reason("METADATA_NOT_CLAIM", f"'{_short(title)}': {problem}"))
    confidence = _text(proposed, "confidence")
    if confidence is not None and (
        problem := _choice_problem("confidence", confidence, CONFIDENCES)
    ):
        reasons.append(Reason("BAD_CONFIDENCE", problem))
    quotes, quote_reason = _check_quotes(
        proposed, QuoteText(source_text, whole_text, quote_text_extra, curator_text)
    )
    if quote_reason:
        reasons.append(quote_reason)
    stances, belief_reasons = _check_beliefs(proposed, belief_ids)
    reasons.extend(belief_reasons)

    if reasons or model is None:
        return Verdict(proposed, None, tuple(reasons))
    snapped = tuple(original for _, original in quotes)
    claim = ValidClaim(
        title=" ".join((title or model.title).split()),
        description=model.description,
        confidence=model.confidence,
        domain=model.domain,
        quotes=tuple(span for span, _ in quotes),
        beliefs=tuple(stances),
        snapped_from=snapped if any(snapped) else (),
    )
    dup = duplicates.find_duplicate(claim.title, claim.description) if duplicates else None
    if dup:
        reason = Reason(
            "DUPLICATE_CLAIM",
            f"'{_short(claim.title)}' nearly repeats "
            + (
                f"the knowledge base's note '{dup[5:]}'"
                if dup.startswith("note:")
                else f"accepted claim {dup}"
            )
            + "; it is recorded as further evidence for that claim",
        )
        return Verdict(proposed, claim, (reason,), duplicate_of=dup)
    return Verdict(proposed, claim, ())
