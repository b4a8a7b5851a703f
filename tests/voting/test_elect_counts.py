"""`elect_counts`: an election decided from counts (what a SQL tally has) is the one `elect` decides from the ballots
with those counts — every candidate's Outcome, the ranking, the elected, the tied and the alternates."""

from decimal import Decimal

import pytest
from hypothesis import given

from tests.voting.test_elect import elections, flats, spread
from voting.engine import CIVIL_CODE_ORDINARY, Count, Voter, elect, elect_counts


def count(voters: list[Voter]) -> Count:
    return Count(len(voters), len({v.owner for v in voters}), sum((v.area for v in voters), Decimal("0")))


def counts_of(voters, approvals, candidates, seats):
    """What the tally's aggregates give: the electorate, those taking part (invalid ballots too), and per candidate
    the households agreeing on a valid ballot."""
    by_key = {v.key: v for v in voters}
    taking_part = [by_key[key] for key in approvals]
    valid = {key: chosen for key, chosen in approvals.items() if len(chosen) <= seats}
    agree = {c: count([by_key[key] for key, chosen in valid.items() if c in chosen]) for c in candidates}
    return count(voters), count(taking_part), {c: n for c, n in agree.items() if n.households}


@given(elections())
def test_counts_decide_as_the_ballots_do(case):
    rule, voters, approvals, candidates, seats = case
    by_ballots = elect(rule, voters, approvals, candidates, seats)
    electorate, participated, agree = counts_of(voters, approvals, candidates, seats)
    by_counts = elect_counts(rule, electorate, participated, agree, candidates, seats)
    assert by_counts.results == by_ballots.results
    assert list(by_counts.results) == list(by_ballots.results)  # ballot order
    assert by_counts.ranking == by_ballots.ranking
    assert by_counts.elected == by_ballots.elected
    assert by_counts.alternates == by_ballots.alternates
    assert by_counts.tied == by_ballots.tied
    assert by_counts.invalid == ()


def test_a_candidate_nobody_agrees_with_is_counted_as_all_disagreeing():
    voters = flats(4)
    approvals = spread(voters, a=4)
    electorate, participated, agree = counts_of(voters, approvals, ["a", "b"], 1)
    result = elect_counts(CIVIL_CODE_ORDINARY, electorate, participated, agree, ["a", "b"], 1)
    assert result.elected == ["a"]
    assert result.results["b"].disagree == participated and not result.results["b"].passed


@pytest.mark.parametrize(
    ("agree", "candidates", "seats", "message"),
    [
        ({}, ["a"], 0, "at least one seat"),
        ({}, ["a", "a"], 1, "listed twice"),
        ({"z": Count(1, 1, Decimal("1"))}, ["a"], 1, "not candidates"),
        ({"a": Count(3, 1, Decimal("1"))}, ["a"], 1, "than took part"),
        ({"a": Count(1, 1, Decimal("300"))}, ["a"], 1, "than took part"),
    ],
)
def test_bad_counts_are_refused(agree, candidates, seats, message):
    everyone = Count(2, 2, Decimal("200"))
    with pytest.raises(ValueError, match=message):
        elect_counts(CIVIL_CODE_ORDINARY, everyone, everyone, agree, candidates, seats)
