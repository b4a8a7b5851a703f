"""Who may do what with a meeting: the committee and the secretary prepare it; households of the community read
it once the notice is published; nobody else."""

import pytest

from meetings.services import agenda_election_add, candidate_add, meeting_publish_notice
from tests.meetings.conftest import make_meeting

pytestmark = pytest.mark.django_db

PEOPLE = ["committee", "secretary", "household", "canvasser", "other_household", "other_committee", "anonymous"]
STAFF = {"committee", "secretary"}
MEMBERS = STAFF | {"household", "canvasser"}


def published(actors, committee):
    meeting = make_meeting(actors.community, committee)
    election = agenda_election_add(meeting=meeting, by=committee, title="业委会", seats=1)
    candidate_add(election=election, by=committee, name="张三")
    return meeting_publish_notice(meeting=meeting, by=committee)


def _user(actors, who):
    from django.contrib.auth.models import AnonymousUser

    return actors.users[who] or AnonymousUser()


@pytest.mark.parametrize("who", PEOPLE)
def test_who_prepares_a_meeting(actors, who):
    user = _user(actors, who)
    meeting = make_meeting(actors.community, actors.users["committee"])
    assert user.has_perm("meetings.add_meeting", actors.community) == (who in STAFF)
    assert user.has_perm("meetings.manage_meeting", meeting) == (who in STAFF)


@pytest.mark.parametrize("who", PEOPLE)
def test_who_reads_a_draft(actors, who):
    meeting = make_meeting(actors.community, actors.users["committee"])
    assert _user(actors, who).has_perm("meetings.view_meeting", meeting) == (who in STAFF)


@pytest.mark.parametrize("who", PEOPLE)
def test_who_reads_a_published_notice(actors, who):
    meeting = published(actors, actors.users["committee"])
    assert _user(actors, who).has_perm("meetings.view_meeting", meeting) == (who in MEMBERS)
