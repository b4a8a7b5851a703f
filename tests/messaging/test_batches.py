"""A batch: one queued message per phone of the chosen households, within the month's budget, idempotent on its
key; sending claims each message once, honours the quiet hours, the daily cap and opt-outs; delivery reports."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts import sms
from messaging.models import Batch, Message, MessageStatus, OptOut, Policy
from messaging.selectors import Audience
from messaging.sending import messages_send_due, receipts_collect
from messaging.services import MessagingError, batch_create
from tests.messaging.conftest import beijing
from tests.voting.conftest import scan
from voting.models import Channel, Choice
from voting.services import ballot_cast

NOON = beijing(2026, 12, 7, 12)


def test_one_message_per_phone_with_the_template_and_its_parameters(voting, estate, actors):
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"], now=NOON)
    # 7 households: two share an owner (one phone), one has no phone.
    assert (batch.households, batch.without_phone, batch.opted_out) == (6, 1, 0)
    messages = list(batch.messages.order_by("pk"))
    assert len(messages) == 5 and len({m.phone for m in messages}) == 5
    assert set(messages[0].params) == {"community", "title", "deadline", "link"}
    assert len(messages[0].params["link"]) == 7  # the short link's code: the address is in the template
    assert "http://127.0.0.1:8000/s/" + messages[0].params["link"] in sms.render(
        sms.TEMPLATES["voting_opened"], messages[0].params
    )
    assert batch.estimated_cost == Decimal("0.045") * sum(m.parts for m in messages)

    assert messages_send_due(now=NOON) == 5
    assert sms.sent_messages[0].template.name == "voting_opened"
    assert "电动车车库" in sms.outbox[0][1]
    assert set(batch.messages.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert messages_send_due(now=NOON) == 0  # nothing is sent twice
    assert len(sms.outbox) == 5

    assert receipts_collect(now=NOON) == 5
    assert set(batch.messages.values_list("status", flat=True)) == {MessageStatus.DELIVERED}


def test_the_short_link_leads_to_the_proposal(client, voting, actors):
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"], now=NOON)
    link = "/s/" + batch.messages.first().params["link"]
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == f"/proposals/{voting.pk}/"


def test_a_reminder_goes_only_to_households_that_have_not_voted(voting, estate, actors):
    ballot_cast(
        proposal=voting,
        household=estate[3],
        choice=Choice.AGREE,
        channel=Channel.PAPER,
        by=actors.users["committee"],
        evidence=scan(),
    )
    batch, _ = batch_create(
        subject=voting,
        kind=Batch.Kind.REMINDER,
        audience=Audience(not_voted=True),
        by=actors.users["committee"],
        now=NOON,
    )
    assert batch.households == 5 and batch.voted_before == 1
    assert estate[3].owner.phone not in set(batch.messages.values_list("phone", flat=True))


def test_an_automatic_batch_is_made_once(voting):
    first, created = batch_create(subject=voting, kind=Batch.Kind.OPENED, key=f"opened:p{voting.pk}", now=NOON)
    again, created_again = batch_create(subject=voting, kind=Batch.Kind.OPENED, key=f"opened:p{voting.pk}", now=NOON)
    assert first.pk == again.pk and Message.objects.count() == 5
    assert (created, created_again) == (True, False)


def test_over_budget_a_committee_batch_is_refused_and_nothing_is_queued(voting, actors):
    Policy.objects.create(community=actors.community, monthly_budget=Decimal("0.10"))
    with pytest.raises(MessagingError, match="budget"):
        batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"], now=NOON)
    assert not Batch.objects.exists() and not Message.objects.exists()
    automatic, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, key="opened", now=NOON)
    assert automatic.refused and not automatic.messages.exists()


def test_quiet_hours_hold_texts_until_eight(voting, actors):
    late = beijing(2026, 12, 7, 22, 30)
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"], now=late)
    assert set(batch.messages.values_list("send_after", flat=True)) == {beijing(2026, 12, 8, 8)}
    assert messages_send_due(now=late) == 0
    assert messages_send_due(now=beijing(2026, 12, 8, 7, 59)) == 0
    assert messages_send_due(now=beijing(2026, 12, 8, 8)) == 5


def test_the_daily_cap_per_phone_holds_the_rest_until_tomorrow(settings, voting, actors):
    settings.SMS_DAILY_CAP_PER_PHONE = 1
    committee = actors.users["committee"]
    batch_create(subject=voting, kind=Batch.Kind.OPENED, by=committee, now=NOON)
    messages_send_due(now=NOON)
    second, _ = batch_create(subject=voting, kind=Batch.Kind.REMINDER, by=committee, now=NOON + timedelta(hours=1))
    assert messages_send_due(now=NOON + timedelta(hours=1)) == 0
    assert set(second.messages.values_list("send_after", flat=True)) == {beijing(2026, 12, 8, 8)}


def test_an_opt_out_after_queuing_is_still_honoured(voting, estate, actors):
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"], now=NOON)
    OptOut.objects.create(household=estate[4])
    assert messages_send_due(now=NOON) == 4
    failed = batch.messages.get(status=MessageStatus.FAILED)
    assert failed.household == estate[4] and failed.error_code == "opted_out"


def test_a_representatives_meeting_texts_the_representatives_on_their_own_numbers(actors, estate):
    from community.models import Representative
    from meetings.models import Organiser
    from meetings.services import meeting_create
    from proposals.models import Electorate

    community = actors.community
    Representative.objects.create(community=community, name="张代表", household=estate[3], phone="13600000001")
    Representative.objects.create(community=community, name="李代表", household=estate[4], phone="")
    Representative.objects.create(
        community=community, name="前代表", household=estate[5], phone="13600000003", active=False
    )
    meeting = meeting_create(
        community=community,
        by=actors.users["committee"],
        title="居民代表会议",
        organiser=Organiser.COMMITTEE,
        voting_opens_at=NOON + timedelta(days=20),
        voting_closes_at=NOON + timedelta(days=21),
        electorate=Electorate.REPRESENTATIVES,
    )
    batch, _ = batch_create(subject=meeting, kind=Batch.Kind.MEETING, by=actors.users["committee"], now=NOON)
    assert list(batch.messages.values_list("phone", flat=True)) == ["13600000001"]
    assert (batch.households, batch.without_phone) == (1, 1)
    assert set(batch.messages.get().params) == {"community", "title", "start", "deadline", "link"}


def test_a_reminder_is_not_sent_to_a_household_that_voted_after_it_was_queued(voting, estate, actors):
    committee = actors.users["committee"]
    late = beijing(2026, 12, 7, 22, 30)
    batch, _ = batch_create(
        subject=voting, kind=Batch.Kind.REMINDER, audience=Audience(not_voted=True), by=committee, now=late
    )
    # Overnight, the canvasser's paper ballot of one household is entered.
    ballot_cast(
        proposal=voting, household=estate[3], choice=Choice.AGREE, channel=Channel.PAPER, by=committee, evidence=scan()
    )
    assert messages_send_due(now=beijing(2026, 12, 8, 8)) == 4
    skipped = batch.messages.get(status=MessageStatus.FAILED)
    assert skipped.household == estate[3] and skipped.error_code == "voted"
    assert estate[3].owner.phone not in {phone for phone, _text in sms.outbox}


class Unreachable(sms.LocmemBackend):
    def receipts(self, outstanding):
        raise sms.SmsRefused("the provider cannot be reached", code="network", retryable=True)


def test_delivery_reports_wait_for_a_provider_that_cannot_be_reached(settings, voting, actors):
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"], now=NOON)
    messages_send_due(now=NOON)
    settings.SMS_BACKEND = "tests.messaging.test_batches.Unreachable"
    assert receipts_collect(now=NOON) == 0
    assert set(batch.messages.values_list("status", flat=True)) == {MessageStatus.SENT}
