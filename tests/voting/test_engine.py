"""The decision engine against the law's thresholds: exact boundaries, heads, developer, unanimity."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.engine import (
    CIVIL_CODE_MAJOR,
    CIVIL_CODE_ORDINARY,
    ELEVATOR_ALL_OWNERS_NO_OBJECTION,
    RULES,
    UNANIMOUS,
    Voter,
    evaluate,
)


def flats(n: int, area: str = "100") -> list[Voter]:
    """n households of equal area, each its own owner."""
    return [Voter(key=f"h{i}", area=Decimal(area), owner=f"o{i}") for i in range(n)]


def choose(voters, **counts) -> dict[str, str]:
    """choose(voters, agree=3, disagree=1) → the first 3 agree, the next 1 disagrees."""
    choices, it = {}, iter(voters)
    for choice in ("agree", "disagree", "abstain"):
        for _ in range(counts.get(choice, 0)):
            choices[next(it).key] = choice
    return choices


@pytest.mark.parametrize(
    ("rule", "n", "counts", "passed"),
    [
        # Exactly 2/3 take part and exactly 3/4 of them agree: "以上" is inclusive → passes.
        (CIVIL_CODE_MAJOR, 12, {"agree": 6, "disagree": 2}, True),
        # One fewer taking part: 7/12 < 2/3.
        (CIVIL_CODE_MAJOR, 12, {"agree": 6, "disagree": 1}, False),
        # 2/3 take part but only 5/8 agree < 3/4.
        (CIVIL_CODE_MAJOR, 12, {"agree": 5, "disagree": 3}, False),
        # Ordinary: exactly half of those taking part agree → "过半数" is strict → fails.
        (CIVIL_CODE_ORDINARY, 12, {"agree": 4, "disagree": 4}, False),
        (CIVIL_CODE_ORDINARY, 12, {"agree": 5, "disagree": 4}, True),
        # Abstentions take part but do not agree: 4 agree of 8 taking part is not more than half.
        (CIVIL_CODE_ORDINARY, 12, {"agree": 4, "abstain": 4}, False),
        (CIVIL_CODE_ORDINARY, 12, {"agree": 5, "abstain": 3}, True),
        # Unanimity: all 14 agree passes; 13 agree and one missing fails.
        (UNANIMOUS, 14, {"agree": 14}, True),
        (UNANIMOUS, 14, {"agree": 13}, False),
        (UNANIMOUS, 14, {"agree": 13, "abstain": 1}, False),
        # Elevator: 2/3 of all agree and nobody objects; one objection sinks it.
        (ELEVATOR_ALL_OWNERS_NO_OBJECTION, 12, {"agree": 8}, True),
        (ELEVATOR_ALL_OWNERS_NO_OBJECTION, 12, {"agree": 11, "disagree": 1}, False),
        (ELEVATOR_ALL_OWNERS_NO_OBJECTION, 12, {"agree": 7}, False),
    ],
)
def test_thresholds(rule, n, counts, passed):
    voters = flats(n)
    assert evaluate(rule, voters, choose(voters, **counts)).passed is passed


def test_exact_fractions_reported():
    voters = flats(12)
    outcome = evaluate(CIVIL_CODE_MAJOR, voters, choose(voters, agree=6, disagree=2))
    assert outcome.participation_heads == Fraction(2, 3)
    assert outcome.participation_area == Fraction(2, 3)
    assert outcome.approval_heads == Fraction(3, 4)
    assert outcome.approval_area == Fraction(3, 4)
    assert outcome.failed == []


def test_nobody_voting_gives_zero_ratios_and_fails():
    outcome = evaluate(CIVIL_CODE_ORDINARY, flats(5), {})
    assert (outcome.participation_area, outcome.approval_heads) == (Fraction(0), Fraction(0))
    assert not outcome.passed
    assert len(outcome.failed) == 4


def test_multi_household_owner_counts_as_one_head_and_flips_the_result():
    # Owner "big" holds 4 flats and disagrees; 5 single owners agree: 5 heads agree, 1 disagrees.
    big = [Voter(key=f"b{i}", area=Decimal("50"), owner="big") for i in range(4)]
    small = [Voter(key=f"s{i}", area=Decimal("30"), owner=f"s{i}") for i in range(5)]
    voters = big + small
    choices = {v.key: "disagree" for v in big} | {v.key: "agree" for v in small}
    outcome = evaluate(CIVIL_CODE_ORDINARY, voters, choices)
    assert outcome.electorate.heads == 6
    assert outcome.disagree.heads == 1
    assert outcome.agree.heads == 5
    # Area: 150 agree vs 200 disagree → approval by area 3/7 fails although heads pass.
    assert outcome.approval_area == Fraction(150, 350)
    assert not outcome.passed

    # Now the big owner agrees and 3 small owners disagree: per flat 6 : 3 would pass by count, but by heads
    # it is 2 agree : 3 disagree → fails on heads. Counting per flat would have passed.
    choices = {v.key: "agree" for v in big} | {"s0": "agree", "s1": "disagree", "s2": "disagree", "s3": "disagree"}
    outcome = evaluate(CIVIL_CODE_ORDINARY, voters, choices)
    assert (outcome.agree.heads, outcome.disagree.heads, outcome.agree.households) == (2, 3, 5)
    assert outcome.approval_heads == Fraction(2, 5)
    assert not outcome.passed


def test_developer_flats_are_one_head():
    developer = [Voter(key=f"d{i}", area=Decimal("90"), owner="developer") for i in range(10)]
    people = flats(3)
    outcome = evaluate(CIVIL_CODE_ORDINARY, developer + people, {v.key: "agree" for v in developer})
    assert outcome.electorate.heads == 4
    assert outcome.participated.heads == 1
    assert outcome.participation_area == Fraction(900, 1200)
    assert outcome.participation_heads == Fraction(1, 4)
    assert not outcome.passed


@pytest.mark.parametrize(
    "choices",
    [{"nobody": "agree"}, {"h0": "yes"}],
)
def test_bad_choices_raise(choices):
    with pytest.raises(ValueError):
        evaluate(CIVIL_CODE_ORDINARY, flats(3), choices)


def test_one_owner_different_choices_raises():
    voters = [Voter("a", Decimal("50"), "o"), Voter("b", Decimal("50"), "o")]
    with pytest.raises(ValueError, match="different choices"):
        evaluate(CIVIL_CODE_ORDINARY, voters, {"a": "agree", "b": "disagree"})


def test_still_needed_for_major_rule():
    voters = flats(12)
    outcome = evaluate(CIVIL_CODE_MAJOR, voters, choose(voters, agree=5, disagree=1))
    # Participation needs 8 of 12 heads (2 more); approval needs (5+x)/(6+x) ≥ 3/4 → x ≥ 0 already met.
    assert outcome.needed.heads == 2
    assert outcome.needed.area == Decimal("200.00")
    extra = dict(choose(voters, agree=5, disagree=1), h6="agree", h7="agree")
    assert evaluate(CIVIL_CODE_MAJOR, voters, extra).passed


def test_still_needed_for_strict_half():
    voters = flats(12)
    outcome = evaluate(CIVIL_CODE_ORDINARY, voters, choose(voters, agree=4, disagree=4))
    # (4 + x) / (8 + x) > 1/2 → x > 0 → one more agreeing household.
    assert outcome.needed.heads == 1
    assert outcome.needed.area == Decimal("0.01")


def test_still_needed_impossible_with_objection_under_no_objection_rule():
    voters = flats(12)
    outcome = evaluate(ELEVATOR_ALL_OWNERS_NO_OBJECTION, voters, choose(voters, agree=8, disagree=1))
    assert outcome.needed.households is None


def test_still_needed_when_unanimity_is_out_of_reach():
    voters = flats(14)
    outcome = evaluate(UNANIMOUS, voters, choose(voters, agree=12, disagree=1))
    assert outcome.needed.households is None
    outcome = evaluate(UNANIMOUS, voters, choose(voters, agree=12))
    assert outcome.needed.households == 2


def test_adding_a_rule_is_declarative():
    assert set(RULES) == {
        "civil_code_major",
        "civil_code_ordinary",
        "unanimous",
        "elevator_all_owners_no_objection",
        "residents_representatives_assembly",
    }
    assert len(ELEVATOR_ALL_OWNERS_NO_OBJECTION.conditions) == 3


# --- Properties -------------------------------------------------------------------------------------------

areas = st.decimals(min_value=Decimal("10.00"), max_value=Decimal("300.00"), places=2)


@st.composite
def elections(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    owners = draw(st.lists(st.integers(min_value=0, max_value=n - 1), min_size=n, max_size=n))
    voters = [Voter(key=f"h{i}", area=draw(areas), owner=f"o{owners[i]}") for i in range(n)]
    owner_choice = {f"o{o}": draw(st.sampled_from(["agree", "disagree", "abstain", None])) for o in sorted(set(owners))}
    choices = {v.key: owner_choice[v.owner] for v in voters if owner_choice[v.owner]}
    rule = draw(st.sampled_from(list(RULES.values())))
    return rule, voters, choices


@given(elections(), st.data())
def test_adding_an_agree_never_turns_pass_into_fail(election, data):
    rule, voters, choices = election
    before = evaluate(rule, voters, choices)
    # Pick an owner who has not agreed, and make all their households agree.
    candidates = sorted({v.owner for v in voters if choices.get(v.key) != "agree"})
    if not candidates:
        return
    owner = data.draw(st.sampled_from(candidates))
    after_choices = dict(choices) | {v.key: "agree" for v in voters if v.owner == owner}
    after = evaluate(rule, voters, after_choices)
    assert not (before.passed and not after.passed)
    assert after.agree.heads == before.agree.heads + 1


@given(elections(), st.randoms())
def test_result_does_not_depend_on_voter_order(election, rnd):
    rule, voters, choices = election
    shuffled = list(voters)
    rnd.shuffle(shuffled)
    assert evaluate(rule, voters, choices) == evaluate(rule, shuffled, dict(reversed(list(choices.items()))))


@given(elections())
def test_needed_is_enough_and_minimal_in_heads(election):
    """Adding `needed.heads` agreeing owners (smallest first) meets every heads condition."""
    rule, voters, choices = election
    outcome = evaluate(rule, voters, choices)
    heads_conditions = [c for c in rule.conditions if c.dimension == "heads"]
    if outcome.needed.heads is None or not heads_conditions:
        return
    chosen = {v.owner for v in voters if v.key in choices}
    free = sorted({v.owner for v in voters if v.owner not in chosen})
    assert outcome.needed.heads <= len(free)
    extended = dict(choices) | {v.key: "agree" for v in voters if v.owner in free[: outcome.needed.heads]}
    after = evaluate(rule, voters, extended)
    assert all(check.met for check in after.checks if check.condition.dimension == "heads")
    if outcome.needed.heads:
        fewer = dict(choices) | {v.key: "agree" for v in voters if v.owner in free[: outcome.needed.heads - 1]}
        short = evaluate(rule, voters, fewer)
        assert not all(check.met for check in short.checks if check.condition.dimension == "heads")


def test_each_rule_declares_its_texts_once_and_the_engine_needs_no_django():
    import ast
    from pathlib import Path

    from django.utils import translation

    import voting.engine
    from proposals.models import RuleCode

    tree = ast.parse(Path(voting.engine.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert "django" not in imported
    assert set(RULES) == set(RuleCode.values)
    for code, rule in RULES.items():
        assert rule.label and rule.description and rule.law, code
        # The choice's label is the engine's, and it is translated.
        with translation.override("en"):
            assert str(RuleCode(code).label) == rule.label
        with translation.override("zh-hans"):
            assert str(RuleCode(code).label) != rule.label
            assert all(translation.gettext(text) != text for text in (rule.description, *rule.law))
