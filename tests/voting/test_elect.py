"""Elections in the decision engine (`elect`), and the residents' representatives' assembly rule.

Each candidate is decided by `evaluate` as if every household taking part answered agree for them if it approved
them and disagree otherwise; the qualified are ranked by agreeing heads, then area; a tie at the last seat goes to a
run-off.
"""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.engine import (
    AGREE,
    CIVIL_CODE_MAJOR,
    CIVIL_CODE_ORDINARY,
    DISAGREE,
    ELEVATOR_ALL_OWNERS_NO_OBJECTION,
    RESIDENTS_REPRESENTATIVES_ASSEMBLY,
    RULES,
    UNANIMOUS,
    Voter,
    elect,
    evaluate,
)


def flats(n: int, area: str = "100") -> list[Voter]:
    """n households of equal area, each its own owner."""
    return [Voter(key=f"h{i}", area=Decimal(area), owner=f"o{i}") for i in range(n)]


def ballots(voters, *groups) -> dict[str, set[str]]:
    """ballots(voters, (3, "ab"), (2, "")) → the first 3 households approve a and b, the next 2 approve no one."""
    approvals, it = {}, iter(voters)
    for count, chosen in groups:
        for _ in range(count):
            approvals[next(it).key] = set(chosen)
    return approvals


def spread(voters, **counts) -> dict[str, set[str]]:
    """Every household takes part; each candidate is approved by `counts[candidate]` households, always those with
    the fewest approvals so far, so no household approves more than ceil(total / households)."""
    approvals = {voter.key: set() for voter in voters}
    for candidate, count in counts.items():
        for key in sorted(approvals, key=lambda key: len(approvals[key]))[:count]:
            approvals[key].add(candidate)
    return approvals


# --- Examples ------------------------------------------------------------------------------------------------


def test_the_most_agreed_qualified_candidates_are_elected_and_the_next_are_alternates():
    voters = flats(12)
    # 9 of 12 take part (3/4); a: 8, b: 7, c: 6, d: 5 of them agree (more than half), e: 1.
    approvals = spread(voters[:9], a=8, b=7, c=6, d=5, e=1)
    assert max(len(chosen) for chosen in approvals.values()) == 3
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b", "c", "d", "e"], seats=3)
    assert [election.results[c].agree.heads for c in "abcde"] == [8, 7, 6, 5, 1]
    assert election.ranking == election.qualified == ("a", "b", "c", "d")
    assert election.elected == ("a", "b", "c")
    assert election.alternates == ("d",)
    assert election.tied == () and election.invalid == ()
    assert election.open_seats == 0
    assert not election.results["e"].passed


def test_results_are_the_outcomes_of_evaluate():
    voters = flats(12)
    approvals = ballots(voters, (7, "a"), (2, "b"), (1, ""))
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b"], seats=1)
    choices_a = {key: AGREE if "a" in chosen else DISAGREE for key, chosen in approvals.items()}
    assert election.results["a"] == evaluate(CIVIL_CODE_ORDINARY, voters, choices_a)
    # The empty ballot took part: 10 of 12 take part, 7 of 10 agree with a.
    assert election.results["a"].participation_heads == Fraction(10, 12)
    assert election.results["a"].approval_heads == Fraction(7, 10)
    assert election.results["a"].disagree.heads == 3
    assert election.elected == ("a",)


def test_choosing_more_than_seats_makes_the_ballot_invalid_it_took_part_and_agreed_with_no_one():
    voters = flats(10)
    # h0, h1 choose three of two seats: invalid. The other 6 taking part approve a and b.
    approvals = ballots(voters, (2, "abc"), (6, "ab"))
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b", "c"], seats=2)
    assert election.invalid == ("h0", "h1")
    for candidate in "abc":
        outcome = election.results[candidate]
        assert outcome.participated.households == 8
        assert outcome.agree.heads == (6 if candidate != "c" else 0)
        assert outcome.disagree.heads == (2 if candidate != "c" else 8)
    assert election.elected == ("a", "b")
    # Choosing exactly `seats` is valid.
    assert elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b", "c"], seats=3).invalid == ()


def test_invalid_ballots_can_sink_a_candidate():
    voters = flats(9)
    # 9 take part, a is approved by 5 valid ballots and would pass with 5/9; two of them choose too many.
    approvals = ballots(voters, (3, "a"), (2, "ab"), (4, ""))
    assert elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b"], seats=2).elected == ("a",)
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b"], seats=1)
    assert election.invalid == ("h3", "h4")
    assert election.results["a"].agree.heads == 3
    assert election.elected == () and election.ranking == ()


def test_a_tie_at_the_last_seat_elects_none_of_the_tied():
    voters = flats(30)
    # All 30 take part (16 is more than half): a: 19, then b, c, d: 17 each, e: 16.
    approvals = spread(voters, a=19, b=17, c=17, d=17, e=16)
    assert max(len(chosen) for chosen in approvals.values()) == 3
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["d", "a", "c", "e", "b"], seats=3)
    assert election.elected == ("a",)
    # Every one with the boundary's figures, not only the two at the boundary, in ballot order.
    assert election.tied == ("d", "c", "b")
    assert election.alternates == ("e",)
    assert election.open_seats == 2
    assert election.ranking == ("a", "d", "c", "b", "e")


def test_a_tie_at_the_last_seat_can_leave_every_seat_open():
    voters = flats(6)
    approvals = spread(voters, a=4, b=4, c=4)  # each household approves two
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b", "c"], seats=2)
    assert election.elected == () and election.tied == ("a", "b", "c") and election.alternates == ()
    assert election.open_seats == 2


def test_a_tie_above_the_last_seat_or_below_it_does_not_matter():
    voters = flats(20)
    # a and b: 13 each, c: 12, d and e: 11 each (11 of 20 is more than half).
    approvals = spread(voters, a=13, b=13, c=12, d=11, e=11)
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["b", "a", "c", "d", "e"], seats=3)
    assert election.elected == ("b", "a", "c")  # equal figures: ballot order
    assert election.tied == ()
    assert election.alternates == ("d", "e")
    assert elect(CIVIL_CODE_ORDINARY, voters, approvals, list("abcde"), seats=3).elected == ("a", "b", "c")


def test_area_breaks_a_tie_in_heads_and_equal_area_is_a_tie():
    def households(*areas):
        return [Voter(key=f"h{i}", area=Decimal(area), owner=f"o{i}") for i, area in enumerate(areas)]

    # Everyone approves two of three: a, b and c each have 4 of 6 heads.
    approvals = {"h0": {"a", "b"}, "h1": {"a", "b"}, "h2": {"a", "c"}, "h3": {"a", "c"}, "h4": {"b", "c"}}
    approvals["h5"] = {"b", "c"}
    voters = households("100", "100", "90", "90", "110", "110")
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b", "c"], seats=2)
    assert [election.results[c].agree.area for c in "abc"] == [Decimal(380), Decimal(420), Decimal(400)]
    assert election.elected == ("b", "c") and election.alternates == ("a",) and election.tied == ()
    # a and b both 380 m² at the boundary: a run-off. Decimal places do not matter.
    voters = households("90", "90.00", "100", "100.0", "100", "100")
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b", "c"], seats=2)
    assert election.elected == ("c",) and election.tied == ("a", "b") and election.alternates == ()


def test_a_candidate_approved_by_many_fails_when_too_few_take_part():
    voters = flats(12)
    # 7 of 12 take part (< 2/3) and every one of them approves a: a fails all the same.
    approvals = ballots(voters, (7, "a"))
    election = elect(CIVIL_CODE_MAJOR, voters, approvals, ["a", "b"], seats=1)
    assert election.results["a"].approval_heads == 1
    assert not election.results["a"].passed
    assert election.elected == election.ranking == election.alternates == ()
    assert election.open_seats == 1
    # One more taking part, even agreeing with no one, and a passes.
    assert elect(CIVIL_CODE_MAJOR, voters, approvals | {"h11": []}, ["a", "b"], seats=1).elected == ("a",)


def test_only_qualified_candidates_are_ranked_most_heads_is_not_enough():
    voters = [Voter(key=f"h{i}", area=Decimal(area), owner=f"o{i}") for i, area in enumerate(["10"] * 5 + ["200"] * 4)]
    # a: five small flats (5 of 9 heads, 50 of 850 m²: fails by area); b: the four large ones (fails by heads);
    # c: three small and three large (passes both).
    approvals = {f"h{i}": {"a"} for i in range(2)} | {f"h{i}": {"a", "c"} for i in range(2, 5)}
    approvals |= {"h5": {"b", "c"}, "h6": {"b", "c"}, "h7": {"b", "c"}, "h8": {"b"}}
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b", "c"], seats=3)
    assert [election.results[c].passed for c in "abc"] == [False, False, True]
    assert election.elected == ("c",) and election.alternates == () and election.open_seats == 2


def test_fewer_qualified_than_seats_elects_all_of_them_without_a_tie():
    voters = flats(4)
    approvals = {key: {"a", "b"} for key in ("h0", "h1", "h2", "h3")}
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b", "c"], seats=3)
    # a and b are equal, but nobody qualified is left out at the boundary: both elected.
    assert election.elected == ("a", "b") and election.tied == () and election.alternates == ()
    assert election.open_seats == 1


def test_an_owner_of_several_flats_is_one_head_with_all_their_area():
    voters = [
        Voter(key="h0", area=Decimal("80"), owner="dev"),
        Voter(key="h1", area=Decimal("80"), owner="dev"),
        Voter(key="h2", area=Decimal("80"), owner="dev"),
        Voter(key="h3", area=Decimal("100"), owner="o3"),
        Voter(key="h4", area=Decimal("100"), owner="o4"),
    ]
    approvals = {"h0": ["a"], "h1": ["a"], "h2": ("a",), "h3": {"b"}, "h4": {"b"}}
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b"], seats=1)
    a, b = election.results["a"], election.results["b"]
    assert (a.agree.heads, a.agree.area, a.agree.households) == (1, Decimal(240), 3)
    assert (b.agree.heads, b.agree.area) == (2, Decimal(200))
    assert a.electorate.heads == 3
    # a: 1 of 3 heads; b: 2 of 3 heads but 200 of 440 m²: neither passes.
    assert election.ranking == ()
    # The owner's households are invalid together: each is listed.
    approvals = {"h0": "ab", "h1": "ba", "h2": "ab", "h3": {"b"}, "h4": {"b"}}
    approvals = {key: set(chosen) for key, chosen in approvals.items()}
    election = elect(CIVIL_CODE_ORDINARY, voters, approvals, ["a", "b"], seats=1)
    assert election.invalid == ("h0", "h1", "h2")
    assert election.results["b"].agree.heads == 2


@pytest.mark.parametrize(
    ("approvals", "candidates", "seats", "message"),
    [
        ({"h0": {"a"}, "h1": {"b"}}, ["a", "b"], 1, "different approvals"),
        ({"h0": {"a"}, "h1": set()}, ["a", "b"], 1, "different approvals"),
        ({"h0": {"a", "b"}, "h1": {"a"}}, ["a", "b"], 1, "different approvals"),  # even when one is invalid
        ({"h9": {"a"}}, ["a", "b"], 1, "not in the electorate"),
        ({"h2": {"z"}}, ["a", "b"], 1, "not candidates"),
        ({"h2": {"a", "b", "z"}}, ["a", "b"], 1, "not candidates"),  # unknown, even on an invalid ballot
        ({"h2": "a"}, ["a", "b"], 1, "not one string"),
        ({"h2": {"a"}}, ["a", "b"], 0, "at least one seat"),
        ({"h2": {"a"}}, ["a", "b"], -1, "at least one seat"),
        ({"h2": {"a"}}, ["a", "b", "a"], 1, "listed twice"),
    ],
)
def test_bad_input_is_refused(approvals, candidates, seats, message):
    voters = [
        Voter(key="h0", area=Decimal("80"), owner="dev"),
        Voter(key="h1", area=Decimal("80"), owner="dev"),
        Voter(key="h2", area=Decimal("100"), owner="o2"),
    ]
    with pytest.raises(ValueError, match=message):
        elect(CIVIL_CODE_ORDINARY, voters, approvals, candidates, seats)


def test_voters_sharing_a_key_are_refused():
    voters = [Voter(key="h0", area=Decimal("80"), owner="o0"), Voter(key="h0", area=Decimal("90"), owner="o1")]
    with pytest.raises(ValueError, match="share a key"):
        elect(CIVIL_CODE_ORDINARY, voters, {}, ["a"], 1)


def test_nobody_taking_part_elects_no_one():
    election = elect(CIVIL_CODE_ORDINARY, flats(5), {}, ["a", "b"], seats=2)
    assert election.elected == election.tied == election.alternates == election.invalid == ()
    assert election.results["a"].participated.households == 0


# --- Properties -----------------------------------------------------------------------------------------------

# Few distinct areas and few voters, so ties in heads and area come up often.
areas = st.sampled_from([Decimal("100.00"), Decimal("100"), Decimal("100"), Decimal("50.00"), Decimal("73.25")])
ALL_RULES = list(RULES.values())


@st.composite
def electorates(draw, areas=areas):
    n = draw(st.integers(min_value=1, max_value=14))
    owners = draw(st.lists(st.integers(min_value=0, max_value=n - 1), min_size=n, max_size=n))
    voters = [Voter(key=f"h{i}", area=draw(areas), owner=f"o{owners[i]}") for i in range(n)]
    return voters, sorted({voter.owner for voter in voters})


@st.composite
def scattered(draw):
    """Any approvals: a few kinds of ballot shared by many owners, some with one candidate too many (invalid),
    some owners not taking part."""
    voters, owners = draw(electorates())
    candidates = draw(st.permutations([f"c{i}" for i in range(draw(st.integers(min_value=0, max_value=6)))]))
    seats = draw(st.integers(min_value=1, max_value=4))
    pool = st.frozensets(st.sampled_from(candidates), max_size=seats + 1) if candidates else st.just(frozenset())
    kinds = draw(st.lists(pool, min_size=1, max_size=5))
    owner_approval = {owner: draw(st.sampled_from([*kinds * 3, None])) for owner in owners}
    return voters, owner_approval, list(candidates), seats


@st.composite
def crowded(draw):
    """More candidates than seats, every owner choosing `seats` of them in a row, each owner starting one further
    along (wrapping round): most candidates qualify, and ties at the last seat are common."""
    # Half the time every flat is 100 m², so equal heads are equal area too.
    voters, owners = draw(electorates(draw(st.sampled_from([areas, st.just(Decimal("100"))]))))
    seats = draw(st.integers(min_value=2, max_value=4))
    candidates = draw(st.permutations([f"c{i}" for i in range(seats + draw(st.sampled_from([1, 1, 2])))]))
    owner_approval = {
        owner: frozenset(candidates[(index + i) % len(candidates)] for i in range(seats))
        for index, owner in enumerate(owners)
    }
    return voters, owner_approval, list(candidates), seats


@st.composite
def symmetric(draw):
    """Ties by construction: `top` candidates approved by everyone, each of the others by the same number of owners
    of equal area (owners taking turns along the others, `seats` - `top` at a time, evenly)."""
    seats = draw(st.integers(min_value=2, max_value=4))
    top = draw(st.integers(min_value=0, max_value=seats - 2))
    width = seats - top
    names = draw(st.permutations([f"c{i}" for i in range(seats + 1)]))
    tops, others = names[:top], names[top:]
    n = len(others) * draw(st.integers(min_value=1, max_value=3))
    voters = [Voter(key=f"h{i}", area=Decimal("100"), owner=f"o{i}") for i in range(n)]
    owner_approval = {
        f"o{i}": frozenset(tops) | {others[(i + j) % len(others)] for j in range(width)} for i in range(n)
    }
    return voters, owner_approval, list(names), seats


@st.composite
def elections(draw):
    voters, owner_approval, candidates, seats = draw(scattered() | crowded() | symmetric())
    approvals = {v.key: set(owner_approval[v.owner]) for v in voters if owner_approval[v.owner] is not None}
    rule = draw(st.sampled_from(ALL_RULES))
    return rule, voters, approvals, candidates, seats


def figures(election, candidate):
    return election.results[candidate].agree.heads, election.results[candidate].agree.area


@given(elections())
def test_each_result_is_evaluate_with_the_derived_choices(case):
    rule, voters, approvals, candidates, seats = case
    election = elect(rule, voters, approvals, candidates, seats)
    assert list(election.results) == candidates
    for candidate in candidates:
        choices = {
            key: AGREE if len(chosen) <= seats and candidate in chosen else DISAGREE
            for key, chosen in approvals.items()
        }
        assert election.results[candidate] == evaluate(rule, voters, choices)


@given(elections())
def test_the_elected_are_qualified_ranked_and_at_most_seats(case):
    rule, voters, approvals, candidates, seats = case
    election = elect(rule, voters, approvals, candidates, seats)
    qualified = [c for c in candidates if election.results[c].passed]
    assert election.qualified == tuple(qualified)
    assert sorted(election.ranking) == sorted(qualified)
    assert election.ranking == election.elected + election.tied + election.alternates
    assert set(election.elected) <= set(qualified)
    assert len(election.elected) <= seats
    assert election.open_seats == seats - len(election.elected)
    ranked = [figures(election, c) for c in election.ranking]
    assert ranked == sorted(ranked, reverse=True)
    # Nobody tied is elected; without a tie the first `seats` are.
    assert not set(election.tied) & set(election.elected)
    if not election.tied:
        assert election.elected == election.ranking[:seats]
        assert election.alternates == election.ranking[seats:]


@given(elections())
def test_a_tie_is_at_the_last_seat_and_holds_everyone_with_its_figures(case):
    rule, voters, approvals, candidates, seats = case
    election = elect(rule, voters, approvals, candidates, seats)
    if len(election.ranking) > seats and figures(election, election.ranking[seats - 1]) == figures(
        election, election.ranking[seats]
    ):
        boundary = figures(election, election.ranking[seats])
        assert election.tied == tuple(
            c for c in candidates if c in election.ranking and figures(election, c) == boundary
        )
        assert len(election.elected) < seats < len(election.elected) + len(election.tied)
        assert all(figures(election, c) > boundary for c in election.elected)
        assert all(figures(election, c) < boundary for c in election.alternates)
    else:
        assert election.tied == ()
    assert list(election.tied) == [c for c in candidates if c in election.tied]  # ballot order


@given(elections())
def test_invalid_ballots_never_agree(case):
    rule, voters, approvals, candidates, seats = case
    election = elect(rule, voters, approvals, candidates, seats)
    assert election.invalid == tuple(v.key for v in voters if len(approvals.get(v.key, ())) > seats)
    # The same as if those households had agreed with no one (and each candidate's agreement is then counted
    # without them).
    emptied = approvals | {key: set() for key in election.invalid}
    again = elect(rule, voters, emptied, candidates, seats)
    assert (again.results, again.elected, again.tied, again.alternates) == (
        election.results,
        election.elected,
        election.tied,
        election.alternates,
    )
    assert again.invalid == ()
    invalid_heads = {v.owner for v in voters if v.key in election.invalid}
    valid = {v.owner for v in voters if v.key in approvals and v.key not in election.invalid}
    for candidate in candidates:
        assert election.results[candidate].agree.heads <= len(valid)
        assert election.results[candidate].disagree.heads >= len(invalid_heads)


@given(elections(), st.randoms())
def test_the_order_of_the_dicts_and_voters_does_not_change_the_outcome(case, rnd):
    rule, voters, approvals, candidates, seats = case
    election = elect(rule, voters, approvals, candidates, seats)
    shuffled = list(approvals.items())
    rnd.shuffle(shuffled)
    reordered = {key: sorted(chosen, reverse=True) for key, chosen in shuffled}
    assert elect(rule, voters, reordered, candidates, seats) == election
    voters = list(voters)
    rnd.shuffle(voters)
    other = elect(rule, voters, reordered, candidates, seats)
    assert (other.results, other.ranking, other.elected, other.tied, other.alternates) == (
        election.results,
        election.ranking,
        election.elected,
        election.tied,
        election.alternates,
    )
    assert sorted(other.invalid) == sorted(election.invalid)


# --- The residents' representatives' assembly (居民代表会议) ---------------------------------------------------


def representatives(n: int) -> list[Voter]:
    """n representatives, each their own head; area plays no part."""
    return [Voter(key=f"r{i}", area=Decimal("0"), owner=f"r{i}") for i in range(n)]


@pytest.mark.parametrize(
    ("n", "agree", "disagree", "abstain", "passed"),
    [
        # 6 of 9 present (exactly 2/3, "以上" inclusive), 4 of 6 agree: passes.
        (9, 4, 2, 0, True),
        # Exactly half of those present is not a majority.
        (9, 3, 3, 0, False),
        # 5 of 9 present: below 2/3, even if all agree.
        (9, 5, 0, 0, False),
        # Abstaining is being present without agreeing: 4 of 7 present agree.
        (9, 4, 0, 3, True),
        (9, 3, 0, 4, False),
        # Everyone present, one vote short of a majority.
        (10, 5, 5, 0, False),
        (10, 6, 4, 0, True),
    ],
)
def test_the_assembly_rule_is_a_majority_of_those_present_with_two_thirds_present(n, agree, disagree, abstain, passed):
    voters = representatives(n)
    choices, it = {}, iter(voters)
    for choice, count in (("agree", agree), ("disagree", disagree), ("abstain", abstain)):
        for _ in range(count):
            choices[next(it).key] = choice
    outcome = evaluate(RESIDENTS_REPRESENTATIVES_ASSEMBLY, voters, choices)
    assert outcome.passed is passed
    assert outcome.participation_heads == Fraction(agree + disagree + abstain, n)


def test_the_assembly_rule_counts_representatives_not_area():
    # Areas differ wildly (or are left at 0): one representative is one vote all the same.
    voters = [Voter(key=f"r{i}", area=Decimal(area), owner=f"r{i}") for i, area in enumerate(["0", "0", "5000"])]
    choices = {"r0": "agree", "r1": "agree", "r2": "disagree"}
    outcome = evaluate(RESIDENTS_REPRESENTATIVES_ASSEMBLY, voters, choices)
    assert outcome.passed
    assert {check.condition.dimension for check in outcome.checks} == {"heads"}
    assert outcome.needed.area == Decimal("0.00")


def test_the_assembly_rule_is_declared_with_its_texts_and_counts_representatives():
    from django.utils import translation

    rule = RESIDENTS_REPRESENTATIVES_ASSEMBLY
    assert len(rule.conditions) == 2
    assert rule.label and rule.description and len(rule.law) == 2
    # Declared in RULES, for a vote whose electorate is the representatives (proposals.models.rules_for).
    assert RULES[rule.code] is rule and rule.voters == "representatives"
    with translation.override("zh-hans"):
        assert all(translation.gettext(text) != text for text in (rule.label, rule.description, *rule.law))


def test_representatives_can_elect_too():
    voters = representatives(9)
    # 6 of 9 present; a: 4 of them, b: 1.
    approvals = {f"r{i}": {"a"} for i in range(4)} | {"r4": {"b"}, "r5": set()}
    election = elect(RESIDENTS_REPRESENTATIVES_ASSEMBLY, voters, approvals, ["a", "b"], seats=1)
    assert election.elected == ("a",) and election.ranking == ("a",)
    # 5 of 9 present: nobody is elected.
    del approvals["r5"]
    assert elect(RESIDENTS_REPRESENTATIVES_ASSEMBLY, voters, approvals, ["a", "b"], seats=1).elected == ()


def test_every_rule_can_run_an_election():
    voters = flats(12)
    approvals = ballots(voters, (12, "a"))
    for rule in (CIVIL_CODE_MAJOR, CIVIL_CODE_ORDINARY, UNANIMOUS, ELEVATOR_ALL_OWNERS_NO_OBJECTION):
        assert elect(rule, voters, approvals, ["a", "b"], seats=1).elected == ("a",)


def test_the_lists_of_keys_equal_a_list_or_a_tuple_of_the_same_keys():
    voters = [Voter(key=k, owner=k, area=Decimal("80")) for k in ("a", "b", "c")]
    election = elect(UNANIMOUS, voters, {"a": ["x"], "b": ["x"], "c": ["x"]}, ["x", "y"], 1)
    assert election.elected == ["x"] and election.elected == ("x",) and election.tied == [] and election.invalid == ()
    assert election.elected != ["y"] and election.elected != ("x", "y")
    assert hash(election.elected) == hash(("x",))
