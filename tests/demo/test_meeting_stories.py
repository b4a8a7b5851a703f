"""`load_demo` tells the meeting stories (issue 15): 山水名城 re-elects its committee at an owners' meeting with three
matters, on paper ballots entered in one sheet, and the meeting is closed."""

import pytest

from community.demo import SHANSHUI
from demo.meeting_stories import ALTERNATES, SEATS, SHANSHUI_CANDIDATES, SHANSHUI_MATTERS, SHANSHUI_MEETING_TITLE
from meetings.audit import election_verify
from meetings.models import AgendaItem, ElectionBallot, Meeting, MeetingState
from meetings.selectors import election_outcome
from proposals.models import State
from voting.audit import ballots_verify

pytestmark = pytest.mark.django_db


def test_shanshui_re_elects_its_committee_at_a_closed_meeting_of_three_matters(demo):
    meeting = Meeting.objects.get(community__slug=SHANSHUI, title=SHANSHUI_MEETING_TITLE)
    assert meeting.state == MeetingState.CLOSED
    items = list(meeting.items.select_related("proposal", "election"))
    matters = [item.proposal for item in items if item.kind == AgendaItem.Kind.MATTER]
    assert [m.title for m in matters] == [title for title, _summary, _rule in SHANSHUI_MATTERS]
    assert all(m.state == State.CLOSED and m.passed for m in matters)
    election = next(item.election for item in items if item.kind == AgendaItem.Kind.ELECTION)
    assert (election.seats, election.alternates, election.candidates.count()) == (SEATS, ALTERNATES, 9)
    outcome = election_outcome(election)
    assert len(outcome.elected) == SEATS and not outcome.tied
    assert len(outcome.alternates) >= ALTERNATES
    party = {name for name, _flat, member, _statement in SHANSHUI_CANDIDATES if member}
    names = dict((str(pk), name) for pk, name in election.candidates.values_list("pk", "name"))
    elected = [names[key] for key in outcome.elected]
    assert sum(name in party for name in elected) / len(elected) >= 0.8  # 党员占80%以上, as in the article
    assert ElectionBallot.objects.filter(election=election, invalid=True).exists()  # a few ticked everyone
    for matter in matters:
        assert ballots_verify(matter) == []
    assert election_verify(election) == []


def test_the_guide_names_the_elected_and_the_alternates(demo):
    assert "当选：" in demo.output and "候补：" in demo.output
    assert SHANSHUI_MEETING_TITLE in demo.output


def test_xiangjiaoyuan_representatives_adopt_the_residents_convention(demo):
    from community.demo import XIANGJIAOYUAN
    from community.models import Representative
    from demo.meeting_stories import CONVENTION_TITLE, XIANGJIAOYUAN_MEETING_TITLE
    from proposals.models import Electorate, RuleCode
    from voting.selectors import tally_outcome

    representatives = Representative.objects.filter(community__slug=XIANGJIAOYUAN, active=True)
    assert representatives.count() == 19
    meeting = Meeting.objects.get(community__slug=XIANGJIAOYUAN, title=XIANGJIAOYUAN_MEETING_TITLE)
    assert meeting.state == MeetingState.CLOSED and meeting.electorate == Electorate.REPRESENTATIVES
    convention = meeting.items.get().proposal
    assert convention.title == CONVENTION_TITLE and convention.rule == RuleCode.REPRESENTATIVES
    outcome = tally_outcome(convention)
    assert outcome.passed
    # One representative, one vote: 19 heads, 17 present, 15 agreeing; no area.
    assert (outcome.electorate.heads, outcome.participated.heads, outcome.agree.heads) == (19, 17, 15)
    assert ballots_verify(convention) == []
