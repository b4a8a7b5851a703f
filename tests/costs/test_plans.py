"""Cost plans: editing before voting only, subsidies within the total, coefficients, beneficiaries, and shares
computed from the scope before voting and frozen from the electorate when it opens."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from costs.models import Beneficiary, CostLineItem, CostMethod, CostPlan, FloorCoefficient, Share, Sharers, Subsidy
from costs.selectors import shares_compute
from costs.services import (
    beneficiary_sign_up,
    beneficiary_withdraw,
    coefficients_preset,
    coefficients_set,
    cost_plan_create,
    cost_plan_delete,
    cost_plan_update,
    line_item_add,
    line_item_remove,
    subsidy_add,
    subsidy_remove,
)
from proposals.models import Scope, State
from proposals.services import proposal_withdraw
from tests.costs.conftest import add_plan, consulting, draft, open_voting
from tests.factories import HouseholdBindingFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def by_floor(shares) -> dict[int, set[Decimal]]:
    result: dict[int, set[Decimal]] = {}
    for row in shares.rows:
        result.setdefault(row.floor, set()).add(row.amount)
    return result


# --- The plan and its sums ----------------------------------------------------------------------------------------


def test_the_worked_example_of_the_design(elevator):
    shares = shares_compute(elevator)
    plan = shares.plan
    assert (plan.total, plan.subsidy_total, plan.to_share) == (
        Decimal("500000.00"),
        Decimal("200000.00"),
        Decimal("300000.00"),
    )
    assert by_floor(shares) == {
        1: {Decimal("0.00")},
        2: {Decimal("10000.00")},
        3: {Decimal("20000.00")},
        4: {Decimal("30000.00")},
        5: {Decimal("40000.00")},
        6: {Decimal("50000.00")},
    }
    assert shares.shared == plan.to_share
    assert not shares.frozen


def test_a_plan_is_made_in_draft_or_consultation_once(community, stairwell, committee_user):
    proposal = draft(community, committee_user)
    cost_plan_create(proposal=proposal, by=committee_user, method=CostMethod.EQUAL, sharers=Sharers.SCOPE)
    with pytest.raises(ValidationError, match="already"):
        cost_plan_create(proposal=proposal, by=committee_user, method=CostMethod.AREA, sharers=Sharers.SCOPE)
    assert CostPlan.objects.get(proposal=proposal).method == CostMethod.EQUAL


def test_no_plan_once_voting_opened_or_withdrawn(community, stairwell, committee_user):
    voting = open_voting(consulting(community, committee_user), committee_user)
    withdrawn = proposal_withdraw(proposal=draft(community, committee_user), by=committee_user)
    for proposal in (voting, withdrawn):
        with pytest.raises(ValidationError):
            cost_plan_create(proposal=proposal, by=committee_user, method=CostMethod.EQUAL, sharers=Sharers.SCOPE)
    assert not CostPlan.objects.exists()


def test_subsidies_larger_than_the_total_are_refused(elevator):
    with pytest.raises(ValidationError, match="cannot be more than the total"):
        subsidy_add(proposal=elevator, source="sponsor", amount="300000.01")
    plan = CostPlan.objects.get(proposal=elevator)
    assert plan.subsidy_total == Decimal("200000.00")
    assert Subsidy.objects.filter(plan=plan).count() == 1
    # Exactly the total is allowed: the households then share nothing.
    subsidy_add(proposal=elevator, source="sponsor", amount="300000.00")
    plan.refresh_from_db()
    assert plan.to_share == 0


def test_removing_an_item_may_not_leave_subsidies_above_the_total(elevator):
    item = CostLineItem.objects.get(plan__proposal=elevator)
    with pytest.raises(ValidationError, match="cannot be more than the total"):
        line_item_remove(proposal=elevator, item_id=item.pk)
    assert CostLineItem.objects.filter(pk=item.pk).exists()
    subsidy_remove(proposal=elevator, subsidy_id=Subsidy.objects.get(plan__proposal=elevator).pk)
    line_item_remove(proposal=elevator, item_id=item.pk)
    plan = CostPlan.objects.get(proposal=elevator)
    assert (plan.total, plan.subsidy_total) == (0, 0)


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "abc", "", "1e3x", "NaN", "99999999999"])
def test_bad_amounts_are_refused(elevator, amount):
    with pytest.raises(ValidationError):
        line_item_add(proposal=elevator, description="门禁", amount=amount)
    assert CostLineItem.objects.filter(plan__proposal=elevator).count() == 1


def test_an_item_needs_a_description_and_a_quote_of_this_proposal(elevator, community, committee_user):
    with pytest.raises(ValidationError):
        line_item_add(proposal=elevator, description="  ", amount="10")
    assert CostLineItem.objects.filter(plan__proposal=elevator).count() == 1


def test_sharing_by_number_needs_beneficiaries(elevator):
    with pytest.raises(ValidationError, match="beneficiaries"):
        cost_plan_update(proposal=elevator, method=CostMethod.WEIGHT)
    assert CostPlan.objects.get(proposal=elevator).method == CostMethod.FLOOR
    cost_plan_update(proposal=elevator, method=CostMethod.WEIGHT, sharers=Sharers.BENEFICIARIES)
    assert CostPlan.objects.get(proposal=elevator).method == CostMethod.WEIGHT


# --- Locking ------------------------------------------------------------------------------------------------------


def test_opening_voting_locks_the_plan_and_every_edit_is_refused(elevator, committee_user):
    item = CostLineItem.objects.get(plan__proposal=elevator)
    subsidy = Subsidy.objects.get(plan__proposal=elevator)
    open_voting(elevator, committee_user)
    plan = CostPlan.objects.get(proposal=elevator)
    assert plan.is_locked
    edits = [
        lambda: cost_plan_update(proposal=elevator, method=CostMethod.EQUAL),
        lambda: line_item_add(proposal=elevator, description="加价", amount="1.00"),
        lambda: line_item_remove(proposal=elevator, item_id=item.pk),
        lambda: subsidy_add(proposal=elevator, source="sponsor", amount="1.00"),
        lambda: subsidy_remove(proposal=elevator, subsidy_id=subsidy.pk),
        lambda: coefficients_set(proposal=elevator, coefficients={2: Decimal(5)}),
        lambda: coefficients_preset(proposal=elevator),
        lambda: cost_plan_delete(proposal=elevator),
    ]
    for edit in edits:
        with pytest.raises(ValidationError, match="new proposal"):
            edit()
    after = CostPlan.objects.get(proposal=elevator)
    assert (after.method, after.total, after.subsidy_total) == (CostMethod.FLOOR, plan.total, plan.subsidy_total)
    assert not FloorCoefficient.objects.filter(plan=plan).exists()


def test_a_plan_that_cannot_be_shared_keeps_voting_closed(garage, committee_user):
    # Shared among beneficiaries, and nobody signed up: households would vote on a cost nobody pays.
    with pytest.raises(ValidationError, match="Nobody shares"):
        open_voting(garage, committee_user)
    garage.refresh_from_db()
    assert garage.state == State.CONSULTATION
    assert not garage.electors.exists()
    assert not CostPlan.objects.get(proposal=garage).is_locked


def test_zero_coefficients_everywhere_keep_voting_closed(elevator, stairwell, committee_user):
    coefficients_set(proposal=elevator, coefficients=dict.fromkeys(range(1, 7), Decimal(0)))
    with pytest.raises(ValidationError, match="zero"):
        open_voting(elevator, committee_user)
    elevator.refresh_from_db()
    assert elevator.state == State.CONSULTATION


def test_a_plan_sharing_nothing_opens(community, stairwell, committee_user):
    proposal = consulting(community, committee_user)
    add_plan(proposal, committee_user, items=(), subsidies=())
    open_voting(proposal, committee_user)
    assert {row.amount for row in shares_compute(proposal).rows} == {Decimal("0.00")}


def test_without_a_plan_voting_opens_as_before(community, stairwell, committee_user):
    proposal = open_voting(consulting(community, committee_user), committee_user)
    assert proposal.state == State.VOTING
    assert shares_compute(proposal) is None


# --- Coefficients -------------------------------------------------------------------------------------------------


def test_the_floors_ridden_preset_fills_floor_minus_one(elevator):
    coefficients_preset(proposal=elevator)
    table = dict(FloorCoefficient.objects.filter(plan__proposal=elevator).values_list("floor", "coefficient"))
    assert table == {f: Decimal(f - 1) for f in range(1, 7)}


def test_coefficients_are_editable_and_change_the_shares(elevator):
    coefficients_set(proposal=elevator, coefficients={1: 0, 2: 0, 3: "0.7", 4: "0.8", 5: "0.9", 6: "1"})
    # k sums to 6.8 over 12 households; the 4 leftover fen go to floors 4 and 6 (the largest remainders).
    assert by_floor(shares_compute(elevator)) == {
        1: {Decimal("0.00")},
        2: {Decimal("0.00")},
        3: {Decimal("30882.35")},
        4: {Decimal("35294.12")},
        5: {Decimal("39705.88")},
        6: {Decimal("44117.65")},
    }


@pytest.mark.parametrize("value", ["-0.1", "1000", "0.0001", "x"])
def test_bad_coefficients_are_refused_and_keep_the_table(elevator, value):
    coefficients_preset(proposal=elevator)
    with pytest.raises(ValidationError, match="Floor 3"):
        coefficients_set(proposal=elevator, coefficients={1: 0, 3: value})
    assert FloorCoefficient.objects.filter(plan__proposal=elevator).count() == 6


# --- Beneficiaries ------------------------------------------------------------------------------------------------


def test_sign_up_with_a_number_and_the_shares_follow(garage, stairwell, residents):
    # 30,000 − 10,000 sponsored = 20,000 over 2 + 1 + 3 e-bikes.
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight="2")
    beneficiary_sign_up(proposal=garage, household=stairwell[5], by=residents[5], weight=1)
    beneficiary_sign_up(proposal=garage, household=stairwell[9], by=residents[9], weight="3")
    shares = shares_compute(garage).by_household
    assert {pk: row.amount for pk, row in shares.items()} == {
        stairwell[0].pk: Decimal("6666.67"),
        stairwell[5].pk: Decimal("3333.33"),
        stairwell[9].pk: Decimal("10000.00"),
    }
    # Changing the number replaces it; it does not sign up twice.
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight="1")
    assert Beneficiary.objects.filter(household=stairwell[0]).count() == 1
    assert shares_compute(garage).by_household[stairwell[0].pk].amount == Decimal("4000.00")


def test_withdrawing_keeps_a_record_and_stops_sharing(garage, stairwell, residents):
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=2)
    beneficiary_sign_up(proposal=garage, household=stairwell[1], by=residents[1], weight=2)
    beneficiary_withdraw(proposal=garage, household=stairwell[0], by=residents[0])
    record = Beneficiary.objects.get(household=stairwell[0])
    assert record.withdrawn_at is not None and record.withdrawn_by == residents[0]
    assert list(shares_compute(garage).by_household) == [stairwell[1].pk]
    with pytest.raises(ValidationError, match="not signed up"):
        beneficiary_withdraw(proposal=garage, household=stairwell[0], by=residents[0])
    # Signing up again brings it back.
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=1)
    assert Beneficiary.objects.get(household=stairwell[0]).withdrawn_at is None


@pytest.mark.parametrize("weight", ["0", "-1", "1000", "1.234", "two", "", "inf"])
def test_bad_numbers_are_refused(garage, stairwell, residents, weight):
    with pytest.raises(ValidationError):
        beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=weight)
    assert not Beneficiary.objects.exists()


def test_sign_up_only_for_households_in_scope(garage, community, committee_user, stairwell):
    outsider = HouseholdFactory(entrance__building__community=community)
    user = HouseholdBindingFactory(household=outsider).user
    with pytest.raises(ValidationError, match="not in the scope"):
        beneficiary_sign_up(proposal=garage, household=outsider, by=user, weight=1)
    assert not Beneficiary.objects.exists()


def test_sign_up_only_in_consultation(community, stairwell, residents, committee_user):
    proposal = draft(community, committee_user)
    add_plan(proposal, committee_user, method=CostMethod.EQUAL, sharers=Sharers.BENEFICIARIES)
    with pytest.raises(ValidationError, match="consultation"):
        beneficiary_sign_up(proposal=proposal, household=stairwell[0], by=residents[0])
    consulting_now = proposal.__class__.objects.get(pk=proposal.pk)
    from proposals.services import proposal_start_consultation

    proposal_start_consultation(proposal=consulting_now, by=committee_user)
    beneficiary_sign_up(proposal=proposal, household=stairwell[0], by=residents[0])
    open_voting(proposal, committee_user)
    with pytest.raises(ValidationError, match="consultation"):
        beneficiary_sign_up(proposal=proposal, household=stairwell[1], by=residents[1])
    with pytest.raises(ValidationError, match="consultation"):
        beneficiary_withdraw(proposal=proposal, household=stairwell[0], by=residents[0])
    assert Beneficiary.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_sign_up_only_where_the_plan_asks_for_beneficiaries(elevator, stairwell, residents):
    with pytest.raises(ValidationError, match="not shared by beneficiaries"):
        beneficiary_sign_up(proposal=elevator, household=stairwell[0], by=residents[0])


def test_without_the_weight_method_a_sign_up_counts_one(community, stairwell, residents, committee_user):
    proposal = consulting(community, committee_user)
    add_plan(proposal, committee_user, method=CostMethod.EQUAL, sharers=Sharers.BENEFICIARIES)
    beneficiary_sign_up(proposal=proposal, household=stairwell[0], by=residents[0], weight="7")
    assert Beneficiary.objects.get().weight == 1


# --- Frozen shares ------------------------------------------------------------------------------------------------


def test_before_voting_the_shares_follow_the_roster(community, stairwell, committee_user):
    proposal = consulting(community, committee_user)
    add_plan(proposal, committee_user, method=CostMethod.AREA)
    before = shares_compute(proposal).by_household[stairwell[0].pk].amount
    stairwell[0].area = Decimal("200.00")
    stairwell[0].save()
    assert shares_compute(proposal).by_household[stairwell[0].pk].amount > before


def test_from_opening_the_shares_are_frozen_from_the_electorate(community, stairwell, committee_user):
    proposal = consulting(community, committee_user)
    add_plan(proposal, committee_user, method=CostMethod.AREA)
    open_voting(proposal, committee_user)
    frozen = {pk: row.amount for pk, row in shares_compute(proposal).by_household.items()}
    assert set(frozen.values()) == {Decimal("25000.00")}
    # The roster changes after opening: an area, a floor, a new household in scope.
    stairwell[0].area, stairwell[0].floor = Decimal("200.00"), 9
    stairwell[0].save()
    HouseholdFactory(entrance=stairwell[0].entrance, area=Decimal("500.00"))
    shares = shares_compute(proposal)
    assert shares.frozen
    assert {pk: row.amount for pk, row in shares.by_household.items()} == frozen
    assert Share.objects.filter(plan__proposal=proposal).count() == 12


def test_the_frozen_shares_use_the_electorates_areas(community, stairwell, committee_user):
    # The electorate is frozen in the same transaction, so an area set before opening is what counts.
    stairwell[0].area = Decimal("300.00")
    stairwell[0].save()
    proposal = consulting(community, committee_user)
    add_plan(proposal, committee_user, method=CostMethod.AREA, items=(("x", "1400.00"),), subsidies=())
    open_voting(proposal, committee_user)
    shares = shares_compute(proposal).by_household
    assert shares[stairwell[0].pk].amount == Decimal("300.00")
    assert shares[stairwell[1].pk].amount == Decimal("100.00")


def test_the_order_is_building_entrance_floor_room_and_stable(community, stairwell, committee_user):
    proposal = consulting(community, committee_user)
    add_plan(proposal, committee_user, method=CostMethod.EQUAL, items=(("x", "100.00"),), subsidies=())
    first = shares_compute(proposal)
    assert [(row.floor, row.room) for row in first.rows] == [(f, f"{f}0{r}") for f in range(1, 7) for r in (1, 2)]
    # 100.00 over 12: 8.33 each and 4 leftover fen to the first four in that order.
    assert [row.amount for row in first.rows] == [Decimal("8.34")] * 4 + [Decimal("8.33")] * 8
    assert [(r.household_id, r.amount) for r in shares_compute(proposal).rows] == [
        (r.household_id, r.amount) for r in first.rows
    ]


# --- Live shares are cached until something they depend on changes ------------------------------------------------


def test_live_shares_are_cached_and_recomputed_on_every_change(
    community, stairwell, committee_user, django_assert_num_queries
):
    proposal = consulting(community, committee_user, scope=Scope.ENTRANCES, entrances=[stairwell[0].entrance])
    add_plan(proposal, committee_user, method=CostMethod.FLOOR_AREA, items=(("x", "1000.00"),), subsidies=())
    plan = CostPlan.objects.get(proposal=proposal)

    def amounts():
        fresh_plan = CostPlan.objects.get(pk=plan.pk)
        fresh = proposal.__class__.objects.get(pk=proposal.pk)
        return {pk: row.amount for pk, row in shares_compute(fresh, plan=fresh_plan).by_household.items()}

    first = amounts()
    assert proposal.community  # loaded, as on every page
    with django_assert_num_queries(1):  # the fingerprint only
        again = shares_compute(proposal, plan=plan)
    assert {pk: row.amount for pk, row in again.by_household.items()} == first

    # Two households swap their areas: the sum of the areas stays, the checksum does not.
    top, low = stairwell[10], stairwell[0]
    top.area, low.area = Decimal("150.00"), Decimal("50.00")
    top.save()
    low.save()
    swapped = amounts()
    assert swapped != first
    top.area, low.area = Decimal("50.00"), Decimal("150.00")
    top.save()
    low.save()
    assert amounts() != swapped

    coefficients_set(proposal=proposal, coefficients={f: Decimal(f) for f in range(1, 7)})
    with_table = amounts()
    assert with_table[stairwell[0].pk] > Decimal("0.00")

    from proposals.services import proposal_update

    proposal_update(proposal=proposal, by=committee_user, scope=Scope.HOUSEHOLDS, households=stairwell[:2])
    assert set(amounts()) == {stairwell[0].pk, stairwell[1].pk}


def test_changing_a_number_is_seen_at_once(garage, stairwell, residents):
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=1)
    beneficiary_sign_up(proposal=garage, household=stairwell[1], by=residents[1], weight=1)
    assert shares_compute(garage).by_household[stairwell[0].pk].amount == Decimal("10000.00")
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=3)
    assert shares_compute(garage).by_household[stairwell[0].pk].amount == Decimal("15000.00")
