"""The meeting services: dates, the notice period, matters and candidates, and the agenda frozen by the notice."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lifecycle.services import proposal_open_voting
from meetings.models import AgendaItem, Candidate, MeetingState
from meetings.services import (
    agenda_election_add,
    agenda_item_remove,
    agenda_matter_add,
    agenda_move,
    candidate_add,
    candidate_remove,
    meeting_publish_notice,
    meeting_settings_set,
)
from proposals.models import Scope, State
from tests.factories import BuildingFactory, HouseholdFactory
from tests.meetings.conftest import make_meeting, make_proposal

pytestmark = pytest.mark.django_db


def ready(meeting, committee, candidates=3, seats=2):
    """The meeting with one matter and one election of `candidates` for `seats`."""
    agenda_matter_add(meeting=meeting, by=committee, proposal=make_proposal(meeting.community, committee))
    election = agenda_election_add(meeting=meeting, by=committee, title="第二届业主委员会", seats=seats)
    for n in range(candidates):
        candidate_add(election=election, by=committee, name=f"候选人{n}")
    return election


# --- Dates ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens_in", "closes_after", "message"),
    [
        (timedelta(days=-1), timedelta(days=3), "Voting must open in the future."),
        (timedelta(days=20), timedelta(0), "Voting must close after it opens."),
        (timedelta(days=20), -timedelta(hours=1), "Voting must close after it opens."),
        (timedelta(days=5000), timedelta(days=3), "Enter a date between"),
    ],
)
def test_bad_windows_are_refused(actors, committee, opens_in, closes_after, message):
    opens = timezone.now() + opens_in
    with pytest.raises(ValidationError, match=message):
        make_meeting(actors.community, committee, voting_opens_at=opens, voting_closes_at=opens + closes_after)
    assert not actors.community.meetings.exists()


def test_a_building_of_another_community_is_refused(actors, committee):
    other = BuildingFactory(community=actors.other_community)
    with pytest.raises(ValidationError, match="one of this community's buildings"):
        make_meeting(actors.community, committee, building=other)


# --- The notice period ---------------------------------------------------------------------------------------


def test_the_notice_period_boundary(actors, committee):
    meeting = make_meeting(actors.community, committee)
    ready(meeting, committee)
    # 15 days to the minute before voting opens: published; one minute later: too late.
    with pytest.raises(ValidationError, match="at least 15 days"):
        meeting_publish_notice(
            meeting=meeting, by=committee, now=meeting.voting_opens_at - timedelta(days=15) + timedelta(minutes=1)
        )
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.DRAFT
    published = meeting_publish_notice(meeting=meeting, by=committee, now=meeting.voting_opens_at - timedelta(days=15))
    assert published.state == MeetingState.NOTICE
    assert published.notice_published_at == meeting.voting_opens_at - timedelta(days=15)


def test_the_community_setting_changes_the_minimum(actors, committee):
    meeting = make_meeting(actors.community, committee)
    ready(meeting, committee)
    meeting_settings_set(community=actors.community, minimum_notice_days=30)
    with pytest.raises(ValidationError, match="at least 30 days"):
        meeting_publish_notice(meeting=meeting, by=committee)
    meeting_settings_set(community=actors.community, minimum_notice_days=10)
    assert meeting_publish_notice(meeting=meeting, by=committee).state == MeetingState.NOTICE


def test_an_empty_agenda_is_not_published(meeting, committee):
    with pytest.raises(ValidationError, match="agenda is empty"):
        meeting_publish_notice(meeting=meeting, by=committee)


def test_an_election_needs_as_many_candidates_as_seats(meeting, committee):
    election = ready(meeting, committee, candidates=1, seats=2)
    with pytest.raises(ValidationError, match="1 candidate for 2 seats"):
        meeting_publish_notice(meeting=meeting, by=committee)
    candidate_add(election=election, by=committee, name="王芳")
    assert meeting_publish_notice(meeting=meeting, by=committee).state == MeetingState.NOTICE


def test_every_problem_is_told_at_once(actors, committee):
    meeting = make_meeting(actors.community, committee, days=3)
    agenda_election_add(meeting=meeting, by=committee, title="业委会", seats=7)
    with pytest.raises(ValidationError) as caught:
        meeting_publish_notice(meeting=meeting, by=committee)
    assert len(caught.value.messages) == 2


# --- Frozen after the notice ----------------------------------------------------------------------------------


def test_the_agenda_and_candidates_are_frozen_once_published(meeting, committee, actors):
    election = ready(meeting, committee)
    matter = meeting.items.get(kind=AgendaItem.Kind.MATTER)
    meeting_publish_notice(meeting=meeting, by=committee)
    frozen = "can no longer be changed"
    attempts = [
        lambda: agenda_matter_add(meeting=meeting, by=committee, proposal=make_proposal(actors.community, committee)),
        lambda: agenda_election_add(meeting=meeting, by=committee, title="监事会", seats=1),
        lambda: candidate_add(election=election, by=committee, name="新人"),
        lambda: candidate_remove(candidate=election.candidates.first(), by=committee),
        lambda: agenda_move(item=matter, by=committee, up=False),
        lambda: agenda_item_remove(item=matter, by=committee),
        lambda: meeting_publish_notice(meeting=meeting, by=committee),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match=frozen):
            attempt()
    assert [i.kind for i in meeting.items.all()] == ["matter", "election"]
    assert election.candidates.count() == 3


# --- Matters ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.DRAFT, State.CONSULTATION])
def test_a_proposal_being_prepared_becomes_a_matter(meeting, committee, actors, state):
    proposal = make_proposal(actors.community, committee, state)
    item = agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    assert (item.position, item.proposal) == (1, proposal)


@pytest.mark.parametrize("state", [State.VOTING, State.CLOSED, State.WITHDRAWN])
def test_a_proposal_past_preparation_is_refused(meeting, committee, actors, state):
    proposal = make_proposal(actors.community, committee, state)
    with pytest.raises(ValidationError, match="Only a draft or a proposal in consultation"):
        agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    assert not meeting.items.exists()


def test_another_communitys_proposal_is_refused(meeting, committee, actors):
    other = make_proposal(actors.other_community, actors.users["other_committee"])
    with pytest.raises(ValidationError, match="Only this community's proposals"):
        agenda_matter_add(meeting=meeting, by=committee, proposal=other)
    assert not meeting.items.exists()


def test_a_proposal_is_on_one_agenda_only(meeting, committee, actors):
    proposal = make_proposal(actors.community, committee)
    agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    second = make_meeting(actors.community, committee)
    for target in (meeting, second):
        with pytest.raises(ValidationError, match="already on a meeting's agenda"):
            agenda_matter_add(meeting=target, by=committee, proposal=proposal)


def test_a_building_meeting_takes_only_proposals_within_the_building(actors, committee):
    building = actors.household_obj.entrance.building
    other_building = BuildingFactory(community=actors.community)
    meeting = make_meeting(actors.community, committee, building=building)
    whole = make_proposal(actors.community, committee)
    elsewhere = make_proposal(actors.community, committee, scope=Scope.BUILDINGS, buildings=[other_building])
    for proposal in (whole, elsewhere):
        with pytest.raises(ValidationError, match="beyond the building"):
            agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    inside = make_proposal(actors.community, committee, scope=Scope.BUILDINGS, buildings=[building])
    assert agenda_matter_add(meeting=meeting, by=committee, proposal=inside).proposal == inside


def test_a_withdrawn_matter_stops_the_notice(meeting, committee, actors):
    from proposals.services import proposal_withdraw

    proposal = make_proposal(actors.community, committee)
    agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    proposal_withdraw(proposal=proposal, by=committee, reason="重复")
    with pytest.raises(ValidationError, match="take it off the agenda"):
        meeting_publish_notice(meeting=meeting, by=committee)


# --- Order ----------------------------------------------------------------------------------------------------


def test_moving_swaps_neighbours_and_stops_at_the_ends(meeting, committee, actors):
    first = agenda_matter_add(meeting=meeting, by=committee, proposal=make_proposal(actors.community, committee))
    second = agenda_election_add(meeting=meeting, by=committee, title="业委会", seats=1).item
    third = agenda_matter_add(meeting=meeting, by=committee, proposal=make_proposal(actors.community, committee))
    agenda_move(item=third, by=committee, up=True)
    assert list(meeting.items.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    agenda_move(item=first, by=committee, up=True)
    agenda_move(item=second, by=committee, up=False)
    assert list(meeting.items.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]


# --- Elections and candidates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " ", "seats": 7}, "Enter what the election is for"),
        ({"title": "业委会", "seats": 0}, "between 1 and 99 seats"),
        ({"title": "业委会", "seats": 7, "alternates": -1}, "between 0 and 99 alternates"),
        ({"title": "业委会", "seats": 7, "rule": "majority"}, "Choose the rule"),
    ],
)
def test_bad_elections_are_refused(meeting, committee, fields, message):
    with pytest.raises(ValidationError, match=message):
        agenda_election_add(meeting=meeting, by=committee, **fields)
    assert not meeting.items.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "Enter the candidate's name"),
        ({"name": "张" * 61}, "at most 60 characters"),
        ({"name": "张三", "statement": "好" * 301}, "at most 300 characters"),
        ({"name": "李四"}, "already a candidate"),
    ],
)
def test_bad_candidates_are_refused(meeting, committee, fields, message):
    election = agenda_election_add(meeting=meeting, by=committee, title="业委会", seats=3)
    candidate_add(election=election, by=committee, name="李四")
    with pytest.raises(ValidationError, match=message):
        candidate_add(election=election, by=committee, **fields)
    assert election.candidates.count() == 1


def test_a_candidates_flat_is_in_the_electorate(meeting, committee, actors):
    election = agenda_election_add(meeting=meeting, by=committee, title="业委会", seats=3)
    elsewhere = HouseholdFactory(entrance__building__community=actors.other_community)
    with pytest.raises(ValidationError, match="household of this meeting's electorate"):
        candidate_add(election=election, by=committee, name="张三", household=elsewhere)
    here = candidate_add(
        election=election, by=committee, name="张三", household=actors.household_obj, statement="为大家服务"
    )
    assert here.household == actors.household_obj


def test_party_membership_is_shown_only_with_consent(meeting, committee):
    election = agenda_election_add(meeting=meeting, by=committee, title="业委会", seats=3)
    agrees = candidate_add(election=election, by=committee, name="甲", party_member=True, show_party=True)
    declines = candidate_add(election=election, by=committee, name="乙", party_member=True)
    not_member = candidate_add(election=election, by=committee, name="丙", show_party=True)
    assert [agrees.party_shown, declines.party_shown, not_member.party_shown] == [True, False, False]
    assert not Candidate.objects.get(pk=not_member.pk).show_party


def test_removing_a_candidate_keeps_the_others_in_order(meeting, committee):
    election = agenda_election_add(meeting=meeting, by=committee, title="业委会", seats=1)
    a, b, c = (candidate_add(election=election, by=committee, name=n) for n in "甲乙丙")
    candidate_remove(candidate=b, by=committee)
    assert list(election.candidates.all()) == [a, c]
    assert candidate_add(election=election, by=committee, name="丁").position == 4


# --- Changing a draft's details -------------------------------------------------------------------------------


def test_a_drafts_window_can_be_moved_to_meet_the_notice_period(actors, committee):
    from meetings.services import meeting_update

    meeting = make_meeting(actors.community, committee, days=5)
    ready(meeting, committee)
    with pytest.raises(ValidationError, match="at least 15 days"):
        meeting_publish_notice(meeting=meeting, by=committee)
    opens = timezone.now() + timedelta(days=16)
    fields = {"title": "业主大会", "organiser": "committee", "voting_opens_at": opens}
    with pytest.raises(ValidationError, match="close after it opens"):
        meeting_update(meeting=meeting, by=committee, voting_closes_at=opens, **fields)
    meeting_update(meeting=meeting, by=committee, voting_closes_at=opens + timedelta(days=3), **fields)
    assert meeting_publish_notice(meeting=meeting, by=committee).state == MeetingState.NOTICE
    with pytest.raises(ValidationError, match="can no longer be changed"):
        meeting_update(meeting=meeting, by=committee, voting_closes_at=opens + timedelta(days=4), **fields)


def test_a_meeting_narrowed_to_a_building_keeps_nothing_outside_it(meeting, committee, actors):
    from meetings.services import meeting_update

    agenda_matter_add(meeting=meeting, by=committee, proposal=make_proposal(actors.community, committee))
    building = actors.household_obj.entrance.building
    fields = {"title": meeting.title, "organiser": meeting.organiser}
    window_ = {"voting_opens_at": meeting.voting_opens_at, "voting_closes_at": meeting.voting_closes_at}
    with pytest.raises(ValidationError, match="reach beyond the building"):
        meeting_update(meeting=meeting, by=committee, building=building, **fields, **window_)
    meeting.refresh_from_db()
    assert meeting.building is None


def test_deleting_the_community_deletes_its_meetings(actors, committee):
    from meetings.models import Meeting

    meeting = make_meeting(actors.community, committee, building=actors.household_obj.entrance.building)
    agenda_matter_add(
        meeting=meeting,
        by=committee,
        proposal=make_proposal(
            actors.community, committee, scope=Scope.BUILDINGS, buildings=[actors.household_obj.entrance.building]
        ),
    )
    election = agenda_election_add(meeting=meeting, by=committee, title="楼栋代表", seats=1)
    candidate_add(election=election, by=committee, name="张三", household=actors.household_obj)
    from community.models import Household

    Household.objects.filter(entrance__building__community=actors.community).delete()
    actors.community.delete()
    assert not Meeting.objects.exists()


def test_a_matter_of_a_published_meeting_is_not_put_to_a_vote_of_its_own(meeting, committee, actors):
    matter = make_proposal(actors.community, committee, State.CONSULTATION)
    agenda_matter_add(meeting=meeting, by=committee, proposal=matter)
    election = agenda_election_add(meeting=meeting, by=committee, title="第二届业主委员会", seats=1)
    candidate_add(election=election, by=committee, name="候选人")
    meeting_publish_notice(meeting=meeting, by=committee)
    with pytest.raises(ValidationError, match="matter of the owners' meeting “2027年第一次业主大会会议”"):
        proposal_open_voting(proposal=matter, by=committee, closes_at=timezone.now() + timedelta(days=7))
    matter.refresh_from_db()
    assert matter.state == State.CONSULTATION and matter.voting_opens_at is None
