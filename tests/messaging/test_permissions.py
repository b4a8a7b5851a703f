"""Who may use each text-message page: the roles of the `actors` fixture × compose, preview, send, a batch, the
community's batches, the settings and a household's opt-out. A refused request changes nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import HouseholdBinding
from meetings.models import Meeting, MeetingState
from messaging.models import Batch, OptOut, Policy
from messaging.services import batch_create
from tests.meetings.conftest import make_meeting

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee"]
LOGIN = "login"

# Batches are the committee's and its secretary's; the limits are the committee's; an opt-out is the owner's (the
# `household` actor, bound as the owner in these tests) or the committee's.
STAFF_PAGE = dict(zip(ACTORS, [LOGIN, 403, 403, 403, 200, 200, 403], strict=True))
STAFF_POST = dict(zip(ACTORS, [LOGIN, 403, 403, 403, 302, 302, 403], strict=True))
COMMITTEE_PAGE = dict(zip(ACTORS, [LOGIN, 403, 403, 403, 403, 200, 403], strict=True))
COMMITTEE_POST = dict(zip(ACTORS, [LOGIN, 403, 403, 403, 403, 302, 403], strict=True))
OPT_OUT_PAGE = dict(zip(ACTORS, [LOGIN, 200, 403, 403, 403, 200, 403], strict=True))
OPT_OUT_POST = dict(zip(ACTORS, [LOGIN, 302, 403, 403, 403, 302, 403], strict=True))


def assert_outcome(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]


@pytest.fixture
def owner(actors):
    HouseholdBinding.objects.filter(user=actors.users["household"]).update(relation=HouseholdBinding.Relation.OWNER)


@pytest.fixture
def meeting(actors):
    meeting = make_meeting(actors.community, actors.users["committee"])
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.NOTICE, notice_published_at=timezone.now())
    meeting.refresh_from_db()
    return meeting


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", ["sms_compose", "sms_preview"])
def test_compose_and_preview_of_a_proposal(voting, actors, client_as, actor, name):
    query = "?kind=reminder&place=" if name == "sms_preview" else ""
    response = client_as(actors.users[actor]).get(reverse(name, args=[voting.pk]) + query)
    assert_outcome(response, STAFF_PAGE[actor])


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", ["sms_compose_meeting", "sms_preview_meeting"])
def test_compose_and_preview_of_a_meeting(meeting, actors, client_as, actor, name):
    query = "?kind=meeting&place=" if name == "sms_preview_meeting" else ""
    response = client_as(actors.users[actor]).get(reverse(name, args=[meeting.pk]) + query)
    assert_outcome(response, STAFF_PAGE[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_send(voting, actors, client_as, actor):
    data = {"kind": "reminder", "place": "", "token": "t" * 32}
    response = client_as(actors.users[actor]).post(reverse("sms_send", args=[voting.pk]), data)
    assert_outcome(response, STAFF_POST[actor])
    assert Batch.objects.count() == (1 if STAFF_POST[actor] == 302 else 0)


@pytest.mark.parametrize("actor", ACTORS)
def test_send_about_a_meeting(meeting, actors, client_as, actor):
    data = {"kind": "meeting", "place": "", "token": "t" * 32}
    response = client_as(actors.users[actor]).post(reverse("sms_send_meeting", args=[meeting.pk]), data)
    assert_outcome(response, STAFF_POST[actor])
    assert Batch.objects.count() == (1 if STAFF_POST[actor] == 302 else 0)


@pytest.mark.parametrize("actor", ACTORS)
def test_a_batch(voting, actors, client_as, actor):
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"])
    response = client_as(actors.users[actor]).get(reverse("sms_batch", args=[batch.pk]))
    assert_outcome(response, STAFF_PAGE[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_the_communitys_batches(actors, client_as, actor):
    response = client_as(actors.users[actor]).get(reverse("sms_batches", args=[actors.community.slug]))
    assert_outcome(response, STAFF_PAGE[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_the_settings_page(actors, client_as, actor):
    response = client_as(actors.users[actor]).get(reverse("sms_policy", args=[actors.community.slug]))
    assert_outcome(response, COMMITTEE_PAGE[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_the_settings_post(actors, client_as, actor):
    data = {"monthly_budget": "50", "reminder_days": "2"}
    response = client_as(actors.users[actor]).post(reverse("sms_policy", args=[actors.community.slug]), data)
    assert_outcome(response, COMMITTEE_POST[actor])
    assert Policy.objects.filter(monthly_budget=50).exists() == (actor == "committee")


@pytest.mark.parametrize("actor", ACTORS)
def test_a_households_opt_out_page(owner, actors, client_as, actor):
    url = reverse("sms_household", args=[actors.community.slug, actors.household_obj.pk])
    assert_outcome(client_as(actors.users[actor]).get(url), OPT_OUT_PAGE[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_a_households_opt_out(owner, actors, client_as, actor):
    url = reverse("sms_household", args=[actors.community.slug, actors.household_obj.pk])
    response = client_as(actors.users[actor]).post(url, {"opted_out": "1"})
    assert_outcome(response, OPT_OUT_POST[actor])
    assert OptOut.objects.exists() == (OPT_OUT_POST[actor] == 302)


@pytest.mark.parametrize("name", ["sms_send", "sms_send_meeting"])
def test_a_get_on_the_send_endpoint_is_405(voting, meeting, actors, client_as, name):
    subject = voting if name == "sms_send" else meeting
    response = client_as(actors.users["committee"]).get(reverse(name, args=[subject.pk]))
    assert response.status_code == 405 and not Batch.objects.exists()


def test_a_subject_of_another_community_is_refused_to_its_committee(voting, actors, client_as):
    client = client_as(actors.users["other_committee"])
    data = {"kind": "reminder", "place": "", "token": "t" * 32}
    assert client.post(reverse("sms_send", args=[voting.pk]), data).status_code == 403
    assert client.get(reverse("sms_policy", args=["here"])).status_code == 403
    assert not Batch.objects.exists()


def test_unknown_things_are_404(actors, client_as):
    client = client_as(actors.users["committee"])
    assert client.get(reverse("sms_compose", args=[999999])).status_code == 404
    assert client.get(reverse("sms_batch", args=[999999])).status_code == 404
    assert client.get(reverse("sms_batches", args=["nowhere"])).status_code == 404
    assert client.get(reverse("sms_household", args=["here", 999999])).status_code == 404
