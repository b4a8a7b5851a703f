"""The household's whole ballot pages: the form, the confirmation read back, the record and its receipt."""

import pytest
from django.urls import reverse

from community.models import HouseholdBinding
from meetings.models import ElectionBallot
from tests.factories import HouseholdBindingFactory
from voting.models import Ballot, Choice

pytestmark = pytest.mark.django_db


def answers(vm, choice="agree", picks=(0, 1)):
    data = {"household": vm.households[2].pk}
    data |= {f"m{matter.pk}": choice for matter in vm.matters}
    data[f"e{vm.election.pk}"] = [vm.candidates[i].pk for i in picks]
    return data


def test_the_ballot_page_lists_every_matter_and_candidate(voting_meeting, client):
    vm = voting_meeting
    client.force_login(vm.user)
    page = client.get(reverse("meeting_ballot", args=[vm.meeting.pk])).content.decode()
    for matter in vm.matters:
        assert f'name="m{matter.pk}"' in page and matter.title in page
    for candidate in vm.candidates:
        assert f'value="{candidate.pk}"' in page and candidate.name in page
    assert page.count('type="checkbox"') == 3


def test_confirm_reads_the_ballot_back_and_records_nothing(voting_meeting, client):
    vm = voting_meeting
    client.force_login(vm.user)
    data = answers(vm)
    del data[f"m{vm.matters[1].pk}"]
    page = client.get(reverse("meeting_ballot_confirm", args=[vm.meeting.pk]), data).content.decode()
    assert "王芳、李强" in page
    assert "left blank: counts as abstaining" in page
    assert not Ballot.objects.exists() and not ElectionBallot.objects.exists()


def test_confirming_records_the_whole_ballot_with_one_receipt(voting_meeting, client):
    vm = voting_meeting
    client.force_login(vm.user)
    url = reverse("meeting_ballot_submit", args=[vm.meeting.pk])
    response = client.post(url, answers(vm) | {"confirm": "1"}, follow=True)
    receipt = ElectionBallot.objects.get(household=vm.households[2]).receipt
    assert f"receipt code {receipt}" in response.content.decode()
    assert set(Ballot.objects.filter(household=vm.households[2]).values_list("choice", "receipt")) == {
        (Choice.AGREE, receipt)
    }
    # The page now shows the answers recorded, checked.
    page = client.get(reverse("meeting_ballot", args=[vm.meeting.pk])).content.decode()
    assert f'value="{vm.candidates[0].pk}" checked' in page and receipt in page
    # The same again: nothing changes.
    again = client.post(url, answers(vm) | {"confirm": "1"}, follow=True).content.decode()
    assert "Nothing changed" in again


def test_posting_without_confirm_shows_the_confirmation(voting_meeting, client):
    vm = voting_meeting
    client.force_login(vm.user)
    response = client.post(reverse("meeting_ballot_submit", args=[vm.meeting.pk]), answers(vm))
    assert response.status_code == 200 and "Confirm the whole ballot" in response.content.decode()
    assert not Ballot.objects.exists()


def test_more_candidates_than_seats_is_refused(voting_meeting, client):
    vm = voting_meeting
    client.force_login(vm.user)
    url = reverse("meeting_ballot_submit", args=[vm.meeting.pk])
    response = client.post(url, answers(vm, picks=(0, 1, 2)) | {"confirm": "1"}, follow=True)
    assert "at most 2 candidates" in response.content.decode()
    assert not Ballot.objects.exists() and not ElectionBallot.objects.exists()


def test_a_household_not_the_users_is_forbidden(voting_meeting, client):
    vm = voting_meeting
    client.force_login(vm.user)
    data = answers(vm) | {"household": vm.households[5].pk, "confirm": "1"}
    assert client.post(reverse("meeting_ballot_submit", args=[vm.meeting.pk]), data).status_code == 403
    assert not Ballot.objects.exists()


def test_a_family_member_of_an_owner_of_two_flats_is_told_the_ballot_is_the_owners(voting_meeting, client):
    vm = voting_meeting
    member = HouseholdBindingFactory(household=vm.households[0], relation=HouseholdBinding.Relation.MEMBER).user
    client.force_login(member)
    data = answers(vm) | {"household": vm.households[0].pk, "confirm": "1"}
    response = client.post(reverse("meeting_ballot_submit", args=[vm.meeting.pk]), data, follow=True)
    assert "the ballot is the owner&#x27;s" in response.content.decode()
    assert not Ballot.objects.exists()


def test_outsiders_and_strangers_are_refused(voting_meeting, client, actors):
    vm = voting_meeting
    url = reverse("meeting_ballot", args=[vm.meeting.pk])
    assert client.get(url).status_code == 302  # to log in
    client.force_login(actors.users["other_household"])
    assert client.get(url).status_code == 403
