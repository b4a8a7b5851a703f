"""What the tally says is still needed: the least further agreement that passes, and "impossible" only when it is.

Checked against brute force: over every amount of new agreement for random conditions (the engine's own arithmetic),
and over every way the households not yet voting could still vote for the declared rules.
"""

import dataclasses
import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.engine import (
    ABSTAIN,
    AGREE,
    AREA,
    AT_LEAST,
    AT_MOST,
    CIVIL_CODE_MAJOR,
    CIVIL_CODE_ORDINARY,
    DISAGREE,
    ELECTORATE,
    ELEVATOR_ALL_OWNERS_NO_OBJECTION,
    GROUPS,
    HEADS,
    HOUSEHOLDS,
    MORE_THAN,
    PARTICIPATED,
    RULES,
    UNANIMOUS,
    Condition,
    Count,
    Rule,
    Voter,
    condition_words,
    decide,
    evaluate,
)


def flats(n: int, area: str = "100") -> list[Voter]:
    return [Voter(key=f"h{i}", area=Decimal(area), owner=f"o{i}") for i in range(n)]


# --- Right after voting opens (issue 14: "impossible" when nobody had voted) ------------------------------------


def test_unanimity_with_nobody_voted_needs_every_household():
    voters = flats(14)
    outcome = evaluate(UNANIMOUS, voters, {})
    assert outcome.needed.possible
    assert (outcome.needed.households, outcome.needed.heads, outcome.needed.area) == (14, 0, Decimal("0.00"))
    assert evaluate(UNANIMOUS, voters, {v.key: AGREE for v in voters}).passed
    assert not evaluate(UNANIMOUS, voters, {v.key: AGREE for v in voters[:13]}).passed


@pytest.mark.parametrize("rule", [CIVIL_CODE_MAJOR, CIVIL_CODE_ORDINARY, ELEVATOR_ALL_OWNERS_NO_OBJECTION])
def test_double_thresholds_with_nobody_voted(rule):
    voters = flats(14)
    needed = evaluate(rule, voters, {}).needed
    # Two thirds of 14 heads is 9⅓: 10 heads; two thirds of 1400 m² is 933.33…: 933.34 m².
    assert (needed.households, needed.heads, needed.area) == (0, 10, Decimal("933.34"))
    assert evaluate(rule, voters, {v.key: AGREE for v in voters[:10]}).passed
    assert not evaluate(rule, voters, {v.key: AGREE for v in voters[:9]}).passed


def test_one_agreement_under_unanimity_leaves_the_rest():
    voters = flats(14)
    assert evaluate(UNANIMOUS, voters, {"h0": AGREE}).needed.households == 13
    assert evaluate(UNANIMOUS, voters, {"h0": ABSTAIN}).needed.households is None


def test_impossible_only_when_even_everyone_agreeing_fails():
    voters = flats(12)
    # 8 agree and 1 objects under the elevator rule: nothing can undo the objection.
    choices = {v.key: AGREE for v in voters[:8]} | {"h8": DISAGREE}
    assert not evaluate(ELEVATOR_ALL_OWNERS_NO_OBJECTION, voters, choices).needed.possible
    # Major matter, 4 disagree of 12: even if the other 8 agree, 8/12 < 3/4 of those taking part.
    choices = {v.key: DISAGREE for v in voters[:4]}
    assert not evaluate(CIVIL_CODE_MAJOR, voters, choices).needed.possible
    # 3 disagree: the other 9 agreeing make 9/12 = 3/4 exactly ("以上" is inclusive).
    outcome = evaluate(CIVIL_CODE_MAJOR, voters, {v.key: DISAGREE for v in voters[:3]})
    assert (outcome.needed.heads, outcome.needed.area) == (9, Decimal("900.00"))


def test_strictly_more_than_half_by_area_needs_a_hundredth_more():
    voters = flats(4)
    choices = {"h0": AGREE, "h1": DISAGREE, "h2": DISAGREE, "h3": AGREE}
    outcome = evaluate(CIVIL_CODE_ORDINARY, voters, choices)
    # Everyone took part: half agree by area and by heads, nobody is left to tip it.
    assert not outcome.passed and not outcome.needed.possible


# --- Exactly the least amount: brute force over every amount, for any conditions -------------------------------

STEPS = {HOUSEHOLDS: Fraction(1), HEADS: Fraction(1), AREA: Fraction(1, 100)}
RATIOS = [Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(3, 4), Fraction(1)]

conditions = st.builds(
    Condition,
    group=st.sampled_from(GROUPS),
    of=st.sampled_from(GROUPS),
    dimension=st.sampled_from([HOUSEHOLDS, HEADS, AREA]),
    op=st.sampled_from([AT_LEAST, MORE_THAN, AT_MOST]),
    ratio=st.sampled_from(RATIOS) | st.fractions(min_value=0, max_value=2, max_denominator=7),
)


@st.composite
def tallies(draw):
    """Counts per group, in each dimension: small, so every amount of new agreement can be tried."""
    counts = {}
    for choice in (AGREE, DISAGREE, ABSTAIN):
        households = draw(st.integers(0, 12))
        counts[choice] = Count(
            households=households,
            heads=draw(st.integers(0, households)),
            area=Decimal(draw(st.integers(0, 150))) / 100,
        )
    participated = Count(
        households=sum(c.households for c in counts.values()),
        heads=sum(c.heads for c in counts.values()),
        area=sum((c.area for c in counts.values()), Decimal(0)),
    )
    households = participated.households + draw(st.integers(0, 12))
    electorate = Count(
        households=households,
        heads=participated.heads + draw(st.integers(0, households - participated.households)),
        area=participated.area + Decimal(draw(st.integers(0, 250))) / 100,
    )
    return {ELECTORATE: electorate, PARTICIPATED: participated, **counts}


def _with_agreement(groups, dimension: str, x: Fraction) -> dict:
    """The groups after x more (in `dimension`) agree, coming from outside those taking part."""
    value = Decimal(x.numerator) / Decimal(x.denominator) if dimension == AREA else int(x)
    grown = dict(groups)
    for name in (AGREE, PARTICIPATED):
        grown[name] = dataclasses.replace(groups[name], **{dimension: getattr(groups[name], dimension) + value})
    return grown


def _least_by_trying(rule: Rule, groups, dimension: str):
    mine = Rule(code="t", name="t", basis="", conditions=tuple(c for c in rule.conditions if c.dimension == dimension))
    step = STEPS[dimension]
    available = groups[ELECTORATE].measure(dimension) - groups[PARTICIPATED].measure(dimension)
    for k in range(int(available / step) + 1):
        if decide(mine, _with_agreement(groups, dimension, k * step)).passed:
            return k * step
    return None


@settings(max_examples=300)
@given(st.lists(conditions, min_size=1, max_size=4), tallies())
def test_needed_is_the_least_amount_that_meets_the_conditions(rule_conditions, groups):
    rule = Rule(code="t", name="t", basis="", conditions=tuple(rule_conditions))
    outcome = decide(rule, groups)
    needed = {HOUSEHOLDS: outcome.needed.households, HEADS: outcome.needed.heads, AREA: outcome.needed.area}
    for dimension in (HOUSEHOLDS, HEADS, AREA):
        least = _least_by_trying(rule, groups, dimension)
        if outcome.passed:
            assert needed[dimension] == 0
        elif least is None:
            assert needed[dimension] is None, dimension
        else:
            assert needed[dimension] == (Decimal(least.numerator) / least.denominator if dimension == AREA else least)


# --- Every way the rest could still vote, for the declared rules ------------------------------------------------

areas = st.integers(min_value=1000, max_value=30000).map(lambda cents: Decimal(cents) / 100)


@st.composite
def elections(draw):
    """Up to 7 flats of up to 5 owners; each owner has voted one choice for all their flats, or not yet."""
    n = draw(st.integers(min_value=1, max_value=7))
    owners = [f"o{draw(st.integers(0, 4))}" for _ in range(n)]
    voters = [Voter(key=f"h{i}", area=draw(areas), owner=owners[i]) for i in range(n)]
    owner_choice = {o: draw(st.sampled_from([AGREE, DISAGREE, ABSTAIN, None])) for o in sorted(set(owners))}
    choices = {v.key: owner_choice[v.owner] for v in voters if owner_choice[v.owner]}
    return voters, choices


def _completions(voters, choices):
    """Every way the owners not yet voting could still vote (or not), as (choices, owners now agreeing)."""
    waiting = sorted({v.owner for v in voters} - {v.owner for v in voters if v.key in choices})
    for picks in itertools.product([None, AGREE, DISAGREE, ABSTAIN], repeat=len(waiting)):
        picked = dict(zip(waiting, picks, strict=True))
        extra = {v.key: picked[v.owner] for v in voters if picked.get(v.owner)}
        yield choices | extra, [o for o in waiting if picked[o] == AGREE], [o for o in waiting if picked[o]]


def _meets(outcome, dimension: str) -> bool:
    return all(check.met for check in outcome.checks if check.condition.dimension == dimension)


@settings(max_examples=150, deadline=None)
@given(elections(), st.sampled_from(sorted(RULES)))
def test_needed_against_every_way_the_rest_could_vote(election, code):
    rule, (voters, choices) = RULES[code], election
    needed = evaluate(rule, voters, choices).needed
    flats_of = {o: [v for v in voters if v.owner == o] for o in {v.owner for v in voters}}
    passes_somehow = False
    least = {HOUSEHOLDS: None, HEADS: None, AREA: None}  # the least new agreement that met a dimension
    for completed, agreeing, joining in _completions(voters, choices):
        outcome = evaluate(rule, voters, completed)
        passes_somehow |= outcome.passed
        if len(agreeing) != len(joining):
            continue  # the "still needed" figures count new agreement only
        joined = [v for o in agreeing for v in flats_of[o]]
        amounts = {HOUSEHOLDS: len(joined), HEADS: len(agreeing), AREA: sum((v.area for v in joined), Decimal(0))}
        for dimension, amount in amounts.items():
            if _meets(outcome, dimension) and (least[dimension] is None or amount < least[dimension]):
                least[dimension] = amount
    # "Impossible" exactly when no way of voting passes it.
    assert needed.possible == passes_somehow
    # Heads come one by one: the figure is the least number of owners. Flats and area come with their owners, so
    # the least reachable amount is at least the figure (equal for owners of one flat, and for unanimity).
    assert needed.heads == least[HEADS]
    for dimension, figure in ((HOUSEHOLDS, needed.households), (AREA, needed.area)):
        assert (figure is None) == (least[dimension] is None), dimension
        if figure is not None:
            assert figure <= least[dimension], dimension
    if all(len(f) == 1 for f in flats_of.values()) or rule is UNANIMOUS:
        assert needed.households == least[HOUSEHOLDS]


# --- The thresholds in plain words ------------------------------------------------------------------------------


def test_every_declared_condition_has_plain_words():
    for rule in RULES.values():
        for condition in rule.conditions:
            words = condition_words(condition)
            text = words.text % {"ratio": words.ratio % {"fraction": words.fraction}}
            assert "≥" not in text and "%" not in text and "/" not in text, text


def test_plain_words_of_unanimity_and_objection():
    participation, agreement = UNANIMOUS.conditions
    assert condition_words(participation).text == "%(ratio)s of the households take part"
    assert condition_words(participation).ratio == "all"
    assert condition_words(agreement).ratio == "all"
    (objection,) = [c for c in ELEVATOR_ALL_OWNERS_NO_OBJECTION.conditions if c.group == DISAGREE]
    assert condition_words(objection).text == "Nobody disagrees"
    unusual = Condition(AGREE, PARTICIPATED, HEADS, AT_MOST, Fraction(3, 5))
    assert condition_words(unusual).ratio == "at most %(fraction)s" and condition_words(unusual).fraction == "3/5"
