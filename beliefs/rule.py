"""The belief update rule: a Beta distribution per belief, fed by capped evidence weights.

Every number that shapes a credence lives in `RuleSettings`; `explain` prints them all.

The rule
--------
A belief with prior p starts as Beta(a, b) with a = p*s and b = (1 - p)*s, where s is
`prior_strength`. One evidence event carries a weight

    w = confidence_weight[claim confidence] * format_weight[source format] * stance_factor[stance]

and adds w to a when it supports the belief, to b when it challenges or complicates it (a
complicating claim counts half as much as a challenging one, through its stance factor). A
*related* claim is about the belief but says nothing of which way it points: its stance factor
is 0 (no other value is accepted) and `pseudo_counts` skips it, so it is shown everywhere and
moves nothing. The credence is the Beta mean a / (a + b); the interval is the Beta's
equal-tailed quantiles.

Why this shape
--------------
* Order independence. a and b are sums, computed with `math.fsum`, which returns the correctly
  rounded sum of its inputs, so any order of the same events gives bit-identical credences
  (plain `+` on floats is not associative and would not).
* Credence stays in (0, 1): a and b are positive (p is strictly inside (0, 1) and weights are
  non-negative), so a / (a + b) is strictly inside; a final clamp guards float rounding.
* Replay. (belief, side, weight) per event is all the rule reads, so the ledger alone determines
  every credence.

Bounded influence (the proof)
-----------------------------
Let a, b be the pseudo-counts before one source, n = a + b and c = a / n. The source adds
W_a to a and W_b to b, W = W_a + W_b. Then

    c' - c = (a + W_a) / (n + W) - a / n = (W_a - c*W) / (n + W).

Since 0 <= W_a <= W and 0 <= c <= 1, W_a - c*W lies in [-c*W, (1 - c)*W], so
|c' - c| <= W / (n + W). The prior alone makes n >= s, and x / (n + x) is decreasing in n, so
|c' - c| <= W / (s + W). Requiring W / (s + W) <= cap gives W <= s * cap / (1 - cap). This holds
for any c and n, that is whatever other evidence is present and in whatever order it arrived.
So `cap_source_weights` scales all of one source's weights on one belief by one factor until
their sum is at most `max_source_weight` = s * cap / (1 - cap) (less a relative 1e-9, so float
rounding cannot push a move past the cap). Removing a source undoes the same difference, so
it is bounded the same way.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from agent.errors import ConfigError

STANCES: tuple[str, ...] = ("supports", "challenges", "complicates", "related")
MOVING_STANCES: tuple[str, ...] = ("supports", "challenges", "complicates")
"""The stances that carry a direction; `related` (about the belief, direction unknown) does not."""
RELATED = "related"
CONFIDENCES: tuple[str, ...] = ("proven", "likely", "experimental", "speculative")

MAX_SOURCE_CAP = 0.1
"""The contract's ceiling for `source_cap`: no setting may let one source move a belief more."""

CAP_MARGIN = 1e-9
"""Relative safety margin on `max_source_weight`: keeps the bound strict under float rounding."""

LEVEL_THRESHOLDS: tuple[tuple[str, float], ...] = (
    ("axiom", 0.85),
    ("belief", 0.6),
    ("hypothesis", 0.4),
    ("unconvinced", 0.0),
)
"""Lowest credence for each level, highest first: how firmly a belief is held right now."""

_DEFAULT_CONFIDENCE_WEIGHTS = {
    # A claim's own confidence: how much one claim can say. "proven" is the unit.
    "proven": 1.0,
    "likely": 0.7,
    "experimental": 0.4,
    "speculative": 0.2,
}
_DEFAULT_FORMAT_WEIGHTS = {
    # How much scrutiny a kind of document usually had before publication.
    "paper": 1.0,
    "preprint": 0.9,
    "book": 0.9,
    "report": 0.9,
    "whitepaper": 0.8,
    "article": 0.7,
    "news": 0.7,
    "essay": 0.6,
    "blog": 0.6,
    "newsletter": 0.6,
    "documentation": 0.6,
    "transcript": 0.5,
    "podcast": 0.5,
    "video": 0.5,
    "talk": 0.5,
    "tweet": 0.3,
    "thread": 0.3,
    "post": 0.3,
}
_DEFAULT_STANCE_FACTORS = {
    # supports adds to a; challenges and complicates add to b.
    "supports": 1.0,
    "challenges": 1.0,
    "complicates": 0.5,
    # About the belief, direction unknown: shown, never weighed (the contract's "related").
    "related": 0.0,
}
_TO_A = frozenset({"supports"})


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


def _check_weights(name: str, weights: Mapping[str, float], required: Sequence[str]) -> None:
    missing = [key for key in required if key not in weights]
    if missing:
        raise ConfigError(f"rule settings: {name} has no weight for {', '.join(missing)}")
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"rule settings: {name}[{key!r}] must be a number, got {value!r}")
        if not (math.isfinite(value) and value >= 0):
            raise ConfigError(f"rule settings: {name}[{key!r}] must be >= 0, got {value!r}")


@dataclass(frozen=True)
class RuleSettings:
    """Every parameter of the rule, in one place; invalid values raise ConfigError at once."""

    prior_strength: float = 10.0
    source_cap: float = MAX_SOURCE_CAP
    confidence_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(_DEFAULT_CONFIDENCE_WEIGHTS)
    )
    format_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(_DEFAULT_FORMAT_WEIGHTS)
    )
    default_format_weight: float = 0.5
    stance_factors: Mapping[str, float] = field(
        default_factory=lambda: _frozen(_DEFAULT_STANCE_FACTORS)
    )

    def __post_init__(self) -> None:
        strength = self.prior_strength
        if isinstance(strength, bool) or not isinstance(strength, int | float):
            raise ConfigError(f"rule settings: prior_strength must be a number, got {strength!r}")
        if not (math.isfinite(strength) and strength > 0):
            raise ConfigError(f"rule settings: prior_strength must be > 0, got {strength!r}")
        cap = self.source_cap
        if (
            isinstance(cap, bool)
            or not isinstance(cap, int | float)
            or not (0 < cap <= MAX_SOURCE_CAP)
        ):
            raise ConfigError(
                f"rule settings: source_cap must be in (0, {MAX_SOURCE_CAP}], got {cap!r}"
            )
        _check_weights("confidence_weights", self.confidence_weights, CONFIDENCES)
        factors = {RELATED: 0.0, **self.stance_factors}  # settings written before `related`
        _check_weights("stance_factors", factors, STANCES)
        if factors[RELATED] != 0:
            raise ConfigError(
                "rule settings: stance_factors['related'] must be 0: a claim whose direction is"
                f" unknown moves no credence, got {factors[RELATED]!r}"
            )
        _check_weights("format_weights", self.format_weights, ())
        _check_weights("default_format_weight", {"*": self.default_format_weight}, ())
        # Copies behind read-only views: a caller's dict changed later cannot change the rule.
        object.__setattr__(self, "confidence_weights", _frozen(self.confidence_weights))
        object.__setattr__(
            self,
            "format_weights",
            _frozen({str(key).strip().lower(): v for key, v in self.format_weights.items()}),
        )
        object.__setattr__(self, "stance_factors", _frozen(factors))


@dataclass(frozen=True)
class Evidence:
    """One live ledger event as the rule sees it; `weight` is the effective (capped) weight."""

    belief_id: str
    source_id: str
    stance: str
    weight: float


def format_weight(source_format: str | None, settings: RuleSettings) -> float:
    """Weight of a source format; case and surrounding spaces are ignored, unknown -> default."""
    if source_format is None:
        return float(settings.default_format_weight)
    key = str(source_format).strip().lower()
    return float(settings.format_weights.get(key, settings.default_format_weight))


def raw_weight(
    confidence: str, source_format: str | None, stance: str, settings: RuleSettings
) -> float:
    """Weight of one event before the per-source cap: confidence x format x stance factor."""
    if confidence not in settings.confidence_weights:
        raise ValueError(f"unknown confidence {confidence!r} (expected one of {CONFIDENCES})")
    if stance not in settings.stance_factors:
        raise ValueError(f"unknown stance {stance!r} (expected one of {STANCES})")
    return (
        float(settings.confidence_weights[confidence])
        * format_weight(source_format, settings)
        * float(settings.stance_factors[stance])
    )


def max_source_weight(settings: RuleSettings) -> float:
    """Total weight one source may add to one belief: s*cap/(1-cap), so |move| <= cap."""
    cap = settings.source_cap
    return settings.prior_strength * cap / (1.0 - cap) * (1.0 - CAP_MARGIN)


def _check_weight(weight: float) -> float:
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise ValueError(f"evidence weight must be a number, got {weight!r}")
    if not (math.isfinite(weight) and weight >= 0):
        raise ValueError(f"evidence weight must be finite and >= 0, got {weight!r}")
    return float(weight)


def cap_source_weights(raw: Sequence[float], settings: RuleSettings) -> list[float]:
    """Scale one source's weights on ONE belief by one factor so they sum to the cap at most.

    Proportional scaling keeps the source's own balance of support and challenge: a source that
    mostly challenges still mostly challenges after the cap.
    """
    weights = [_check_weight(w) for w in raw]
    limit = max_source_weight(settings)
    total = math.fsum(weights)
    if total <= limit:
        return weights
    # w / total is in [0, 1] and exact to an ulp, so each product is within an ulp of its true
    # value (or 2.5e-324 of it, when subnormal). Multiplying by limit / total instead could round
    # that factor to a subnormal with a large relative error for a tiny cap, leaving the sum far
    # above the limit.
    capped = [w / total * limit for w in weights]
    # The remaining rounding can leave the sum an ulp or two above the limit: step every weight
    # one float towards zero until it is not. One step removes at least the rounding each weight
    # added, so this ends within a few rounds; the bound is a guard, not the expected path.
    for _ in range(_CAP_ROUNDS):
        if math.fsum(capped) <= limit:
            return capped
        capped = [math.nextafter(w, 0.0) for w in capped]
    return _take_excess_off_largest(capped, limit)


_CAP_ROUNDS = 64


def _take_excess_off_largest(capped: list[float], limit: float) -> list[float]:
    """Last resort of the cap: remove what is still above the limit from the largest weights."""
    out = list(capped)
    for index in sorted(range(len(out)), key=out.__getitem__, reverse=True):
        excess = math.fsum(out) - limit
        if excess <= 0:
            break
        out[index] = max(0.0, out[index] - excess)
        while out[index] > 0.0 and math.fsum(out) > limit:
            out[index] = math.nextafter(out[index], 0.0)
    return out


def _check_prior(prior: float) -> float:
    if isinstance(prior, bool) or not isinstance(prior, int | float):
        raise ValueError(f"prior must be a number, got {prior!r}")
    if not (math.isfinite(prior) and 0 < prior < 1):
        raise ValueError(f"prior must be strictly between 0 and 1, got {prior!r}")
    return float(prior)


def pseudo_counts(
    prior: float, evidence: Iterable[Evidence], settings: RuleSettings
) -> tuple[float, float]:
    """(a, b) of one belief: prior pseudo-counts plus the weight on each side, order-free."""
    p = _check_prior(prior)
    a_terms = [p * settings.prior_strength]
    b_terms = [(1.0 - p) * settings.prior_strength]
    belief_ids: set[str] = set()
    for event in evidence:
        belief_ids.add(event.belief_id)
        if event.stance not in STANCES:
            raise ValueError(f"unknown stance {event.stance!r} (expected one of {STANCES})")
        weight = _check_weight(event.weight)
        if event.stance == RELATED:
            continue  # about the belief, direction unknown: never moves it, whatever its weight
        (a_terms if event.stance in _TO_A else b_terms).append(weight)
    if len(belief_ids) > 1:
        # Mixing beliefs here is a caller bug that would otherwise give a plausible number.
        raise ValueError(f"evidence of several beliefs passed together: {sorted(belief_ids)}")
    return math.fsum(a_terms), math.fsum(b_terms)


_LOWEST = math.nextafter(0.0, 1.0)
_HIGHEST = math.nextafter(1.0, 0.0)


def _mean(a: float, b: float) -> float:
    """a / (a + b), kept strictly inside (0, 1) even when one side dwarfs the other."""
    return min(max(a / (a + b), _LOWEST), _HIGHEST)


def credence(prior: float, evidence: Iterable[Evidence], settings: RuleSettings) -> float:
    """The belief's credence: the Beta mean, strictly inside (0, 1)."""
    return _mean(*pseudo_counts(prior, evidence, settings))


# --- Beta quantiles without scipy -----------------------------------------------------------

_CF_EPS = 1e-15
_CF_TINY = 1e-300


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    """Continued fraction of I_x(a, b), by the modified Lentz method (Numerical Recipes 6.4)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) >= _CF_TINY else _CF_TINY)
    h = d
    # Converges in O(sqrt(max(a, b))) steps when x is on the fast side of the mean.
    for m in range(1, 1000 + 10 * int(math.sqrt(a + b))):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) >= _CF_TINY else _CF_TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) >= _CF_TINY else _CF_TINY
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _CF_EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for x={x}, a={a}, b={b}")


def incomplete_beta(x: float, a: float, b: float) -> float:
    """Regularized incomplete beta I_x(a, b): the CDF of Beta(a, b) at x (a, b > 0)."""
    if not (a > 0 and b > 0):
        raise ValueError(f"Beta parameters must be > 0, got a={a}, b={b}")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # Use the fraction where it converges fast, and the symmetry I_x(a,b) = 1 - I_{1-x}(b,a).
    if x < (a + 1.0) / (a + b + 2.0):
        value = front * _beta_continued_fraction(x, a, b) / a
    else:
        value = 1.0 - front * _beta_continued_fraction(1.0 - x, b, a) / b
    return min(max(value, 0.0), 1.0)


def beta_quantile(p: float, a: float, b: float) -> float:
    """x with I_x(a, b) = p, by bisection (the CDF is monotone, so this cannot go astray)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability must be in [0, 1], got {p}")
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi) or hi - lo <= 1e-15:
            break
        if incomplete_beta(mid, a, b) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def credence_interval(
    prior: float, evidence: Iterable[Evidence], settings: RuleSettings, mass: float = 0.9
) -> tuple[float, float]:
    """Equal-tailed Beta interval holding `mass` of the belief's distribution.

    For very lopsided pseudo-counts (a or b below about 1) the Beta mean can fall outside the
    equal-tailed interval; the interval is then widened to reach the credence, so a reported
    credence is always inside its own interval.
    """
    if not 0.0 < mass < 1.0:
        raise ValueError(f"interval mass must be strictly between 0 and 1, got {mass}")
    a, b = pseudo_counts(prior, list(evidence), settings)
    tail = (1.0 - mass) / 2.0
    mean = _mean(a, b)
    lo = beta_quantile(tail, a, b)
    hi = beta_quantile(1.0 - tail, a, b)
    return min(lo, mean), max(hi, mean)


def replay(
    priors: Mapping[str, float], evidence: Iterable[Evidence], settings: RuleSettings
) -> dict[str, float]:
    """Credence of every belief in `priors`, from the ledger alone.

    Events of beliefs not in `priors` are ignored: a belief removed from the register has no
    credence to report, and its events stay in the ledger untouched.
    """
    by_belief: dict[str, list[Evidence]] = {belief_id: [] for belief_id in priors}
    for event in evidence:
        if event.belief_id in by_belief:
            by_belief[event.belief_id].append(event)
    return {
        belief_id: credence(priors[belief_id], events, settings)
        for belief_id, events in by_belief.items()
    }


def level_for(value: float) -> str:
    """The level a credence currently earns, by `LEVEL_THRESHOLDS`."""
    for level, threshold in LEVEL_THRESHOLDS:
        if value >= threshold:
            return level
    return LEVEL_THRESHOLDS[-1][0]


def _table(weights: Mapping[str, float]) -> str:
    return ", ".join(f"{key} {value:g}" for key, value in weights.items())


def explain(settings: RuleSettings) -> str:
    """The rule and every weight in force, as plain text for `tracker beliefs --explain`."""
    s, cap = settings.prior_strength, settings.source_cap
    limit = max_source_weight(settings)
    levels = ", ".join(f"{level} >= {bound:g}" for level, bound in LEVEL_THRESHOLDS[:-1])
    sections = [
        "Belief update rule (Beta pseudo-counts)",
        f"Prior: a belief with prior p starts as Beta(a, b) with a = p x {s:g} and"
        f" b = (1 - p) x {s:g} (prior strength s = {s:g}).",
        "Event weight: w = confidence weight x format weight x stance factor. A supporting event"
        " adds w to a; a challenging or complicating one adds w to b.",
        "Related: a claim about the belief whose text does not say which way it points is"
        " recorded as related (shown by claims, history and ask) with stance factor 0; it adds"
        " nothing to a or b and moves no credence. A model says related rather than guess.",
        "Direction (offline model): a claim links a belief only when it is about it, judged"
        " against the whole belief (statement, description and disconfirmation target, the"
        " target's sentences that only name a note left out), by a margin over every other"
        " belief after each belief's hubness (its nearness to the rest of the register) is"
        " taken off. Its direction comes only from explicit signals aimed at the belief's own"
        " claim: a negator reaching a term the statement asserts disputes it, one reaching a"
        " term the statement denies agrees (a negation of the belief's opposite supports it:"
        " 'explains only 10-20 percent' against 'determined by factors outside'); a word of"
        " going badly agrees with a belief that says things go badly and disputes one that"
        " says they go well; saying that the denied term is the case, and words of refutation"
        " ('contradicts', 'does not hold'), dispute. More disputing signals: challenges; a"
        " claim that restates the belief (near it and sharing at least one content word with"
        " its statement or description) with no turn against it supports, narrowed to part of"
        " its reach ('only when') complicates; near it in none of its words, with no signal:"
        " related; signals both ways: related. A ranking is read against the belief's own"
        " ('surveys outperformed markets' disputes 'markets beat votes'; a contrast belief"
        " ranks what it asserts over what it denies), what the belief ranks last said as the"
        " claim's subject disputes it, having what a '-less' word does without ('trusted"
        " signers' against 'trustless') disputes it, and 'the claim that ... fails' refutes."
        " Nearness to the disconfirmation target alone never decides a direction; a claim"
        " that restates one of its clauses (cosine >= 0.6 to the claim or one of its clauses,"
        " sharing a content word of the clause that the statement lacks, not turned against"
        " it) challenges: the register names that as weakening the belief (with an explicit"
        " agreement as well: related). A bare restatement in a source whose own words"
        " dispute the belief is related, not support.",
        "Domains: a source filed (`domain`) under a domain no holder covers moves nothing;"
        " a holder it reaches only through its `secondary_domains` sees its claims linked as"
        " related, never moved (the extraction note says so, for any model).",
        "Credence: a / (a + b), the Beta mean; it never reaches 0 or 1.",
        "Interval: the equal-tailed Beta(a, b) quantiles (90% by default), widened if needed to"
        " contain the credence.",
        f"Confidence weights: {_table(settings.confidence_weights)}.",
        f"Format weights: {_table(settings.format_weights)};"
        f" missing or unknown format {settings.default_format_weight:g}.",
        f"Stance factors: {_table(settings.stance_factors)}.",
        f"Per-source cap: all claims of one source together move a belief by at most {cap:g}."
        " Their weights on that belief are scaled down by one common factor until they sum to"
        f" at most s x cap / (1 - cap) = {limit:.6g} (less a relative {CAP_MARGIN:g} for float"
        " rounding).",
        "Why the cap holds from any starting credence c: with n = a + b >= s, adding W = W_a +"
        " W_b moves c by (W_a - c x W) / (n + W), so by at most W / (n + W) <= W / (s + W),"
        " which is <= cap exactly when W <= s x cap / (1 - cap).",
        "Order: a and b are exactly rounded sums (math.fsum), so any order of the same events"
        " gives the same credences; the ledger of (belief, side, weight) alone determines them.",
        f"Levels by credence: {levels}, else {LEVEL_THRESHOLDS[-1][0]}.",
    ]
    return "\n\n".join(textwrap.fill(section, width=88) for section in sections)
