"""Word-level judgements for extractive answers: stems, amounts and cue words.

Pure and small on purpose: `agent.ask.intent` reads a question with them and
`agent.ask.compose` scores spans with them, so both agree on what "the same word", "a figure"
and "a reason" are.

- Stems are crude (a few English suffixes off, then the first six letters): "coordination" and
  "coordinating" meet, "spent" and "spending" meet. A handful of concept groups make the words an
  analyst asks with meet the words sources write (spend ~ investment ~ funding; year ~ annual).
- Amounts are measured quantities, typed: money ($75-150M, 870 billion dollars), percent
  (70.4%), multiple (17.2x), count (1,127; 63 million), year (2027) and duration (3-7 years).
  A bare small number or a name with digits (GPT-4, B4) is not an amount.
- Cues: words that mark a reason (because, due to, pressure, driven by ...) and words that mark
  the other side (however, fails, underperform, cannot, limits ...).
"""

from __future__ import annotations

import re
from functools import lru_cache

from agent.ask.retrieval import content_words

_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ied", "ed", "s")
_GROUPS = (
    ("spend", "spent", "spending", "invest", "investment", "investments", "funding",
     "funded", "budget", "budgets", "cost", "costs", "expenditure", "money"),
    ("year", "years", "annual", "annually", "yearly"),
    ("rollback", "rolled", "roll", "scraps", "scrapped", "drops", "dropped", "weakens",
     "abandon", "abandoned"),
    ("challenge", "challenges", "contradict", "against", "undermine", "refute", "dispute",
     "counter"),
    ("number", "count", "many", "total"),
    ("people", "person", "persons", "adults", "participants", "respondents", "individuals",
     "volunteers", "members"),
    ("lab", "labs", "company", "companies", "firm", "firms", "developer", "developers"),
    ("percent", "percentage", "share", "fraction", "proportion"),
)  # fmt: skip
_GROUP_OF = {word: group[0] for group in _GROUPS for word in group}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude, stable stem; words of one concept group share their group's stem."""
    word = word.casefold()
    if word in _GROUP_OF:
        return "~" + _GROUP_OF[word]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    else:
        for suffix in _SUFFIXES:
            if len(word) - len(suffix) >= 4 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]  # score / scores / scored, probe / probes all meet
    return word[:6]


def stems(text: str) -> frozenset[str]:
    """The stems of a text's content words (stopwords left out)."""
    return frozenset(stem(w) for w in content_words(text) if len(w) > 1 or w.isdigit())


_NUMBER = r"\d+(?:[.,]\d+)*"
_RANGE = rf"{_NUMBER}(?:\s?(?:-|–|to)\s?\$?{_NUMBER})?"
_SCALE = r"(?:[KMBT]\b|k\b|bn\b|thousand|million|billion|trillion)"
AMOUNT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "money",
        re.compile(
            rf"(?:[$€£]\s?{_RANGE}\s?{_SCALE}?|{_RANGE}\s?{_SCALE}?\s?(?:dollars|USD|euros)\b)"
            rf"(?:\s?(?:/|per|a|each)\s?(?:year|yr|month|person|patient))?",
            re.I,
        ),
    ),
    ("percent", re.compile(rf"{_RANGE}\s?(?:%|percent\b|percentage points?\b|pp\b)", re.I)),
    ("multiple", re.compile(rf"{_NUMBER}\s?(?:x\b|×|-?fold\b|times\b)", re.I)),
    (
        "duration",
        re.compile(rf"{_RANGE}\s?(?:years?|months?|weeks?|days?|hours?|minutes?)\b", re.I),
    ),
    ("year", re.compile(r"\b(?:19|20)\d{2}\b(?!\s?(?:%|[KMBT]\b|million|billion))")),
    ("count", re.compile(rf"\b{_RANGE}\s?(?:{_SCALE}|\+)?", re.I)),
)


def amounts(text: str, kinds: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(kind, amount as written) in order of appearance; each piece of text counted once."""
    found: list[tuple[int, int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in AMOUNT_PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            value = m.group().strip()
            if kind == "count" and not _is_count(value, text, end):
                continue
            taken.append((start, end))
            if kinds is None or kind in kinds:
                found.append((start, end, kind, value))
    return [(kind, value) for _, _, kind, value in sorted(found)]


def _is_count(value: str, text: str, end: int) -> bool:
    """A count is a large or scaled number: "1,127", "63 million", "180 configurations"; not a
    version, model number or list index ("GPT-4", "3 firms" is allowed, "B4" never matched)."""
    digits = re.sub(r"\D", "", re.split(r"[-.]", value)[0])
    if not digits:
        return False
    before = text[max(0, end - len(value) - 1) : end - len(value)]
    if before and (before.isalpha() or before == "-"):
        return False
    return len(digits) >= 2 or bool(re.search(_SCALE, value, re.I))


def amount_key(value: str) -> str:
    """What makes two written amounts the same figure: digits, range and scale, not spacing."""
    value = value.casefold().replace("–", "-").replace(" to ", "-")
    value = re.sub(r"\s+", "", value)
    value = re.sub(r"(?<=\d),(?=\d{3})", "", value)
    for word, short in (("million", "m"), ("billion", "b"), ("trillion", "t"), ("thousand", "k")):
        value = value.replace(word, short)
    return re.sub(r"(?:/|per|a|each)?(?:year|yr)$|dollars$|usd$", "", value)


REASON_CUE = re.compile(
    r"\b(because|due to|owing to|driven by|drives?|drivers?|since|as a result|"
    r"result(?:ed|s)? (?:of|from)|stems? from|attributable|explanations?|factors?|"
    r"reasons?|caus(?:e|es|ed|ing)|led to|leads? to|in order to|so that|under (?:\w+ )?pressure|"
    r"pressures?|forc(?:e|es|ed|ing)|cross-purposes|trade-?off|incentives?|competitive|"
    r"competition|cost of|motivat\w*|to avoid|conclu\w*|acknowledg\w*)\b",
    re.I,
)
CONTRA_CUE = re.compile(
    r"\b(however|but|although|though|yet|despite|fails?|failed|failing|failure|cannot|can't|"
    r"unable|not|no|never|limits?|limitations?|limited|underperform\w*|worse|weak\w*|critic\w*|"
    r"challeng\w*|contradict\w*|counter\w*|against|doubt\w*|undermin\w*|problem\w*|risks?|"
    r"barriers?|impossib\w*|intractable|unsolved|insufficient|overstat\w*|instead|rather than|"
    r"wall|ceiling|bounded|degrad\w*|negative|zero|none|nothing|neither|nor|lack\w*|"
    r"absen\w*|unaffected|insignificant|collaps\w*|abandon\w*|scrap\w*|erod\w*|"
    r"revers\w*|rolled back|weaken\w*|penalty|overhead)\b",
    re.I,
)


def cue_count(pattern: re.Pattern[str], text: str) -> int:
    """How many distinct cue words of `pattern` the text holds."""
    return len({m.group().casefold() for m in pattern.finditer(text)})
