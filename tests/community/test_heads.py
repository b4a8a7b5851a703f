"""Heads as the law counts them: one per household, one per multi-flat owner, one for the developer."""

from decimal import Decimal

import pytest

from community.models import Owner
from community.selectors import community_totals

pytestmark = pytest.mark.django_db


def test_multi_household_owner_is_one_head(community, entrance_factory, household_factory, owner_factory):
    entrance = entrance_factory(building__community=community)
    owner = owner_factory(community=community)
    household_factory(entrance=entrance, room="101", owner=owner, area=Decimal("80.00"))
    household_factory(entrance=entrance, room="102", owner=owner, area=Decimal("60.50"))
    household_factory(entrance=entrance, room="201", area=Decimal("90.00"))
    totals = community_totals(community)
    assert (totals.households, totals.heads, totals.area) == (3, 2, Decimal("230.50"))


def test_all_developer_flats_are_one_head(community, entrance_factory, household_factory, owner_factory):
    entrance = entrance_factory(building__community=community)
    developer = owner_factory(community=community, kind=Owner.Kind.DEVELOPER, name="开发商", phone="")
    for room in ("101", "102", "201"):
        household_factory(entrance=entrance, room=room, owner=developer, developer_held=True)
    household_factory(entrance=entrance, room="202")
    totals = community_totals(community)
    assert (totals.households, totals.heads) == (4, 2)


def test_same_name_different_phone_are_two_heads(community, entrance_factory, household_factory, owner_factory):
    entrance = entrance_factory(building__community=community)
    household_factory(entrance=entrance, room="101", owner=owner_factory(community=community, name="张伟"))
    household_factory(entrance=entrance, room="102", owner=owner_factory(community=community, name="张伟"))
    assert community_totals(community).heads == 2
