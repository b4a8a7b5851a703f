"""Undoing a paper or proxy entry from the secretary's screen: offered for a few seconds to the person who made it,
checked again by the server (voting.services.ballot_entry_undo), logged rather than deleted."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.voting.conftest import scan
from tests.voting.household.util import page_text
from voting.models import Ballot, BallotEvent
from voting.services import UNDO_SECONDS

pytestmark = pytest.mark.django_db


def _enter(client, proposal, household, choice="agree"):
    data = {"household": household.pk, "choice": choice, "channel": "paper", "evidence": scan()}
    return client.post(reverse("paper_entry", args=[proposal.pk]), data)


def _undo(client, proposal, seq):
    return client.post(reverse("paper_undo", args=[proposal.pk]), {"seq": seq}, follow=True)


def test_the_entry_screen_offers_the_undo_then_it_is_undone(proposal, stairwell, secretary_user, client_as):
    client = client_as(secretary_user)
    entered = _enter(client, proposal, stairwell[0])
    page = client.get(entered["Location"])
    text = page_text(page)
    assert "已录入 3-5-101：同意" in text and "撤销这次录入" in text
    html = page.content.decode()
    seq = Ballot.objects.get().seq
    assert f'name="seq" value="{seq}"' in html and "js/undo.js" in html
    assert f'data-seconds="{UNDO_SECONDS}"' in html or f'data-seconds="{UNDO_SECONDS - 1}"' in html
    done = page_text(_undo(client, proposal, seq))
    assert "已撤销 3-5-101 的录入（同意）" in done and "尚无表决记录。" in done
    assert not Ballot.objects.exists()
    assert list(BallotEvent.objects.values_list("new_choice", "undoes")) == [("agree", None), ("", seq)]


def test_no_offer_to_another_user_or_once_the_window_passed(
    proposal, stairwell, secretary_user, committee_user, client_as
):
    entered = _enter(client_as(secretary_user), proposal, stairwell[0])
    assert "撤销这次录入" not in page_text(client_as(committee_user).get(entered["Location"]))
    BallotEvent.objects.update(at=timezone.now() - timedelta(seconds=UNDO_SECONDS + 1))
    assert "撤销这次录入" not in page_text(client_as(secretary_user).get(entered["Location"]))


def test_another_user_cannot_undo(proposal, stairwell, secretary_user, committee_user, client_as):
    _enter(client_as(secretary_user), proposal, stairwell[0])
    seq = Ballot.objects.get().seq
    text = page_text(_undo(client_as(committee_user), proposal, seq))
    assert "只有录入这张表决票的人才能撤销" in text
    assert Ballot.objects.get().choice == "agree" and BallotEvent.objects.count() == 1


def test_a_forged_sequence_number_is_refused(proposal, stairwell, secretary_user, client_as):
    client = client_as(secretary_user)
    for forged in ("", "abc", "99999999999999999999", "-1", "42"):
        assert "没有可撤销的" in page_text(_undo(client, proposal, forged))
    assert not BallotEvent.objects.exists()


def test_a_household_cannot_undo(proposal, stairwell, secretary_user, residents, client_as):
    _enter(client_as(secretary_user), proposal, stairwell[0])
    seq = Ballot.objects.get().seq
    response = client_as(residents[0]).post(reverse("paper_undo", args=[proposal.pk]), {"seq": seq})
    assert response.status_code == 403 and BallotEvent.objects.count() == 1
