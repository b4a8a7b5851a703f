"""Fixtures for cost sharing: the stairwell of tests/voting, proposals with a plan in any state, helpers to pass
or fail a vote through the real services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from costs.models import CostMethod, Sharers
from costs.services import cost_plan_create, line_item_add, subsidy_add
from lifecycle.services import proposal_close, proposal_open_voting
from proposals.models import Category, Scope
from proposals.services import proposal_create, proposal_start_consultation
from tests.factories import HouseholdFactory
from tests.voting.conftest import committee_user, residents, secretary_user, stairwell  # noqa: F401
from voting.models import Channel, Choice, Elector
from voting.services import ballot_cast


@pytest.fixture(autouse=True)
def _english():
    """Service messages are matched in English; pages render in the language of the request (Chinese by default)."""
    with translation.override("en"):
        yield


def draft(community, by, **kwargs):
    fields = {"title": "加装电梯", "summary": "3号楼5单元加装电梯", "category": Category.OTHER} | kwargs
    return proposal_create(community=community, by=by, **fields)


def consulting(community, by, **kwargs):
    return proposal_start_consultation(proposal=draft(community, by, **kwargs), by=by)


def add_plan(
    proposal,
    by,
    *,
    method=CostMethod.AREA,
    sharers=Sharers.SCOPE,
    items=(("电梯设备及安装", "500000.00"),),
    subsidies=(("government", "200000.00"),),
    weight_label="",
):
    plan = cost_plan_create(proposal=proposal, by=by, method=method, sharers=sharers, weight_label=weight_label)
    for description, amount in items:
        line_item_add(proposal=proposal, description=description, amount=amount, supplier="某电梯公司")
    for source, amount in subsidies:
        subsidy_add(proposal=proposal, source=source, amount=amount)
    plan.refresh_from_db()
    return plan


def open_voting(proposal, by):
    return proposal_open_voting(proposal=proposal, by=by, closes_at=timezone.now() + timedelta(days=7))


def vote_all(proposal, by, choice=Choice.AGREE):
    """Every household of the electorate casts `choice` (recorded online, `by` as the recorder)."""
    for elector in Elector.objects.filter(proposal=proposal).select_related("household"):
        ballot_cast(proposal=proposal, household=elector.household, choice=choice, channel=Channel.ONLINE, by=by)


def pass_it(proposal, by):
    vote_all(proposal, by, Choice.AGREE)
    proposal = proposal_close(proposal=proposal, by=by)
    assert proposal.passed
    return proposal


def fail_it(proposal, by):
    vote_all(proposal, by, Choice.DISAGREE)
    proposal = proposal_close(proposal=proposal, by=by)
    assert proposal.passed is False
    return proposal


@pytest.fixture
def elevator(community, stairwell, committee_user):  # noqa: F811
    """DESIGN.md's worked example in consultation, scoped to the stairwell: C = 500,000, S = 200,000, floors ridden."""
    proposal = consulting(community, committee_user, scope=Scope.ENTRANCES, entrances=[stairwell[0].entrance])
    add_plan(proposal, committee_user, method=CostMethod.FLOOR)
    return proposal


@pytest.fixture
def garage(community, stairwell, committee_user):  # noqa: F811
    """An e-bike garage shared by the number of e-bikes among the households that sign up."""
    proposal = consulting(
        community,
        committee_user,
        title="电动车车棚",
        summary="建设电动车充电车棚",
        scope=Scope.ENTRANCES,
        entrances=[stairwell[0].entrance],
    )
    add_plan(
        proposal,
        committee_user,
        method=CostMethod.WEIGHT,
        sharers=Sharers.BENEFICIARIES,
        items=(("车棚及充电桩", "30000.00"),),
        subsidies=(("sponsor", "10000.00"),),
        weight_label="辆电动车",
    )
    return proposal


@pytest.fixture
def billed(actors):
    """A passed proposal of actors.community (its household and three more, shared by area) with its bills."""
    committee = actors.users["committee"]
    entrance = actors.household_obj.entrance
    for room, area in (("601", "120.00"), ("602", "60.00"), ("701", "30.50")):
        HouseholdFactory(entrance=entrance, room=room, floor=int(room[0]), area=Decimal(area))
    proposal = consulting(actors.community, committee)
    add_plan(proposal, committee, items=(("单元门", "3000.00"),), subsidies=(("sponsor", "1000.00"),))
    open_voting(proposal, committee)
    return pass_it(proposal, committee)


YUAN = Decimal("0.01")
