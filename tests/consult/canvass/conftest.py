"""Fixtures for canvassing: a small 山水名城 with two stairwells and a second building, canvassers and a proposal."""

import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest

from community.models import Role
from consult.services import assignment_create, visit_record
from proposals.models import Category, State
from tests.factories import CommunityFactory, EntranceFactory, HouseholdFactory, RoleFactory, proposal_in_state


def make_proposal(community, by, state: str = State.CONSULTATION, **kwargs):
    """A proposal of `community` moved through the services to `state`."""
    fields = {"title": "电动车充电车库", "summary": "建一个300平方米的车库", "category": Category.OTHER} | kwargs
    return proposal_in_state(community, by, state, **fields)


def record(proposal, household, canvasser, **kwargs):
    """visit_record with a fresh key and "met, support" unless told otherwise; returns the visit."""
    fields = {
        "outcome": "met",
        "stance": "support",
        "demands": "",
        "tag_ids": (),
        "follow_up_on": None,
        "visited_at": None,
        "idempotency_key": uuid.uuid4().hex,
    } | kwargs
    if fields["outcome"] != "met" and "stance" not in kwargs:
        fields["stance"] = ""
    visit, _created = visit_record(proposal=proposal, household=household, canvasser=canvasser, **fields)
    return visit


@pytest.fixture
def site(db):
    """山水名城: 3号楼5单元 (6 floors × 2 = 12 households), 3号楼6单元 (2 × 2 = 4), 4号楼1单元 (2 × 1 = 2).

    People: committee, secretary, canvasser_a (assigned to 3号楼5单元), canvasser_b (assigned to the whole of
    4号楼), a party member without an assignment, a household member. `proposal` is in consultation.
    """
    community = CommunityFactory(slug="shanshui", name="山水名城")
    a = EntranceFactory(building__community=community, building__name="3", name="5")
    b = EntranceFactory(building=a.building, name="6")
    c = EntranceFactory(building__community=community, building__name="4", name="1")
    area = Decimal("90.00")
    households_a = [
        HouseholdFactory(entrance=a, room=f"{floor}0{r}", floor=floor, area=area, owner__phone=f"1380000{floor}{r:03d}")
        for floor in range(6, 0, -1)
        for r in (1, 2)
    ]
    households_b = [HouseholdFactory(entrance=b, room=f"{f}0{r}", floor=f, area=area) for f in (2, 1) for r in (1, 2)]
    households_c = [HouseholdFactory(entrance=c, room=f"{f}01", floor=f, area=area) for f in (2, 1)]
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE, user__display_name="李主任").user
    secretary = RoleFactory(community=community, kind=Role.Kind.SECRETARY).user
    canvasser_a = RoleFactory(community=community, kind=Role.Kind.CANVASSER, user__display_name="高桂兰").user
    canvasser_b = RoleFactory(community=community, kind=Role.Kind.CANVASSER, user__display_name="网格员王").user
    party = RoleFactory(community=community, kind=Role.Kind.PARTY, user__display_name="党员张").user
    proposal = make_proposal(community, committee)
    assignment_create(proposal=proposal, canvasser=canvasser_a, entrance=a, by=committee)
    assignment_create(proposal=proposal, canvasser=canvasser_b, building=c.building, by=committee)
    return SimpleNamespace(
        community=community,
        entrance_a=a,
        entrance_b=b,
        entrance_c=c,
        a=households_a,
        b=households_b,
        c=households_c,
        committee=committee,
        secretary=secretary,
        canvasser_a=canvasser_a,
        canvasser_b=canvasser_b,
        party=party,
        proposal=proposal,
    )


@pytest.fixture
def english():
    """Service messages in English, so tests can match them whatever the catalogue says."""
    from django.utils import translation

    with translation.override("en"):
        yield
