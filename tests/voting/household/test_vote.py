"""Voting through the views: the confirmation step, the ballot stored, the receipt shown, changes, refusals."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import HouseholdBinding, Role
from lifecycle.services import proposal_open_voting
from proposals.models import Proposal, Scope, State
from proposals.services import proposal_create, proposal_start_consultation
from tests.factories import EntranceFactory, HouseholdBindingFactory, HouseholdFactory, RoleFactory
from tests.voting.conftest import open_proposal
from tests.voting.household.util import page_text
from voting.models import Ballot, BallotEvent, Channel

pytestmark = pytest.mark.django_db


def test_buttons_shown_to_a_voter(proposal, stairwell, residents, client_as):
    response = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for choice, label in (("agree", "同意"), ("disagree", "不同意"), ("abstain", "弃权")):
        assert re.search(rf'name="choice" value="{choice}" class="vote {choice}">{label}</button>', html)
    assert f'name="household" value="{stairwell[0].pk}"' in html


def test_confirmation_step_records_nothing(proposal, stairwell, residents, post_vote):
    response = post_vote(residents[0], proposal, stairwell[0], "agree", confirm=False)
    assert response.status_code == 200
    assert "您选择了：同意 — 3号楼5单元101 — 确认提交？" in page_text(response)
    html = response.content.decode()
    assert 'name="confirm" value="1"' in html and 'name="choice" value="agree"' in html
    assert "返回" in html and reverse("proposal_detail", args=[proposal.pk]) in html
    assert not Ballot.objects.exists()


def test_confirmed_vote_is_stored_online_by_the_user_and_the_receipt_shown(
    proposal, stairwell, residents, post_vote, client
):
    response = post_vote(residents[0], proposal, stairwell[0], "agree")
    assert response.status_code == 302
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])
    ballot = Ballot.objects.get(proposal=proposal)
    assert (ballot.household, ballot.choice, ballot.channel, ballot.recorded_by) == (
        stairwell[0],
        "agree",
        Channel.ONLINE,
        residents[0],
    )
    page = page_text(client.get(response["Location"]))  # post_vote used this same client
    assert f"已记录：同意，回执码 {ballot.receipt}" in page  # the message
    assert f"回执码 {ballot.receipt}" in page.split("已记录：同意，回执码")[1]  # and the household's box
    # Once the message has been shown, the box alone keeps the receipt on the page.
    again = page_text(client.get(response["Location"]))
    assert "已记录：同意，回执码" not in again
    assert "已表决：同意" in again and f"回执码 {ballot.receipt}" in again


def test_success_message_after_redirect(proposal, stairwell, residents, post_vote):
    response = post_vote(residents[0], proposal, stairwell[0], "abstain", follow=True)
    ballot = Ballot.objects.get(proposal=proposal)
    text = page_text(response)
    assert f"已记录：弃权，回执码 {ballot.receipt}" in text
    assert "修改您的选择" in text  # the buttons now say the choice can be changed


def test_changing_a_vote(proposal, stairwell, residents, post_vote, client_as):
    post_vote(residents[0], proposal, stairwell[0], "agree")
    first = Ballot.objects.get(proposal=proposal).receipt
    confirm = post_vote(residents[0], proposal, stairwell[0], "disagree", confirm=False)
    assert "您目前的选择是“同意”，确认后将改为新的选择。" in page_text(confirm)
    post_vote(residents[0], proposal, stairwell[0], "disagree")
    ballot = Ballot.objects.get(proposal=proposal)
    assert ballot.choice == "disagree" and ballot.receipt != first
    assert list(BallotEvent.objects.values_list("old_choice", "new_choice")) == [("", "agree"), ("agree", "disagree")]
    page = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk]))
    assert "已表决：不同意" in page_text(page)
    assert 'class="vote disagree current"' in page.content.decode()


def test_same_owner_sees_one_choice_for_all_flats(
    same_owner, community, committee_user, stairwell, post_vote, client_as
):
    proposal = open_proposal(community, committee_user)
    user = HouseholdBindingFactory(household=stairwell[0], relation=HouseholdBinding.Relation.OWNER).user
    HouseholdBindingFactory(household=stairwell[1], user=user)  # a second binding, as a member: the owner all the same
    detail = client_as(user).get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert detail.count('name="choice" value="agree"') == 1  # one set of buttons for the owner's two flats
    confirm = page_text(post_vote(user, proposal, stairwell[0], "agree", confirm=False))
    assert "本次选择将同时记录到以下各户" in confirm and "3号楼5单元102" in confirm
    post_vote(user, proposal, stairwell[0], "agree")
    assert set(Ballot.objects.values_list("household", "choice")) == {
        (stairwell[0].pk, "agree"),
        (stairwell[1].pk, "agree"),
    }


def test_get_on_vote_is_405(proposal, residents, client_as):
    assert client_as(residents[0]).get(reverse("vote", args=[proposal.pk])).status_code == 405


def test_bad_choice_changes_nothing(proposal, stairwell, residents, post_vote):
    response = post_vote(residents[0], proposal, stairwell[0], "maybe", follow=True)
    assert "请选择同意、不同意或弃权。" in page_text(response)
    assert not Ballot.objects.exists()


# --- Refusals: nothing is stored -------------------------------------------------------------------------------


def test_before_opening(community, committee_user, stairwell, residents, post_vote, client_as):
    proposal = proposal_create(community=community, by=committee_user, title="t", summary="s", category="other")
    proposal_start_consultation(proposal=proposal, by=committee_user)
    now = timezone.now()
    proposal = proposal_open_voting(
        proposal=proposal, by=committee_user, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=7)
    )
    page = page_text(client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk])))
    assert "表决将于" in page and 'value="agree"' not in page
    for confirm in (False, True):
        response = post_vote(residents[0], proposal, stairwell[0], "agree", confirm=confirm, follow=True)
        assert "本议题的表决尚未开始。" in page_text(response)
    assert not Ballot.objects.exists()


def _past_close(proposal):
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - timedelta(days=2), voting_closes_at=now - timedelta(minutes=1)
    )


@pytest.mark.parametrize("confirm", [False, True])
def test_after_closing(proposal, stairwell, residents, post_vote, confirm):
    _past_close(proposal)
    response = post_vote(residents[0], proposal, stairwell[0], "agree", confirm=confirm, follow=True)
    assert "表决" in page_text(response) and "截止" in page_text(response)
    assert not Ballot.objects.exists()
    proposal.refresh_from_db()
    # The vote only refuses: the scheduled job closes the proposal, not whoever comes first after the deadline.
    assert proposal.state == State.VOTING and proposal.voting_status() == Proposal.ENDED


def test_household_outside_scope(community, committee_user, stairwell, post_vote, client_as):
    other_entrance = EntranceFactory(building=stairwell[0].entrance.building, name="6")
    HouseholdFactory(entrance=other_entrance, room="101")
    proposal = open_proposal(community, committee_user, scope=Scope.ENTRANCES, entrances=[other_entrance])
    user = HouseholdBindingFactory(household=stairwell[0]).user
    page = page_text(client_as(user).get(reverse("proposal_detail", args=[proposal.pk])))
    assert "您的房屋 3号楼5单元101 不在本议题的表决范围内" in page
    for confirm in (False, True):
        response = post_vote(user, proposal, stairwell[0], "agree", confirm=confirm, follow=True)
        assert "该户不在本议题的表决范围内。" in page_text(response)
    assert not Ballot.objects.exists()


def test_another_residents_household(proposal, stairwell, residents, post_vote):
    for confirm in (False, True):
        response = post_vote(residents[0], proposal, stairwell[1], "agree", confirm=confirm)
        assert response.status_code == 403
    assert not Ballot.objects.exists()


def test_unknown_household(proposal, residents, client_as):
    response = client_as(residents[0]).post(
        reverse("vote", args=[proposal.pk]), {"household": 999999, "choice": "agree", "confirm": "1"}
    )
    assert response.status_code == 403
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("kind", [Role.Kind.CANVASSER, Role.Kind.SECRETARY, Role.Kind.COMMITTEE])
def test_roles_do_not_vote_for_households(kind, proposal, stairwell, community, post_vote):
    user = RoleFactory(community=community, kind=kind).user
    assert post_vote(user, proposal, stairwell[0], "agree").status_code == 403
    assert not Ballot.objects.exists()


def test_other_community_committee(proposal, stairwell, post_vote):
    user = RoleFactory(kind=Role.Kind.COMMITTEE).user  # a committee member of another community
    assert post_vote(user, proposal, stairwell[0], "agree").status_code == 403
    assert not Ballot.objects.exists()


def test_csrf_is_enforced(proposal, stairwell, residents):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(residents[0])
    response = client.post(
        reverse("vote", args=[proposal.pk]), {"household": stairwell[0].pk, "choice": "agree", "confirm": "1"}
    )
    assert response.status_code == 403
    assert not Ballot.objects.exists()


def test_a_vote_costs_a_fixed_few_queries(proposal, stairwell, residents, client_as):
    # Session, user, proposal, the bound household, the head's electors; under the lock: the proposal, the head's
    # ballots, the ballot, its audit entry, the proposal's chain head (bench/bench_vote.py measures the path).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(residents[0])
    url = reverse("vote", args=[proposal.pk])
    client.post(url, {"household": stairwell[0].pk, "choice": "agree", "confirm": "1"})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"household": stairwell[0].pk, "choice": "disagree", "confirm": "1"})
    assert response.status_code == 302
    assert Ballot.objects.get(proposal=proposal, household=stairwell[0]).choice == "disagree"
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= 10, "\n".join(statements)


def test_forged_oversized_numbers_change_nothing(proposal, stairwell, residents, client_as):
    client = client_as(residents[0])
    too_big = 10**20
    forged = {"household": too_big, "choice": "agree", "confirm": "1"}
    response = client.post(reverse("vote", args=[proposal.pk]), forged)
    assert response.status_code == 302  # back to the page with "choose agree, disagree or abstain"
    response = client.post(f"/proposals/{too_big}/vote/", {"household": stairwell[0].pk, "choice": "agree"})
    assert response.status_code == 404
    assert not Ballot.objects.exists()
