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


def open_voting_now(meeting, by=None):
    """Publish `meeting`'s notice (its window far enough ahead), then move its window to now — as if the notice
    period had passed — and open voting through the service the scheduled job calls."""
    from lifecycle.services import meeting_open_voting
    from meetings.models import Meeting
    from meetings.services import meeting_publish_notice

    meeting.refresh_from_db()
    if meeting.is_draft:
        meeting_publish_notice(meeting=meeting, by=by or meeting.created_by)
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_opens_at=now - timedelta(minutes=1), voting_closes_at=now + timedelta(days=3)
    )
    meeting.refresh_from_db()
    return meeting_open_voting(meeting=meeting)


def end_window(meeting):
    """Move the meeting's window (and its matters') into the past, as if its deadline had passed."""
    from meetings.models import AgendaItem, Meeting
    from proposals.models import Proposal

    past = timezone.now() - timedelta(seconds=1)
    Meeting.objects.filter(pk=meeting.pk).update(voting_closes_at=past, voting_opens_at=past - timedelta(days=1))
    Proposal.objects.filter(pk__in=AgendaItem.objects.filter(meeting=meeting).values("proposal")).update(
        voting_closes_at=past
    )
    meeting.refresh_from_db()


@pytest.fixture
def voting_meeting(db):
    """A community of 8 flats (flats 0 and 1 of one owner), a meeting open for voting with two matters (ordinary and
    major rules) and an election of 2 seats among 3 candidates. Namespace: community, committee, meeting, matters,
    election, candidates, households, user (bound to households[2])."""
    from types import SimpleNamespace

    from community.models import Household, Role
    from meetings.services import agenda_election_add, agenda_matter_add, candidate_add
    from proposals.models import RuleCode
    from tests.factories import HouseholdBindingFactory, RoleFactory, build_community

    community = build_community(buildings=1, entrances=2, floors=2, rooms_per_floor=2)
    households = list(Household.objects.of(community).order_by("entrance__name", "room"))
    households[1].owner = households[0].owner
    households[1].save(update_fields=["owner"])
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    meeting = make_meeting(community, committee)
    matters = [
        make_proposal(community, committee, State.CONSULTATION, title="电动车车库"),
        make_proposal(community, committee, State.CONSULTATION, title="使用维修资金", rule=RuleCode.CIVIL_CODE_MAJOR),
    ]
    for matter in matters:
        agenda_matter_add(meeting=meeting, by=committee, proposal=matter)
    election = agenda_election_add(meeting=meeting, by=committee, title="第二届业主委员会", seats=2)
    candidates = [candidate_add(election=election, by=committee, name=name) for name in ("王芳", "李强", "张伟")]
    open_voting_now(meeting, committee)
    meeting.refresh_from_db()
    for matter in matters:
        matter.refresh_from_db()
    return SimpleNamespace(
        community=community,
        committee=committee,
        meeting=meeting,
        matters=matters,
        election=election,
        candidates=candidates,
        households=households,
        user=HouseholdBindingFactory(household=households[2]).user,
    )
