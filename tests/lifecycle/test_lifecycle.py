"""The whole lifecycle through the move endpoint: every move recorded with who, impossible moves refused."""

from datetime import UTC, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from proposals.forms import default_closes_at
from proposals.models import Proposal, State, Transition
from tests.proposals.conftest import make_proposal

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def move(client, proposal, **data):
    return client.post(reverse("proposal_move", args=[proposal.pk]), data)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def snapshot(proposal):
    proposal = Proposal.objects.get(pk=proposal.pk)
    return proposal.state, proposal.passed, proposal.voting_closes_at, proposal.transitions.count()


def test_draft_to_published(actors, client_as):
    committee = actors.users["committee"]
    client = client_as(committee)
    proposal = make_proposal(actors.community, committee)
    detail = reverse("proposal_detail", args=[proposal.pk])

    response = move(client, proposal, action="consultation")
    assert response.status_code == 302 and response["Location"] == detail
    assert Proposal.objects.get(pk=proposal.pk).state == State.CONSULTATION

    closes = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)
    # Opening asks first too (it freezes the electorate and the cost plan) and changes nothing until confirmed.
    response = move(client, proposal, action="open", closes_at=closes.strftime(LOCAL))
    assert response.status_code == 200
    assert 'name="confirm" value="1"' in response.content.decode()
    assert closes.strftime(LOCAL) in response.content.decode()  # the time typed is kept
    assert Proposal.objects.get(pk=proposal.pk).state == State.CONSULTATION
    response = move(client, proposal, action="open", closes_at=closes.strftime(LOCAL), confirm="1")
    assert response["Location"] == detail
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING
    assert proposal.voting_closes_at == closes
    assert proposal.electorate_households == 1  # the one household of actors.community, frozen

    # Closing asks first and changes nothing until confirmed.
    response = move(client, proposal, action="close")
    assert response.status_code == 200
    assert "确认结束表决" in response.content.decode() or "Close voting?" in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).state == State.VOTING
    response = move(client, proposal, action="close", confirm="1")
    assert response["Location"] == detail
    proposal.refresh_from_db()
    assert proposal.state == State.CLOSED and proposal.passed is False  # nobody voted

    response = move(client, proposal, action="publish")
    assert Proposal.objects.get(pk=proposal.pk).state == State.PUBLISHED

    moves = list(Transition.objects.filter(proposal=proposal).values_list("from_state", "to_state", "by"))
    assert moves == [
        ("", State.DRAFT, committee.pk),
        (State.DRAFT, State.CONSULTATION, committee.pk),
        (State.CONSULTATION, State.VOTING, committee.pk),
        (State.VOTING, State.CLOSED, committee.pk),
        (State.CLOSED, State.PUBLISHED, committee.pk),
    ]


def test_open_accepts_a_later_opening_in_beijing_time(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    # Next year (dates more than two years ahead are refused): the window lies wholly in the future.
    year = timezone.localdate().year + 1
    move(
        client_as(committee),
        proposal,
        action="open",
        opens_at=f"{year}-05-01T08:00",
        closes_at=f"{year}-05-08T20:00",
        confirm="1",
    )
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING
    # Asia/Shanghai is UTC+8: 20:00 there is 12:00 UTC.
    assert proposal.voting_closes_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") == f"{year}-05-08 12:00"
    assert proposal.voting_opens_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") == f"{year}-05-01 00:00"


def test_default_close_is_seven_days_ahead_at_eight_pm():
    now = timezone.make_aware(timezone.datetime(2024, 3, 1, 23, 30), timezone.get_default_timezone())
    proposed = default_closes_at(now)
    assert (proposed.year, proposed.month, proposed.day, proposed.hour, proposed.minute) == (2024, 3, 8, 20, 0)


@pytest.mark.parametrize("state", [State.DRAFT, State.CONSULTATION, State.VOTING])
def test_withdraw_from_each_allowed_state(actors, client_as, state):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=state)
    response = move(client_as(committee), proposal, action="withdraw", reason="业主意见分歧太大")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == State.WITHDRAWN
    last = proposal.transitions.last()
    assert (last.from_state, last.to_state, last.by) == (state, State.WITHDRAWN, committee)
    assert last.note == "业主意见分歧太大"


def test_withdraw_needs_a_reason(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee)
    before = snapshot(proposal)
    response = move(client_as(committee), proposal, action="withdraw", reason="  ")
    assert response.status_code == 302
    assert snapshot(proposal) == before
    assert texts(response)


IMPOSSIBLE = [
    (State.DRAFT, "open"),
    (State.DRAFT, "close"),
    (State.DRAFT, "publish"),
    (State.CONSULTATION, "consultation"),
    (State.CONSULTATION, "publish"),
    (State.CONSULTATION, "close"),
    (State.VOTING, "consultation"),
    (State.VOTING, "open"),
    (State.VOTING, "publish"),
    (State.CLOSED, "withdraw"),
    (State.CLOSED, "open"),
    (State.PUBLISHED, "withdraw"),
    (State.PUBLISHED, "publish"),
    (State.WITHDRAWN, "consultation"),
    (State.WITHDRAWN, "withdraw"),
]


@pytest.mark.parametrize(("state", "action"), IMPOSSIBLE)
def test_impossible_moves_are_refused_with_a_message(actors, client_as, state, action):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=state)
    before = snapshot(proposal)
    extra = {"closes_at": (timezone.localtime() + timedelta(days=2)).strftime(LOCAL), "reason": "r", "confirm": "1"}
    response = move(client_as(committee), proposal, action=action, **extra)
    assert response.status_code == 302
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])
    assert snapshot(proposal) == before
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error"
    assert "cannot be moved" in str(message) or "不能" in str(message)


def test_closing_twice_changes_nothing(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CLOSED)
    before = snapshot(proposal)
    response = move(client_as(committee), proposal, action="close", confirm="1")
    assert response.status_code == 302
    assert snapshot(proposal) == before
    assert texts(response)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "open", "confirm": "1"},  # no closing time
        {"action": "open", "closes_at": "next tuesday", "confirm": "1"},
        {"action": "open", "closes_at": "2001-01-01T20:00", "confirm": "1"},  # in the past: the service refuses
        {"action": "bogus"},
        {},
    ],
)
def test_bad_move_input_changes_nothing(actors, client_as, data):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    before = snapshot(proposal)
    response = move(client_as(committee), proposal, **data)
    assert response.status_code == 302
    assert snapshot(proposal) == before
    levels = [message.level_tag for message in get_messages(response.wsgi_request)]
    assert levels and set(levels) == {"error"}


def test_open_with_an_empty_scope_is_refused(actors, client_as, household_factory):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    # A community whose only household left the roster has no electorate.
    from community.models import Household, HouseholdBinding

    HouseholdBinding.objects.all().delete()
    Household.objects.filter(entrance__building__community=actors.community).delete()
    before = snapshot(proposal)
    closes = (timezone.localtime() + timedelta(days=2)).strftime(LOCAL)
    response = move(client_as(committee), proposal, action="open", closes_at=closes, confirm="1")
    assert snapshot(proposal) == before
    assert any("scope" in text or "范围" in text for text in texts(response))
