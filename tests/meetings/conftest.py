"""Fixtures for meetings: a community with a committee, proposals in any state, a meeting made by the services."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from meetings.models import Organiser
from meetings.services import meeting_create
from proposals.models import Category, State
from tests.factories import proposal_in_state


def make_proposal(community, by, state: str = State.DRAFT, **kwargs):
    fields = {"title": "电动车车库", "summary": "在3号楼旁建电动车车库", "category": Category.OTHER} | kwargs
    return proposal_in_state(community, by, state, **fields)


def window(days: int = 20, hours: int = 72):
    opens = timezone.now() + timedelta(days=days)
    return opens, opens + timedelta(hours=hours)


def make_meeting(community, by, *, days: int = 20, **kwargs):
    opens, closes = window(days)
    fields = {
        "title": "2027年第一次业主大会会议",
        "organiser": Organiser.COMMITTEE,
        "voting_opens_at": opens,
        "voting_closes_at": closes,
    } | kwargs
    return meeting_create(community=community, by=by, **fields)


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are checked in their English source words (the Chinese catalogue is checked on the pages)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def committee(actors):
    return actors.users["committee"]


@pytest.fixture
def meeting(actors, committee):
    return make_meeting(actors.community, committee)
