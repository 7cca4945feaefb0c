"""Properties of the belief update rule that the contract promises (see beliefs/rule.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agent.errors import ConfigError
from beliefs.rule import (
    CONFIDENCES,
    LEVEL_THRESHOLDS,
    STANCES,
    Evidence,
    RuleSettings,
    beta_quantile,
    cap_source_weights,
    credence,
    credence_interval,
    explain,
    format_weight,
    incomplete_beta,
    level_for,
    max_source_weight,
    pseudo_counts,
    raw_weight,
    replay,
)

DEFAULT = RuleSettings()
FORMATS = (None, "paper", "report", "article", "essay", "tweet", "thread", "podcast?", "")

priors = st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True)
moderate_priors = st.floats(min_value=1e-6, max_value=1.0 - 1e-6)
caps = st.floats(min_value=0.0, max_value=0.1, exclude_min=True)
stances = st.sampled_from(STANCES)
weights = st.floats(min_value=0.0, max_value=1e3, allow_subnormal=True)


@st.composite
def events(draw: st.DrawFn, belief_id: str = "B1", max_size: int = 30) -> list[Evidence]:
    """Background ledger events of one belief from several sources, any sides and weights."""
    rows = draw(
        st.lists(st.tuples(st.integers(0, 5), stances, weights), max_size=max_size),
    )
    return [Evidence(belief_id, f"src{n}", stance, w) for n, stance, w in rows]


@st.composite
def one_source_raw(draw: st.DrawFn, rule: RuleSettings) -> list[tuple[str, float]]:
    """One source's claims on one belief: (stance, raw weight), raw from the real formula or
    arbitrary, so the cap is tested against sources that say anything, as often as they like."""
    claims = []
    for _ in range(draw(st.integers(1, 12))):
        stance = draw(stances)
        if draw(st.booleans()):
            confidence = draw(st.sampled_from(CONFIDENCES))
            fmt = draw(st.sampled_from(FORMATS))
            claims.append((stance, raw_weight(confidence, fmt, stance, rule)))
        else:
            claims.append((stance, draw(st.floats(min_value=0.0, max_value=1e6))))
    return claims


def capped_source(claims: list[tuple[str, float]], rule: RuleSettings) -> list[Evidence]:
    capped = cap_source_weights([w for _, w in claims], rule)
    return [Evidence("B1", "the-source", s, w) for (s, _), w in zip(claims, capped, strict=True)]


# --- order independence ---------------------------------------------------------------------


@settings(deadline=None)
@given(prior=priors, ledger=events(), data=st.data())
def test_order_does_not_matter(prior: float, ledger: list[Evidence], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(ledger))
    assert pseudo_counts(prior, shuffled, DEFAULT) == pseudo_counts(prior, ledger, DEFAULT)
    assert credence(prior, shuffled, DEFAULT) == credence(prior, ledger, DEFAULT)
    assert credence(prior, reversed(ledger), DEFAULT) == credence(prior, ledger, DEFAULT)


def test_order_independence_needs_exact_sums() -> None:
    # Left-to-right float addition gives two answers for these; the rule must give one.
    ledger = [Evidence("B1", "s", "supports", w) for w in (0.161, 1.017, 0.917, 0.306)]

    def naive(events: list[Evidence]) -> float:
        a = 0.5 * DEFAULT.prior_strength
        for event in events:
            a = a + event.weight
        return a

    forward, backward = ledger, ledger[::-1]
    assert naive(forward) != naive(backward)
    assert pseudo_counts(0.5, forward, DEFAULT) == pseudo_counts(0.5, backward, DEFAULT)
    assert credence(0.5, forward, DEFAULT) == credence(0.5, backward, DEFAULT)


# --- bounded influence ----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    prior=priors,
    cap=caps,
    strength=st.floats(min_value=0.5, max_value=100.0),
    background=events(),
    data=st.data(),
)
def test_one_source_moves_a_belief_by_at_most_the_cap(
    prior: float, cap: float, strength: float, background: list[Evidence], data: st.DataObject
) -> None:
    rule = RuleSettings(prior_strength=strength, source_cap=cap)
    source = capped_source(data.draw(one_source_raw(rule)), rule)
    before = credence(prior, background, rule)
    after = credence(prior, background + source, rule)
    assert abs(after - before) <= cap + 1e-12


@settings(max_examples=200, deadline=None)
@given(prior=priors, background=events(), data=st.data())
def test_default_cap_holds_exactly(
    prior: float, background: list[Evidence], data: st.DataObject
) -> None:
    source = capped_source(data.draw(one_source_raw(DEFAULT)), DEFAULT)
    moved = credence(prior, background + source, DEFAULT) - credence(prior, background, DEFAULT)
    assert abs(moved) <= 0.1


@pytest.mark.parametrize("stance", ["supports", "challenges"])
def test_cap_is_tight_in_the_worst_case(stance: str) -> None:
    # Nothing but the prior, which sits at the far end: a one-sided source moves it almost cap.
    prior = 1e-9 if stance == "supports" else 1 - 1e-9
    source = capped_source([(stance, 50.0)] * 10, DEFAULT)
    moved = abs(credence(prior, source, DEFAULT) - credence(prior, [], DEFAULT))
    assert 0.0999 < moved <= 0.1


@settings(deadline=None)
@given(raw=st.lists(st.floats(min_value=0.0, max_value=1e9), max_size=40), cap=caps)
def test_cap_source_weights_scales_proportionally(raw: list[float], cap: float) -> None:
    rule = RuleSettings(source_cap=cap)
    capped = cap_source_weights(raw, rule)
    assert len(capped) == len(raw)
    assert math.fsum(capped) <= max_source_weight(rule)
    assert all(0.0 <= c <= r for c, r in zip(capped, raw, strict=True))
    if math.fsum(raw) <= max_source_weight(rule):
        assert capped == raw
    else:
        # One common factor: every ratio to the largest weight is kept (where no float
        # underflowed on the way).
        big = max(range(len(raw)), key=raw.__getitem__)
        for c, r in zip(capped, raw, strict=True):
            if c > 1e-280 and capped[big] > 1e-280:
                assert math.isclose(c / capped[big], r / raw[big], rel_tol=1e-9)


def test_max_source_weight_matches_the_formula() -> None:
    assert max_source_weight(DEFAULT) == pytest.approx(10 * 0.1 / 0.9, rel=1e-8)
    assert max_source_weight(DEFAULT) < 10 * 0.1 / 0.9


@pytest.mark.parametrize("cap", [0.1000001, 0.2, 1.0, 0.0, -0.05, math.nan, math.inf, True])
def test_cap_outside_allowed_range_is_a_config_error(cap: float) -> None:
    with pytest.raises(ConfigError, match="source_cap"):
        RuleSettings(source_cap=cap)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prior_strength": 0.0}, "prior_strength"),
        ({"prior_strength": -1.0}, "prior_strength"),
        ({"prior_strength": math.inf}, "prior_strength"),
        ({"confidence_weights": {"proven": 1.0}}, "confidence_weights"),
        ({"stance_factors": {"supports": 1.0, "challenges": 1.0}}, "stance_factors"),
        ({"format_weights": {"paper": -0.1}}, "format_weights"),
        ({"format_weights": {"paper": math.nan}}, "format_weights"),
        ({"default_format_weight": -1.0}, "default_format_weight"),
    ],
)
def test_bad_settings_are_config_errors(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        RuleSettings(**kwargs)  # type: ignore[arg-type]


def test_settings_do_not_follow_later_changes_to_the_callers_dict() -> None:
    formats = {"paper": 1.0, "Blog ": 0.4}
    rule = RuleSettings(format_weights=formats)
    formats["paper"] = 0.0
    assert format_weight("paper", rule) == 1.0
    assert format_weight("BLOG", rule) == 0.4


# --- credence range and direction -----------------------------------------------------------


@settings(deadline=None)
@given(prior=priors, ledger=events())
def test_credence_stays_strictly_inside_zero_and_one(prior: float, ledger: list[Evidence]) -> None:
    assert 0.0 < credence(prior, ledger, DEFAULT) < 1.0


@pytest.mark.parametrize(
    ("prior", "stance"),
    [(0.5, "supports"), (1 - 1e-16, "supports"), (0.5, "challenges"), (5e-324, "challenges")],
)
def test_credence_never_rounds_to_zero_or_one(prior: float, stance: str) -> None:
    ledger = [Evidence("B1", f"s{i}", stance, 1e300) for i in range(3)]
    assert 0.0 < credence(prior, ledger, DEFAULT) < 1.0


@settings(deadline=None)
@given(
    prior=moderate_priors,
    confidence=st.sampled_from(CONFIDENCES),
    fmt=st.sampled_from(FORMATS),
    background=events(max_size=5),
)
def test_stances_move_credence_the_right_way(
    prior: float, confidence: str, fmt: str | None, background: list[Evidence]
) -> None:
    def with_(stance: str) -> float:
        w = raw_weight(confidence, fmt, stance, DEFAULT)
        return credence(prior, [*background, Evidence("B1", "new", stance, w)], DEFAULT)

    base = credence(prior, background, DEFAULT)
    assume(0.001 < base < 0.999)  # a credence glued to 0 or 1 cannot show a small move
    assert with_("supports") > base
    assert with_("challenges") < with_("complicates") < base


def test_raw_weight_is_the_product_of_its_factors() -> None:
    assert raw_weight("proven", "paper", "supports", DEFAULT) == 1.0
    assert raw_weight("likely", "tweet", "complicates", DEFAULT) == pytest.approx(0.7 * 0.3 * 0.5)
    assert raw_weight("speculative", None, "challenges", DEFAULT) == pytest.approx(0.2 * 0.5)
    assert raw_weight("proven", " Paper ", "supports", DEFAULT) == 1.0
    assert raw_weight("proven", "scroll", "supports", DEFAULT) == DEFAULT.default_format_weight


@pytest.mark.parametrize(("confidence", "stance"), [("sure", "supports"), ("likely", "refutes")])
def test_raw_weight_refuses_unknown_labels(confidence: str, stance: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        raw_weight(confidence, "paper", stance, DEFAULT)


@pytest.mark.parametrize(
    "event",
    [
        Evidence("B1", "s", "supports", -0.1),
        Evidence("B1", "s", "supports", math.nan),
        Evidence("B1", "s", "supports", math.inf),
        Evidence("B1", "s", "agrees", 0.5),
    ],
)
def test_bad_events_are_refused(event: Evidence) -> None:
    with pytest.raises(ValueError):
        credence(0.5, [event], DEFAULT)


@pytest.mark.parametrize("prior", [0.0, 1.0, -0.2, 1.5, math.nan])
def test_prior_must_be_strictly_inside(prior: float) -> None:
    with pytest.raises(ValueError, match="prior"):
        credence(prior, [], DEFAULT)


def test_evidence_of_several_beliefs_is_a_caller_bug() -> None:
    ledger = [Evidence("B1", "s", "supports", 0.5), Evidence("B2", "s", "supports", 0.5)]
    with pytest.raises(ValueError, match="several beliefs"):
        pseudo_counts(0.5, ledger, DEFAULT)


def test_prior_alone_gives_the_prior() -> None:
    assert credence(0.8, [], DEFAULT) == pytest.approx(0.8, abs=1e-15)
    assert pseudo_counts(0.8, [], DEFAULT) == pytest.approx((8.0, 2.0))


# --- interval -------------------------------------------------------------------------------


@settings(deadline=None)
@given(prior=priors, ledger=events(max_size=10), mass=st.floats(min_value=0.05, max_value=0.99))
def test_interval_contains_credence_inside_unit_range(
    prior: float, ledger: list[Evidence], mass: float
) -> None:
    lo, hi = credence_interval(prior, ledger, DEFAULT, mass)
    assert 0.0 <= lo <= credence(prior, ledger, DEFAULT) <= hi <= 1.0


@settings(deadline=None)
@given(
    prior=st.floats(min_value=0.02, max_value=0.98),
    first=st.floats(min_value=0.0, max_value=50.0),
    more=st.floats(min_value=0.5, max_value=50.0),
)
def test_interval_narrows_as_evidence_grows(prior: float, first: float, more: float) -> None:
    # Evidence split in the prior's proportions keeps the mean and only adds certainty.
    def ledger(total: float) -> list[Evidence]:
        return [
            Evidence("B1", "s", "supports", prior * total),
            Evidence("B1", "s", "challenges", (1 - prior) * total),
        ]

    lo1, hi1 = credence_interval(prior, ledger(first), DEFAULT)
    lo2, hi2 = credence_interval(prior, ledger(first + more), DEFAULT)
    assert hi2 - lo2 < hi1 - lo1


def test_interval_matches_a_normal_approximation_for_large_counts() -> None:
    ledger = [Evidence("B1", "s", "supports", 495.0), Evidence("B1", "s", "challenges", 495.0)]
    lo, hi = credence_interval(0.5, ledger, DEFAULT)
    half = 1.6448536269514722 * math.sqrt(0.25 / 1001)
    assert lo == pytest.approx(0.5 - half, abs=2e-4)
    assert hi == pytest.approx(0.5 + half, abs=2e-4)


def test_interval_of_default_prior_is_the_beta_quantiles() -> None:
    lo, hi = credence_interval(0.5, [], DEFAULT)  # Beta(5, 5)
    assert incomplete_beta(lo, 5.0, 5.0) == pytest.approx(0.05, abs=1e-12)
    assert incomplete_beta(hi, 5.0, 5.0) == pytest.approx(0.95, abs=1e-12)
    assert lo + hi == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("mass", [0.0, 1.0, -0.5, 2.0])
def test_interval_mass_must_be_a_probability(mass: float) -> None:
    with pytest.raises(ValueError, match="mass"):
        credence_interval(0.5, [], DEFAULT, mass)


@settings(deadline=None)
@given(p=st.floats(min_value=0.0, max_value=1.0))
def test_uniform_beta_quantiles_are_linear(p: float) -> None:
    assert incomplete_beta(p, 1.0, 1.0) == pytest.approx(p, abs=1e-14)
    assert beta_quantile(p, 1.0, 1.0) == pytest.approx(p, abs=1e-12)


@settings(deadline=None)
@given(x=st.floats(min_value=0.0, max_value=1.0))
def test_incomplete_beta_closed_forms(x: float) -> None:
    assert incomplete_beta(x, 2.0, 2.0) == pytest.approx(3 * x**2 - 2 * x**3, abs=1e-13)
    assert incomplete_beta(x, 3.5, 1.0) == pytest.approx(x**3.5, abs=1e-13)
    assert incomplete_beta(x, 1.0, 4.0) == pytest.approx(1 - (1 - x) ** 4, abs=1e-13)


def test_incomplete_beta_known_values() -> None:
    assert beta_quantile(0.5, 2.0, 2.0) == pytest.approx(0.5, abs=1e-12)
    assert incomplete_beta(0.5, 2.0, 3.0) == pytest.approx(11 / 16, abs=1e-14)
    # Beta(0.5, 0.5) is the arcsine law: I_x = (2 / pi) asin(sqrt(x)).
    assert incomplete_beta(0.3, 0.5, 0.5) == pytest.approx(
        2 / math.pi * math.asin(math.sqrt(0.3)), abs=1e-13
    )


@settings(deadline=None)
@given(
    x=st.floats(min_value=1e-6, max_value=1 - 1e-6),
    a=st.floats(min_value=0.05, max_value=500.0),
    b=st.floats(min_value=0.05, max_value=500.0),
)
def test_incomplete_beta_symmetry_and_inverse(x: float, a: float, b: float) -> None:
    value = incomplete_beta(x, a, b)
    assert 0.0 <= value <= 1.0
    assert value + incomplete_beta(1 - x, b, a) == pytest.approx(1.0, abs=1e-9)
    if 1e-6 < value < 1 - 1e-6:
        assert incomplete_beta(beta_quantile(value, a, b), a, b) == pytest.approx(value, abs=1e-9)


# --- replay, levels, explain ----------------------------------------------------------------


@settings(deadline=None)
@given(ledger=st.lists(st.tuples(st.sampled_from(["B1", "B2", "B3", "GONE"]), stances, weights)))
def test_replay_equals_credence_per_belief(ledger: list[tuple[str, str, float]]) -> None:
    priors_by_id = {"B1": 0.8, "B2": 0.3, "B3": 0.55}
    evidence = [Evidence(b, "src", s, w) for b, s, w in ledger]
    replayed = replay(priors_by_id, evidence, DEFAULT)
    assert set(replayed) == set(priors_by_id)  # GONE is not in the register: ignored
    for belief_id, prior in priors_by_id.items():
        own = [e for e in evidence if e.belief_id == belief_id]
        assert replayed[belief_id] == credence(prior, own, DEFAULT)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.99, "axiom"),
        (0.85, "axiom"),
        (0.8499, "belief"),
        (0.6, "belief"),
        (0.5999, "hypothesis"),
        (0.4, "hypothesis"),
        (0.3999, "unconvinced"),
        (1e-9, "unconvinced"),
    ],
)
def test_level_for_thresholds(value: float, level: str) -> None:
    assert level_for(value) == level


def test_explain_names_every_weight_in_force() -> None:
    rule = RuleSettings(
        prior_strength=12.5,
        source_cap=0.05,
        format_weights={"paper": 0.95, "zine": 0.15},
        default_format_weight=0.45,
    )
    text = " ".join(explain(rule).split())
    for mapping in (rule.confidence_weights, rule.format_weights, rule.stance_factors):
        for key, value in mapping.items():
            assert f"{key} {value:g}" in text
    assert "12.5" in text
    assert "0.05" in text
    assert "0.45" in text
    assert f"{max_source_weight(rule):.6g}" in text
    for level, threshold in LEVEL_THRESHOLDS[:-1]:
        assert f"{level} >= {threshold:g}" in text


# --- related: about the belief, direction unknown --------------------------------------------


@given(priors, events(), st.lists(st.tuples(st.integers(0, 5), weights), max_size=12))
@settings(max_examples=200, deadline=None)
def test_related_events_never_move_a_credence(
    prior: float, background: list[Evidence], related: list[tuple[int, float]]
) -> None:
    """Whatever weight a related event carries and whatever else is in the ledger, adding it
    changes neither the credence nor the interval."""
    extra = [Evidence("B1", f"src{n}", "related", w) for n, w in related]
    assert credence(prior, background + extra, DEFAULT) == credence(prior, background, DEFAULT)
    assert pseudo_counts(prior, extra + background, DEFAULT) == pseudo_counts(
        prior, background, DEFAULT
    )


@given(st.sampled_from(CONFIDENCES), st.sampled_from(FORMATS))
def test_related_weighs_nothing(confidence: str, fmt: str | None) -> None:
    assert raw_weight(confidence, fmt, "related", DEFAULT) == 0.0


def test_related_factor_must_be_zero() -> None:
    with pytest.raises(ConfigError, match="related"):
        RuleSettings(
            stance_factors={"supports": 1, "challenges": 1, "complicates": 0.5, "related": 1}
        )
    # settings written before `related` existed still load, with factor 0
    older = RuleSettings(stance_factors={"supports": 1, "challenges": 1, "complicates": 0.5})
    assert older.stance_factors["related"] == 0


def test_explain_documents_related_and_direction() -> None:
    text = " ".join(explain(DEFAULT).split())
    assert "related" in text and "moves no credence" in text
    assert "explicit signals" in text
    # the rules added in the third pass are written down where an auditor reads the rule
    assert "sharing at least one content word" in text
    assert "restates one of its clauses" in text and "ranking is read" in text
    assert "only through its `secondary_domains`" in text
