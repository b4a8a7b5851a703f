"""The back button after voting: the confirmation page is a GET read afresh (never from a cache), it says the
choice is recorded already, and confirming it again changes nothing and shows the same receipt."""

import pytest
from django.urls import reverse

from tests.voting.household.util import page_text
from voting.models import Ballot, BallotEvent

pytestmark = pytest.mark.django_db


def _confirm_page(client, proposal, household, choice):
    return client.get(reverse("vote_confirm", args=[proposal.pk]), {"household": household.pk, "choice": choice})


def test_the_buttons_open_the_confirmation_page_with_a_get(proposal, stairwell, residents, client_as):
    html = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert f'<form method="get" action="{reverse("vote_confirm", args=[proposal.pk])}" class="vote-buttons">' in html


def test_the_confirmation_page_is_never_cached_and_writes_nothing(proposal, stairwell, residents, client_as):
    response = _confirm_page(client_as(residents[0]), proposal, stairwell[0], "agree")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert 'name="confirm" value="1"' in html and 'name="choice" value="agree"' in html
    assert not BallotEvent.objects.exists()


def test_the_confirmation_step_by_post_is_not_cached_either(proposal, stairwell, residents, post_vote):
    response = post_vote(residents[0], proposal, stairwell[0], "agree", confirm=False)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_back_then_confirm_again_keeps_the_receipt(proposal, stairwell, residents, post_vote, client_as):
    client = client_as(residents[0])
    post_vote(residents[0], proposal, stairwell[0], "agree")
    receipt = Ballot.objects.get().receipt
    # The back button: the confirmation page again, asked of the server.
    page = page_text(_confirm_page(client, proposal, stairwell[0], "agree"))
    assert f"您家已经选择了“同意”（回执码 {receipt}）。再次确认不会有任何改变，回执码保持不变。" in page
    again = post_vote(residents[0], proposal, stairwell[0], "agree", follow=True)
    assert f"已记录：同意，回执码 {receipt}。没有任何改变。" in page_text(again)
    assert list(Ballot.objects.values_list("receipt", flat=True)) == [receipt]
    assert BallotEvent.objects.count() == 1
    # The receipt still verifies.
    check = client.post(reverse("receipt_check", args=[proposal.pk]), {"code": receipt})
    assert "记录如下" in page_text(check)


def test_a_different_choice_on_the_confirmation_page_says_it_changes(
    proposal, stairwell, residents, post_vote, client_as
):
    post_vote(residents[0], proposal, stairwell[0], "agree")
    page = page_text(_confirm_page(client_as(residents[0]), proposal, stairwell[0], "disagree"))
    assert "您目前的选择是“同意”，确认后将改为新的选择。" in page and "不会有任何改变" not in page


def test_the_confirmation_page_refuses_like_the_vote(proposal, stairwell, residents, client_as):
    assert _confirm_page(client_as(residents[0]), proposal, stairwell[1], "agree").status_code == 403
    response = client_as(residents[0]).get(
        reverse("vote_confirm", args=[proposal.pk]), {"household": stairwell[0].pk, "choice": "maybe"}
    )
    assert response.status_code == 302 and not BallotEvent.objects.exists()
