"""Fixtures for text messages: a community of a few households with phones and a proposal open for voting."""

from datetime import datetime

import pytest
from django.utils import timezone, translation

from proposals.models import Category, State
from tests.factories import EntranceFactory, HouseholdFactory, OwnerFactory, proposal_in_state


def beijing(year, month, day, hour, minute=0):
    return timezone.make_aware(datetime(year, month, day, hour, minute), timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def estate(actors):
    """Six more households of `actors.community` over two entrances; one owner holds two flats, one has no phone."""
    community = actors.community
    first = actors.household_obj.entrance
    second = EntranceFactory(building=first.building, name="2单元")
    twice = OwnerFactory(community=community, name="两套房")
    households = [
        HouseholdFactory(entrance=first, owner=twice),
        HouseholdFactory(entrance=first, owner=twice),
        HouseholdFactory(entrance=first),
        HouseholdFactory(entrance=second),
        HouseholdFactory(entrance=second),
        HouseholdFactory(entrance=second, owner=OwnerFactory(community=community, phone="")),
    ]
    return [actors.household_obj, *households]


@pytest.fixture
def voting(actors, estate):
    committee = actors.users["committee"]
    return proposal_in_state(
        actors.community, committee, State.VOTING, title="电动车车库", summary="建车库", category=Category.OTHER
    )
