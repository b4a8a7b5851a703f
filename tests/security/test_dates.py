"""Dates a person types are bounded (2000-01-01 … now + 2 years): a year-1 voting window or meeting once took the
proposal page, tally, register, list and every resident's home page down on PostgreSQL (500 until fixed in SQL)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from consult.forms import MeetingForm
from consult.meetings import meeting_create
from consult.models import Meeting
from costs.forms import PayForm
from costs.models import Bill
from lifecycle.services import proposal_open_voting
from proposals.models import Proposal, State
from tests.consult.consultation.conftest import party
from tests.proposals.conftest import make_proposal

pytestmark = pytest.mark.django_db

YEAR_ONE = datetime(1, 1, 1, 8, 0, tzinfo=UTC)
FAR = timezone.now() + timedelta(days=365 * 5)


@pytest.fixture
def consulting(actors):
    return make_proposal(actors.community, actors.users["committee"], state=State.CONSULTATION)


def test_the_move_form_refuses_a_year_one_window_and_every_page_still_answers(actors, client_as, consulting):
    client = client_as(actors.users["committee"])
    closes = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    with translation.override("zh-hans"):
        response = client.post(
            reverse("proposal_move", args=[consulting.pk]),
            {"action": "open", "opens_at": "0001-01-01T08:00", "closes_at": closes},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 302
    consulting.refresh_from_db()
    assert consulting.state == State.CONSULTATION and consulting.voting_opens_at is None
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "2000-01-01" in message and "之间的日期" in message
    for url in (reverse("proposal_detail", args=[consulting.pk]), reverse("home")):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("opens_at", "closes_at"),
    [(YEAR_ONE, timezone.now() + timedelta(days=3)), (None, FAR), (None, datetime(9999, 12, 31, tzinfo=UTC))],
)
def test_the_service_refuses_a_window_outside_the_range(actors, consulting, opens_at, closes_at):
    with pytest.raises(ValidationError):
        proposal_open_voting(proposal=consulting, by=actors.users["committee"], opens_at=opens_at, closes_at=closes_at)
    assert Proposal.objects.get(pk=consulting.pk).state == State.CONSULTATION


@pytest.mark.parametrize("field", ["voting_opens_at", "voting_closes_at"])
def test_the_database_refuses_an_unreadable_window(consulting, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=consulting.pk).update(**{field: YEAR_ONE})


def test_a_year_one_meeting_is_refused_by_form_service_and_database(actors, consulting):
    form = MeetingForm(data={"held_at": "0001-01-01T10:00", "place": "社区会议室"})
    assert not form.is_valid() and "held_at" in form.errors
    assert not MeetingForm(data={"held_at": "2999-01-01T10:00", "place": "社区会议室"}).is_valid()
    assert MeetingForm(data={"held_at": "2024-05-01T10:00", "place": "社区会议室"}).is_valid()
    with pytest.raises(ValidationError):
        meeting_create(
            proposal=consulting, by=actors.users["committee"], held_at=YEAR_ONE, place="社区会议室", parties=[party()]
        )
    assert not Meeting.objects.exists()
    meeting = meeting_create(
        proposal=consulting, by=actors.users["committee"], held_at=timezone.now(), place="社区会议室", parties=[party()]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(held_at=YEAR_ONE)


def test_a_payment_dated_year_one_is_refused():
    form = PayForm(data={"amount": "100", "paid_on": "0001-01-01"})
    assert not form.is_valid() and "paid_on" in form.errors
    assert PayForm(data={"amount": "100", "paid_on": "2024-05-01"}).is_valid()


def test_the_database_refuses_an_unreadable_payment_date():
    constraint = next(c for c in Bill._meta.constraints if c.name == "bill_paid_readable")
    # Checked without a whole bill: the condition itself refuses year 1 and year 9999 and keeps today and NULL.
    for day, ok in ((date(1, 1, 1), False), (date(9999, 1, 1), False), (timezone.localdate(), True), (None, True)):
        bill = Bill(paid_at=day)
        if ok:
            constraint.validate(Bill, bill)
        else:
            with pytest.raises(ValidationError):
                constraint.validate(Bill, bill)
