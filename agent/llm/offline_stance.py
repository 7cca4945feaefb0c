"""The offline model's judgement of which beliefs a claim is about, and which way it points.

Relevance is aboutness, not a cosine floor: a claim is compared with the whole belief (its
statement and the sentences of its description, its grounding paragraph), and it links a belief
only when that belief is nearer than every other belief of the register by a margin, after each
belief's hubness (how near it sits to everything else the register says) is taken off, so a
broad belief does not collect every claim of its field. The register's grounding titles are
never used: they are the register's own words about notes, not evidence that a claim bears on
the belief.

Direction comes only from explicit signals aimed at the belief's own claim (`signals`): a
negator reaching a term the statement asserts disputes it ("no longer grows with capability");
one reaching a term the statement denies, or standing by it, agrees ("medical care explains only
10-20 percent" for "determined by factors outside medical care"); a word of going badly agrees
with a belief that says things go badly and disputes one that says they go well; saying the
belief's denied term is the case ("alignment is mainly a technical problem") and words of
refutation ("contradicts", "does not hold") dispute. More disputing than agreeing: challenges;
a claim about the belief with no turn against it supports, narrowed to part of its reach
complicates; signals both ways: related (weight 0, no move). Within one source a bare
restatement never outvotes the source's own explicit dispute (`settle_source`). MiniLM
similarity says what a sentence is about, never which way it points.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

# Words that turn what follows around. "only" counts before a figure or a small share
# ("only 10-20 percent", "only a fraction"); "outside"/"beyond" put a thing out of scope.
_NEGATOR_WORDS = (
    "not no never cannot can't couldn't doesn't don't didn't isn't aren't wasn't weren't won't "
    "without lacks lack lacking neither nor unable instead rather "
    "outside beyond none nothing little less fewer rarely seldom hardly barely"
)
_NEGATORS = frozenset(_NEGATOR_WORDS.split())
# Words that say a claim is wrong: aimed at the belief's claim when the sentence is about it.
_DISPUTE = re.compile(
    r"\b(?:contradict\w*|refut\w*|disprov\w*|undercut\w*|debunk\w*|the opposite of|"
    r"no longer (?:fits?|holds?|true)|(?:does|do|did) not hold|(?:is|are|was|were) (?:an? )?"
    r"(?:false|wrong|mistaken|misguided|overstated|unfounded)|falls? short|"
    r"the (?:claim|idea|argument|view|notion|assumption|premise) that\b[^.;]{0,160}?"
    r"\b(?:fails|falls apart|collapses))\b",
    re.I,
)
_DISPUTE_WORD = re.compile(r"^(?:contradict|refut|disprov|undercut|debunk|belie)")
_COPULAS = frozenset(
    ["is", "are", "was", "were", "remains", "remain", "becomes", "become", "stays"]
)
_ARTICLES = frozenset(["a", "an", "the"])
_PREPOSITIONS = frozenset(
    ["for", "in", "on", "at", "of", "by", "with", "to", "from", "over", "under", "across", "during"]
)
_DEGREE = frozenset(
    [
        "mainly",
        "mostly",
        "primarily",
        "largely",
        "fundamentally",
        "chiefly",
        "essentially",
        "really",
        "just",
        "being",
    ]
)
# Predicates that say a thing goes badly: "degrades", "erodes", "breaks down".
_NEGATIVE_PREDICATES = re.compile(
    r"^(?:degrad|erod|declin|worsen|worse|harder|collaps|inadequa|insuffici|fragil|unstabl|"
    r"fail|break|undermin|lose|loses|losing|lost|decreas|shrink|weaken|destroy|misalign|fall|falls|"
    r"destruct|harm(?!less)|damag)"
)
# A ranking: what stands before it wins over what follows ("surveys outperformed markets");
# "worse than" ranks the other way.
_RANKS = re.compile(r"^(?:outperform\w*|outpac\w*|surpass\w*|outdid|outdo\w*|beat|beats|beating)$")
_DEGREE_WORDS_DOWN = frozenset(["worse", "less", "fewer"])
_DEGREE_WORDS = frozenset(["better", "more"]) | _DEGREE_WORDS_DOWN
_ONLY_FIGURE = re.compile(r"^(?:\d|a$|one$|half$|small$|fraction$|few$|minor)")
# Wording that narrows a claim to part of its reach ("helps, but only in small groups"): a
# restatement so limited complicates the belief. A bare "but" is not aimed at the belief.
_HEDGE_SCOPE = re.compile(
    r"\b(?:only (?:in|when|for|if|under|within)|in some cases|depends on|under certain)\b", re.I
)
_STOP_WORDS = (
    "their those these which there about becom being other would could should rather than "
    "where while since given because within across still makes itself from with into onto "
    "than that this what when more most over upon also only such very some many much each both"
)
_STOP = frozenset(_STOP_WORDS.split())
_HUB_BLOCK = 256  # statements compared with the register's texts at a time (`hubness`)
WINDOW = 4
"""How many words either side a negative predicate may stand from a belief's term."""
SCOPE = 5
"""How many words after a negator it reaches."""


@dataclass(frozen=True)
class StanceSettings:
    """The knobs of relevance and direction; tuned on both agents' notes of teleo-collective
    (theseus, ai-alignment; rio, internet finance) and the bench's own notes, never one alone."""

    link_floor: float = 0.35  # below this a claim is about no belief at all
    link_margin: float = 0.05  # ahead of every other belief by this much: about this one
    # How much of a belief's hubness (`hubness`) is taken off before the margin is judged.
    hub_weight: float = 0.25
    # A restatement: this close to the belief. At the link floor, a claim that is about a belief
    # and carries no turn against its claim reads as agreeing with it.
    restate_similarity: float = 0.35
    # The disconfirmation target is part of the whole belief: a claim about what would weaken
    # the belief is about the belief (links, by the same floor and margin). Nearness to it never
    # decides a direction by itself (as a challenge, and as "no restatement, so related", it
    # made the direction worse on both agents' notes and on the bench's own): only a restatement
    # of one of its clauses in its own words does (`target_restate_similarity`).
    target_links: bool = True
    target_link_discount: float = 0.15  # a target sentence counts this much less than the belief
    # A claim (or one of its clauses) this near one clause of the disconfirmation target, in the
    # target's own words (a content term the statement lacks) and with no turn against it,
    # says what the register names as weakening the belief: it challenges (`restated_target`).
    target_restate_similarity: float = 0.6
    max_beliefs_per_claim: int = 1
    # A claim is read in its source: the source title's aboutness row, less its mean, is added
    # to each claim's, so a claim leans toward what the source as a whole is about (a note's
    # sentences toward its thesis). Chosen on every note set of both agents together.
    source_title_weight: float = 0.25

    def scaled(self, scale: float) -> StanceSettings:
        """The same rule for an embedder whose cosines run `scale` times MiniLM's (an embedder
        says so by a `similarity_scale` attribute; MiniLM is 1)."""
        if scale == 1.0:
            return self
        return replace(
            self,
            link_floor=self.link_floor * scale,
            link_margin=self.link_margin * scale,
            restate_similarity=self.restate_similarity * scale,
            target_link_discount=self.target_link_discount * scale,
            target_restate_similarity=self.target_restate_similarity * scale,
        )


@dataclass(frozen=True)
class BeliefText:
    """What a belief is about: its statement, and the sentences of its description."""

    id: str
    statement: str
    description: str = ""
    disconfirmation: str = ""

    def target_sentences(self) -> list[str]:
        """The disconfirmation target's sentences, questions and "Counter:" rebuttals left out
        (a rebuttal is the belief answering back, not evidence against it)."""
        text = self.disconfirmation.split("Counter:", 1)[0]
        parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text.strip())
        return [p for p in parts if len(p.split()) >= 5 and not p.endswith("?")][:6]

    def sentences(self) -> list[str]:
        parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", self.description.strip())
        return [p for p in parts if len(p.split()) >= 5][:8]

    def target_clauses(self) -> list[str]:
        """The target's clauses: "If safety spending approaches parity ..., or if governance
        keeps pace ..." names two things that would each weaken the belief."""
        return [c for sentence in self.target_sentences() for c in clauses_of(sentence)]


_CLAUSE_BREAK = re.compile(
    r"[,;:—–]\s*|\s+or\s+(?:if\s+)?|\s+if\s+|\s+(?:because|unless|so that|so|while|since|which)\s+",
    re.I,
)
_CLAUSE_LEAD = re.compile(r"^(?:if|or|and|that|when)\s+", re.I)


def clauses_of(sentence: str) -> list[str]:
    """A sentence's clauses of four words or more, leading "if"/"that" and quotes dropped."""
    out = []
    for part in _CLAUSE_BREAK.split(sentence):
        clause = _CLAUSE_LEAD.sub("", part.strip()).strip(' ."')
        if len(clause.split()) >= 4:
            out.append(clause)
    return out


def terms_of(statement: str) -> set[str]:
    """The statement's content terms (six-letter stems of words of four letters or more)."""
    words = re.findall(r"[a-z]{4,}", statement.lower())
    return {w[:6] for w in words if w not in _STOP and w[:6] not in _NEGATORS}


def _is_negator(tokens: list[str], i: int) -> bool:
    """Whether the word at i turns what follows around. "not just/only/merely X" adds rather
    than denies; "nor" after "neither" is the same turn; "only" turns only a figure or share."""
    token = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if token in ("little", "less") and i and tokens[i - 1] in ("a", "no", "more", "or"):
        return False  # "a little", "no less", "more or less"
    if token == "only":
        return bool(_ONLY_FIGURE.match(after))
    if token == "not" and after in ("just", "only", "merely", "simply"):
        return False
    if token == "nor" and "neither" in tokens[max(0, i - 8) : i]:
        return False
    return token in _NEGATORS


def _reach(tokens: list[str], i: int) -> range:
    """The words the negator at i turns: the next `SCOPE`."""
    return range(i + 1, min(len(tokens), i + 1 + SCOPE))


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'-]*|\d+", text.lower())


@dataclass(frozen=True)
class Polarity:
    """What a statement asserts and what it denies: `asserted` are its content terms outside
    any negator's reach, `denied` the terms a negator of its own reaches ("not a technical
    problem" denies "technical"), `negative` whether it says its subject goes badly
    ("verification degrades")."""

    asserted: frozenset[str]
    denied: frozenset[str]
    negative: bool
    subject: str = ""  # the first asserted term: what the statement is about
    # What the statement ranks first and last: its own ranking ("markets beat votes") if it has
    # one, else what it asserts over what it denies ("continuous, not a specification problem").
    winners: frozenset[str] = frozenset()
    losers: frozenset[str] = frozenset()
    # The roots of its "-less" words ("trust" of "trustless"): a claim that has the thing the
    # belief says is done without ("still rely on trusted signers") disputes it.
    privatives: frozenset[str] = frozenset()
    rival: str = ""  # the first of `losers` in the statement's order: what it ranks last


@functools.lru_cache(maxsize=4096)
def polarity_of(statement: str) -> Polarity:
    """A statement's polarity; cached, as every claim of every source is read against it."""
    tokens = _tokens(statement)
    inside: set[int] = set()
    for i in range(len(tokens)):
        if _is_negator(tokens, i):
            inside.update(_reach(tokens, i))
    terms = terms_of(statement)
    outside = {t[:6] for k, t in enumerate(tokens) if k not in inside and t[:6] in terms}
    denied = {tokens[k][:6] for k in inside if len(tokens[k]) >= 3 and tokens[k] not in _STOP}
    negative = any(
        _NEGATIVE_PREDICATES.match(tokens[k])
        for k in range(len(tokens))
        if k not in inside and tokens[k][:6] in terms
    )
    asserted = {t for t in outside if not _NEGATIVE_PREDICATES.match(t)}
    subject = next((t[:6] for t in tokens if t[:6] in asserted), "")
    denied = denied - outside - _ARTICLES
    winners, losers = set(asserted), set(denied)
    ranked = _ranking(tokens)
    if ranked is not None:
        first, last = ranked
        winners = {t[:6] for t in first if t[:6] in terms}
        losers = {t[:6] for t in last if t[:6] in terms}
    return Polarity(
        frozenset(asserted),
        frozenset(denied),
        negative,
        subject,
        frozenset(winners - losers),
        frozenset(losers - winners),
        frozenset(
            t[:-4]
            for k, t in enumerate(tokens)
            if k not in inside and t.endswith("less") and len(t) >= 8 and t[:6] in terms
        ),
        next((t[:6] for t in tokens if t[:6] in losers - winners), ""),
    )


def _ranked_from(tokens: list[str], i: int) -> int | None:
    """Where what a ranking word at i ranks begins ("outperformed X", "better judgments ...
    than X"), or None when the word at i ranks nothing."""
    if _RANKS.match(tokens[i]):
        return i + 1
    if tokens[i] in _DEGREE_WORDS and "than" in tokens[i + 1 : i + 6]:
        return tokens.index("than", i + 1) + 1
    return None


def _ranking(tokens: list[str]) -> tuple[list[str], list[str]] | None:
    """The first un-negated ranking in the tokens: (the words ranked first, the words ranked
    last), the `WINDOW` words before the ranking word and up to three after it (after "than"),
    to the first preposition ("votes" of "beat votes for information aggregation")."""
    for i, token in enumerate(tokens):
        after = _ranked_from(tokens, i)
        if after is None:
            continue
        if any(_is_negator(tokens, k) for k in range(max(0, i - 2), i)):
            continue  # "did not outperform" ranks nothing
        before = [t for t in tokens[max(0, i - WINDOW - 1) : i] if t not in _STOP]
        behind = []
        for t in tokens[after : after + SCOPE]:
            if t in _PREPOSITIONS or len(behind) == 3:
                break
            if t not in _STOP and t not in _ARTICLES:
                behind.append(t)
        return (behind, before) if token in _DEGREE_WORDS_DOWN else (before, behind)
    return None


def signals(text: str, polarity: Polarity) -> tuple[list[str], list[str]]:
    """The explicit signals in `text` aimed at the belief's own claim: (agreeing, disputing).

    A negator is aimed at what it reaches, the next `SCOPE` words; "only" also at the subject
    just before it (the `WINDOW` words before: "medical care explains only 10-20 percent"):
    - reaching a term the belief denies, or standing by one, it denies the belief's opposite:
      agreeing ("not a technical problem" for "coordination, not a technical problem");
    - reaching a term the belief asserts, it disputes ("no longer grows with capability");
    - reaching a word of going badly ("does not degrade"), it agrees when the belief says
      things go well and disputes when the belief itself says they go badly.
    A word of going badly by an asserted term ("volatility destroys savings") agrees with a
    negative belief and disputes a positive one; a negator's own reach is not counted twice."""
    tokens = _tokens(text)
    agree: list[str] = []
    dispute: list[str] = []
    reached: set[int] = set()
    negated: set[int] = set()  # every negator's reach
    for i, token in enumerate(tokens):
        if not _is_negator(tokens, i):
            continue
        ahead = _reach(tokens, i)
        negated.update(ahead)
        # only "only" limits the subject before it ("medical care explains only 10-20 percent");
        # every other negator turns what follows ("a bug rather than a feature")
        before = tokens[max(0, i - WINDOW) : i] if token == "only" else []
        bad = [tokens[k] for k in ahead if _NEGATIVE_PREDICATES.match(tokens[k])]
        if any(tokens[k][:6] in polarity.denied for k in ahead) or any(
            t[:6] in polarity.denied for t in before
        ):
            agree.append(f"'{token}' on what the belief denies")
            reached.update(ahead)
        elif bad and (
            polarity.negative or any(_NEGATIVE_PREDICATES.match(tokens[k]) for k in ahead[:3])
        ):
            # a negated going-badly ("does not degrade", "not ... verification losing")
            (dispute if polarity.negative else agree).append(f"'{token} {bad[0]}'")
            reached.update(ahead)
        elif any(_DISPUTE_WORD.match(tokens[k]) for k in ahead[:2]):
            agree.append(f"'{token}' before a word of refutation")  # "does not contradict"
            reached.update(ahead)
        elif any(tokens[k][:6] in polarity.asserted for k in ahead):
            hit = next(tokens[k] for k in ahead if tokens[k][:6] in polarity.asserted)
            if polarity.negative and hit[:6] == polarity.subject:
                # "cannot keep verifying" for "verification degrades": it goes badly, as said
                agree.append(f"'{token} ... {hit}' as the belief says")
            else:
                dispute.append(f"'{token} ... {hit}'")
            reached.update(ahead)
    for i, token in enumerate(tokens):
        if i in reached or token in _NEGATORS or not _NEGATIVE_PREDICATES.match(token):
            continue
        if token == "worse" and _ranked_from(tokens, i) is not None:  # a ranking, read below
            continue
        near = tokens[max(0, i - WINDOW) : i] + tokens[i + 1 : i + 1 + WINDOW]
        if any(t[:6] in polarity.denied for t in near):
            agree.append(f"'{token}' on what the belief denies")
        elif any(t[:6] in polarity.asserted for t in near):
            (agree if polarity.negative else dispute).append(f"'{token}'")
    for match in _DISPUTE.finditer(text):
        before = _tokens(text[: match.start()])[-2:]
        if any(_is_negator(before, k) for k in range(len(before))):
            continue  # "does not contradict"
        ahead = _tokens(text[match.end() :])[:SCOPE]
        if any(t[:6] in polarity.denied for t in ahead):
            agree.append(f"'{match.group(0)}' what the belief denies")
        else:
            dispute.append(f"'{match.group(0)}'")
    for k, token in enumerate(tokens):
        root = next((r for r in polarity.privatives if token.startswith(r)), None)
        if root and not token.endswith("less") and k not in negated:
            dispute.append(f"'{token}' where the belief says {root}less")
            break
    if not any(_NEGATIVE_PREDICATES.match(t) for t in tokens):
        # what the belief ranks last, as the claim's subject, unturned, and nothing in the
        # claim going badly ("a fixed specification done well is the approach" against
        # "continuous, not a specification problem")
        content = [k for k, t in enumerate(tokens) if len(t) >= 4 and t not in _STOP][:3]
        hit = next((k for k in content if polarity.rival and tokens[k][:6] == polarity.rival), None)
        first_winner = next(
            (k for k, t in enumerate(tokens) if t[:6] in polarity.winners), len(tokens)
        )
        if hit is not None and hit not in negated and hit < first_winner:
            dispute.append(f"'{tokens[hit]}' as the subject, where the belief ranks it last")
    ranked = _ranking(tokens)
    if ranked is not None and polarity.losers:  # a belief that ranks nothing is not re-ranked
        first = {t[:6] for t in ranked[0]}
        last = {t[:6] for t in ranked[1]}
        upheld = bool(first & polarity.winners or last & polarity.losers)
        reversed_ = bool(last & polarity.winners or first & polarity.losers)
        if reversed_ and not upheld:
            dispute.append("a ranking that puts what the belief ranks first last")
        elif upheld and not reversed_:
            agree.append("a ranking as the belief's")
    for i, token in enumerate(tokens):
        if token not in _COPULAS or any(_is_negator(tokens, k) for k in range(max(0, i - 2), i)):
            continue
        after = tokens[i + 1 : i + 5]
        for k, word in enumerate(after):
            if word in _NEGATORS or _is_negator(after, k):
                break
            if word[:6] in polarity.denied:  # "alignment is mainly a technical problem"
                dispute.append(f"'{token} ... {word}' says what the belief denies")
                break
            if word not in _ARTICLES and word not in _DEGREE:
                break
    return agree, dispute


@functools.lru_cache(maxsize=4096)
def _belief_terms(statement: str, description: str) -> frozenset[str]:
    return frozenset(terms_of(statement) | terms_of(description))


def restates(claim: str, belief: BeliefText, similarity: float, settings: StanceSettings) -> bool:
    """Whether a claim restates the belief, so that with no turn against it it reads as
    agreeing: near it (`restate_similarity`) *and* in its words, sharing at least one content
    term with the statement or its paragraph. Nearness alone is topic, not agreement: sources of
    other fields ("diverse intelligence helps explain cellular collectives") come near a broad
    belief's statement with none of its words, and read as support they moved it on nothing."""
    if similarity < settings.restate_similarity:
        return False
    return bool(terms_of(claim) & _belief_terms(belief.statement, belief.description))


@dataclass(frozen=True)
class Judgement:
    """One claim's stance on one belief and why; `explicit` when a signal in the claim's own
    words decided it (a bare restatement is not one)."""

    stance: str
    cue: str
    explicit: bool


def direction(
    claim: str, belief: BeliefText, restated: bool, target: str | None = None
) -> Judgement:
    """The stance from the explicit signals (`by_signals`), or, when `target` is the clause of
    the disconfirmation target the claim restates (`restated_target`), a challenge: the register
    itself names that as weakening the belief. A claim that also agrees explicitly says both:
    related. An explicit challenge stands either way."""
    judged = by_signals(claim, belief, restated)
    if target is None or (judged.explicit and judged.stance == "challenges"):
        return judged
    if judged.explicit:
        return Judgement(
            "related", f"{judged.cue}, yet it restates what would weaken it ('{target}')", False
        )
    return Judgement("challenges", f"restates what would weaken the belief: '{target}'", True)


def restated_target(
    parts: list[str],
    part_vectors: np.ndarray,
    belief: BeliefText,
    clause_vectors: np.ndarray,
    settings: StanceSettings,
) -> str | None:
    """The clause of the belief's disconfirmation target that a claim restates, if any.

    `parts` are the claim and its clauses (`clauses_of`), `clause_vectors` the target clauses'
    vectors. A restatement is near a clause (`target_restate_similarity`), shares a content term
    with it that the statement lacks (the target's own words, not the belief's topic: a claim
    near "formal verification provides scalable oversight" only through "verification" is about
    the belief, not against it), and does not turn the clause around (`signals` read against the
    clause: "volatility is not a failure" disputes a target that says volatility does harm)."""
    clauses = belief.target_clauses()
    if not clauses or not parts:
        return None
    sims = clause_vectors @ part_vectors.T
    k, m = np.unravel_index(int(np.argmax(sims)), sims.shape)
    if float(sims[k, m]) < settings.target_restate_similarity:
        return None
    if not (terms_of(clauses[k]) - terms_of(belief.statement)) & terms_of(parts[m]):
        return None
    agree, dispute = signals(parts[m], polarity_of(clauses[k]))
    return None if len(dispute) > len(agree) else clauses[k]


def by_signals(claim: str, belief: BeliefText, restated: bool) -> Judgement:
    """The stance from the explicit signals aimed at the belief's own claim, its statement (its
    description's sentences were tried too; their asides made the stance worse on both agents'
    notes). More disputing signals than agreeing: challenges. A restatement with only agreeing
    signals, or none, supports; narrowed to a part of the belief's reach, complicates. Signals
    both ways, or a claim about the topic that restates nothing and carries no signal: related."""
    agree, dispute = signals(claim, polarity_of(belief.statement))
    if len(dispute) > len(agree):
        said = ", ".join(dict.fromkeys(dispute[:3]))
        return Judgement("challenges", f"{said} turns the belief's claim the other way", True)
    if agree and len(agree) == len(dispute):
        return Judgement("related", "signals both ways on the belief's claim", False)
    if not restated and not agree:
        return Judgement(
            "related", "about the belief, but not about its claim: direction not stated", False
        )
    cue = f"agrees ({', '.join(dict.fromkeys(agree[:3]))})" if agree else "restates the belief"
    hedge = _HEDGE_SCOPE.search(claim)
    if hedge:
        return Judgement("complicates", f"{cue}, but only within '{hedge.group(0)}'", True)
    return Judgement("supports", cue if agree else cue + " with no turn against it", bool(agree))


def settle_source(judgements: list[Judgement]) -> list[Judgement]:
    """One source's judgements on one belief, made consistent: when the source's own words
    dispute the belief explicitly and nothing in it agrees explicitly, a bare restatement in
    the same source is not read as support (that would be a guess against what the source
    says); it is `related` instead."""
    disputes = any(j.explicit and j.stance == "challenges" for j in judgements)
    agrees = any(j.explicit and j.stance in ("supports", "complicates") for j in judgements)
    if not disputes or agrees:
        return judgements
    return [
        Judgement("related", j.cue + "; the source disputes the belief elsewhere", False)
        if not j.explicit and j.stance == "supports"
        else j
        for j in judgements
    ]


def belief_vectors(beliefs: Sequence[BeliefText]) -> list[str]:
    """The texts to embed for the beliefs, in the order `aboutness` reads them back."""
    texts: list[str] = []
    for b in beliefs:
        texts.append(b.statement)
        texts.extend(b.sentences())
    for b in beliefs:
        texts.extend(b.target_sentences())
    for b in beliefs:
        texts.extend(b.target_clauses())
    return texts


def target_clause_vectors(beliefs: Sequence[BeliefText], vectors: np.ndarray) -> list[np.ndarray]:
    """Each belief's target-clause vectors, read back from `belief_vectors`' order."""
    at = sum(1 + len(b.sentences()) + len(b.target_sentences()) for b in beliefs)
    out = []
    for b in beliefs:
        n = len(b.target_clauses())
        out.append(vectors[at : at + n])
        at += n
    return out


def target_similarity(
    claims: np.ndarray, beliefs: Sequence[BeliefText], vectors: np.ndarray
) -> np.ndarray:
    """(claims x beliefs) similarity to the nearest disconfirmation-target sentence (0 if none)."""
    at = sum(1 + len(b.sentences()) for b in beliefs)
    out = np.zeros((len(claims), len(beliefs)))
    for j, b in enumerate(beliefs):
        n = len(b.target_sentences())
        if n:
            out[:, j] = (claims @ vectors[at : at + n].T).max(axis=1)
        at += n
    return out


def aboutness(
    claims: np.ndarray, beliefs: Sequence[BeliefText], vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(claims x beliefs) aboutness and similarity to the statement alone.

    Aboutness is the mean of the similarity to the statement and to the nearest sentence of the
    description (the statement alone when there is none): a claim is about a belief when it is
    near what the belief says and near something the belief is grounded in."""
    about = np.zeros((len(claims), len(beliefs)))
    to_statement = np.zeros((len(claims), len(beliefs)))
    at = 0
    for j, b in enumerate(beliefs):
        n = 1 + len(b.sentences())
        block = claims @ vectors[at : at + n].T
        at += n
        to_statement[:, j] = block[:, 0]
        best = block[:, 1:].max(axis=1) if n > 1 else block[:, 0]
        about[:, j] = 0.5 * (block[:, 0] + best)
    return about, to_statement


def hubness(beliefs: Sequence[BeliefText], vectors: np.ndarray, k: int = 10) -> np.ndarray:
    """How near each belief's statement sits to everything else the register says: the mean
    cosine to the `k` nearest statement and description sentences of the *other* beliefs.

    A broad belief ("AI alignment is the greatest problem") is near every sentence on its
    field, so raw similarity links it to claims that bear on a narrower neighbour; subtracting
    this (the hubness correction of cross-domain similarity local scaling) ranks a claim against
    what each belief is specifically about. It reads only the register, never the sources.
    Statements are compared in blocks, so a register of thousands of beliefs never holds the
    whole beliefs-by-sentences matrix at once."""
    sizes = [1 + len(b.sentences()) for b in beliefs]
    ends = np.cumsum(sizes)
    starts = ends - np.asarray(sizes)
    total = int(ends[-1]) if len(sizes) else 0
    out = np.zeros(len(beliefs))
    for lo in range(0, len(beliefs), _HUB_BLOCK):
        rows = range(lo, min(len(beliefs), lo + _HUB_BLOCK))
        sims = vectors[starts[rows.start : rows.stop]] @ vectors[:total].T
        for r, j in enumerate(rows):
            sims[r, starts[j] : ends[j]] = -np.inf  # the belief's own texts are not "else"
        others = total - (ends[rows.start : rows.stop] - starts[rows.start : rows.stop])
        take = min(k, total)
        if take == 0:
            continue
        top = -np.partition(-sims, take - 1, axis=1)[:, :take] if take < total else sims
        for r, j in enumerate(rows):
            n = int(min(k, others[r]))
            if n:
                best = np.sort(top[r][np.isfinite(top[r])])[::-1][:n]
                out[j] = float(best.mean())
    return out


def links_for(
    row: np.ndarray, settings: StanceSettings, raw: np.ndarray | None = None
) -> list[int]:
    """The beliefs one claim is about: over the floor (on `raw`, the similarity before the
    hubness correction, when given) and ahead of every other by the margin on `row`."""
    raw = row if raw is None else raw
    order = sorted(range(len(row)), key=lambda j: (-row[j], j))
    chosen: list[int] = []
    for rank, j in enumerate(order[: settings.max_beliefs_per_claim]):
        rest = [row[k] for k in order if k != j and k not in chosen]
        runner_up = max(rest) if rest else -1.0
        if raw[j] < settings.link_floor or row[j] - runner_up < settings.link_margin:
            break
        chosen.append(j)
        if rank == 0 and settings.max_beliefs_per_claim == 1:
            break
    return chosen
