"""The receipt check: right code, wrong code, another proposal's code, the limit on tries."""

import pytest
from django.urls import reverse

from tests.voting.conftest import open_proposal
from tests.voting.household.util import page_text
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db


def _check(client, proposal, code):
    return client.post(reverse("receipt_check", args=[proposal.pk]), {"code": code})


@pytest.fixture
def cast(proposal, stairwell, residents):
    return ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel="online", by=residents[0])[0]


def test_form(proposal, residents, client_as):
    response = client_as(residents[1]).get(reverse("receipt_check", args=[proposal.pk]))
    assert response.status_code == 200 and 'name="code"' in response.content.decode()


def test_right_code_shows_what_was_recorded(cast, proposal, residents, client_as):
    # Anyone who may read the proposal and holds the code sees that household's ballot, typed loosely or not.
    loosely = f"{cast.receipt[:4].lower()}-{cast.receipt[4:]} "
    response = _check(client_as(residents[1]), proposal, loosely)
    text = page_text(response)
    assert response.status_code == 200
    assert "记录如下" in text and "3号楼5单元101" in text and "同意" in text and "网上表决" in text


def test_wrong_code(cast, proposal, residents, client_as):
    wrong = "ABCD2345" if cast.receipt != "ABCD2345" else "ABCD2346"
    text = page_text(_check(client_as(residents[0]), proposal, wrong))
    assert "本议题没有与此回执码对应的表决票" in text and "记录如下" not in text


def test_malformed_code(proposal, residents, client_as):
    text = page_text(_check(client_as(residents[0]), proposal, "abc"))
    assert "回执码由 8 位字母和数字组成" in text


def test_code_of_another_proposal(cast, community, committee_user, stairwell, residents, client_as):
    other = open_proposal(community, committee_user)
    text = page_text(_check(client_as(residents[0]), other, cast.receipt))
    assert "本议题没有与此回执码对应的表决票" in text and "3号楼5单元101" not in text


def test_old_code_after_a_change_says_what_it_recorded_and_that_it_changed(
    cast, proposal, stairwell, residents, client_as
):
    new = ballot_cast(proposal=proposal, household=stairwell[0], choice="abstain", channel="online", by=residents[0])
    client = client_as(residents[0])
    old = page_text(_check(client, proposal, cast.receipt))
    assert "本议题没有与此回执码对应的表决票" not in old
    assert "这是之前一次选择的回执码" in old and "3号楼5单元101" in old
    assert "记录的选择：同意" in old and "该户的选择后来" in old and "已更改" in old
    assert "弃权" not in old  # the old code does not tell the new choice
    current = page_text(_check(client, proposal, new[0].receipt))
    assert "弃权" in current and "之前一次选择" not in current


def test_an_old_code_is_not_a_miss(cast, proposal, stairwell, residents, client_as):
    """Checking an old code does not count towards the limit of wrong codes."""
    ballot_cast(proposal=proposal, household=stairwell[0], choice="abstain", channel="online", by=residents[0])
    client = client_as(residents[0])
    for _ in range(25):
        assert _check(client, proposal, cast.receipt).status_code == 200


def test_tries_are_limited(cast, proposal, residents, client_as):
    client = client_as(residents[0])
    for _ in range(20):
        assert _check(client, proposal, "ZZZZZZZZ").status_code == 200
    blocked = _check(client, proposal, cast.receipt)  # even the right code, once the limit is reached
    assert blocked.status_code == 429
    assert "尝试次数过多" in page_text(blocked) and "记录如下" not in page_text(blocked)


def test_limit_is_per_address_too(cast, proposal, residents, client_as):
    # A new session (cookies dropped) from the same address is still limited.
    for user in residents[:2]:
        client = client_as(user)
        for _ in range(10):
            _check(client, proposal, "ZZZZZZZZ")
    assert _check(client_as(residents[2]), proposal, cast.receipt).status_code == 429


def test_only_wrong_codes_count(cast, proposal, residents, client_as):
    # A household checking its own code again and again is never held up: right codes do not count.
    client = client_as(residents[0])
    for _ in range(30):
        assert _check(client, proposal, cast.receipt).status_code == 200


def test_wrong_codes_against_one_proposal_leave_another_alone(
    cast, proposal, community, committee_user, residents, client_as
):
    other = open_proposal(community, committee_user)
    for user in residents[:2]:
        client = client_as(user)
        for _ in range(10):
            _check(client, other, "ZZZZZZZZ")
    # The address is limited on the proposal it guessed at, not on this one.
    assert _check(client_as(residents[2]), proposal, cast.receipt).status_code == 200
