"""Sending, when the provider is not on our side: retries with backoff for refusals worth retrying, final failures
recorded with their reason, delivery reports (delivered or failed, and why), a gateway fault, a worker that died
while sending, a notice held past the close, and two workers at once (PostgreSQL).

The provider is faked by `FakeProvider` below (it is outside the project); settings.SMS_BACKEND names it."""

import threading
import time
from collections.abc import Sequence
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.sms import Outgoing, Outstanding, Receipt, Sent, SmsRefused
from meetings.models import Meeting
from messaging import sending
from messaging.models import Batch, Message, MessageStatus
from messaging.schedule import batches_make_due
from messaging.selectors import allowed_from
from messaging.sending import MAX_ATTEMPTS, messages_send_due, receipts_collect, retry_delay
from messaging.services import batch_create
from proposals.models import Proposal
from tests.meetings.conftest import make_meeting
from tests.messaging.conftest import beijing
from tests.racing import race


class FakeProvider:
    """A provider's gateway as the adapters present it: takes a message and answers its id, or refuses it (the
    numbers in `refusals`); a number in `faulty` raises what an adapter's bug would; `reports` are its delivery
    reports by its id. Class attributes: the project makes a new backend for each run."""

    name = "fake"
    refusals: dict[str, SmsRefused] = {}
    faulty: set[str] = set()
    reports: dict[str, Receipt] = {}
    sent: list[Outgoing] = []
    delay = 0.0
    lock = threading.Lock()

    def send(self, message: Outgoing) -> Sent:
        if message.phone in self.faulty:
            raise RuntimeError("the gateway answered nonsense")
        if message.phone in self.refusals:
            raise self.refusals[message.phone]
        time.sleep(self.delay)
        with self.lock:
            self.sent.append(message)
        return Sent(provider_id=f"fake-{message.reference}")

    def receipts(self, outstanding: Sequence[Outstanding]) -> list[Receipt]:
        return [self.reports[o.provider_id] for o in outstanding if o.provider_id in self.reports]


@pytest.fixture
def provider(settings):
    settings.SMS_BACKEND = "tests.messaging.test_sending.FakeProvider"
    FakeProvider.refusals, FakeProvider.faulty, FakeProvider.reports, FakeProvider.sent = {}, set(), {}, []
    FakeProvider.delay = 0.0
    yield FakeProvider
    FakeProvider.refusals, FakeProvider.faulty, FakeProvider.reports, FakeProvider.sent = {}, set(), {}, []


def tomorrow_noon():
    today = timezone.localtime().date()
    return beijing(today.year, today.month, today.day, 12) + timedelta(days=1)


# Within the window of the `voting` fixture, opened at the real time for seven days.
NOON = tomorrow_noon()


@pytest.fixture
def batch(voting, actors):
    return batch_create(subject=voting, kind=Batch.Kind.RESULT, by=actors.users["committee"], now=NOON)[0]


def sent_phones(provider):
    return [m.phone for m in provider.sent]


def test_a_refusal_worth_retrying_is_retried_with_backoff_then_fails_with_its_reason(provider, batch):
    phone = batch.messages.order_by("pk").first().phone
    provider.refusals[phone] = SmsRefused("触发号码天级流控", code="isv.BUSINESS_LIMIT_CONTROL", retryable=True)
    assert messages_send_due(now=NOON) == 5
    assert len(provider.sent) == 4 and phone not in sent_phones(provider)

    message = batch.messages.get(phone=phone)
    at = NOON
    for attempt in range(1, MAX_ATTEMPTS):
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, attempt)
        assert message.send_after == at + retry_delay(attempt)
        assert message.error_code == "isv.BUSINESS_LIMIT_CONTROL" and message.sent_at is None
        assert messages_send_due(now=message.send_after - timedelta(seconds=1)) == 0  # not before its time
        at = message.send_after
        assert messages_send_due(now=at) == 1
        message.refresh_from_db()
    assert [retry_delay(n) for n in range(1, MAX_ATTEMPTS)] == [timedelta(minutes=m) for m in (1, 4, 16, 64)]

    assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert message.failed_at == at and message.error_reason == "触发号码天级流控"
    assert messages_send_due(now=at + timedelta(hours=2)) == 0
    assert len(provider.sent) == 4


def test_a_retry_that_goes_through_is_sent_once(provider, batch):
    phone = batch.messages.order_by("pk").first().phone
    provider.refusals[phone] = SmsRefused("网络超时", code="timeout", retryable=True)
    messages_send_due(now=NOON)
    del provider.refusals[phone]
    assert messages_send_due(now=NOON + timedelta(minutes=1)) == 1
    message = batch.messages.get(phone=phone)
    assert (message.status, message.attempts, message.error_code, message.error_reason) == (
        MessageStatus.SENT,
        2,
        "",
        "",
    )
    assert message.provider == "fake" and message.provider_id == f"fake-{message.reference}"
    assert sorted(sent_phones(provider)) == sorted(batch.messages.values_list("phone", flat=True))


def test_a_retry_falling_in_the_quiet_hours_waits_for_the_morning(provider, batch):
    phone = batch.messages.order_by("pk").first().phone
    provider.refusals[phone] = SmsRefused("网络超时", code="timeout", retryable=True)
    messages_send_due(now=NOON + timedelta(hours=8, minutes=59, seconds=30))  # 20:59:30, retried at 21:00:30
    assert batch.messages.get(phone=phone).send_after == NOON + timedelta(hours=20)  # 08:00


def test_a_final_refusal_fails_at_once_with_its_reason(provider, batch):
    phone = batch.messages.order_by("pk").first().phone
    provider.refusals[phone] = SmsRefused("手机号码格式错误", code="isv.MOBILE_NUMBER_ILLEGAL")
    assert messages_send_due(now=NOON) == 5
    message = batch.messages.get(phone=phone)
    assert (message.status, message.attempts, message.error_code) == (
        MessageStatus.FAILED,
        1,
        "isv.MOBILE_NUMBER_ILLEGAL",
    )
    assert message.error_reason == "手机号码格式错误" and message.failed_at == NOON and message.sent_at is None
    assert messages_send_due(now=NOON + timedelta(days=1)) == 0


def test_delivery_reports_settle_each_message_once(provider, batch):
    messages_send_due(now=NOON)
    first, second, third, *_ = batch.messages.order_by("pk")
    later = NOON + timedelta(minutes=2)
    provider.reports = {
        first.provider_id: Receipt(first.provider_id, delivered=True, at=NOON + timedelta(seconds=5)),
        second.provider_id: Receipt(second.provider_id, delivered=False, code="MK:0001", reason="空号"),
        third.provider_id: Receipt(third.provider_id, delivered=False, code="DB:0141"),
    }
    assert receipts_collect(now=later) == 3
    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    assert (first.status, first.delivered_at) == (MessageStatus.DELIVERED, NOON + timedelta(seconds=5))
    assert (second.status, second.error_code, second.error_reason, second.failed_at) == (
        MessageStatus.FAILED,
        "MK:0001",
        "空号",
        later,
    )
    assert (third.status, third.error_reason) == (MessageStatus.FAILED, "DB:0141")  # no words: the code
    assert batch.messages.filter(status=MessageStatus.SENT).count() == 2  # not reported yet
    assert receipts_collect(now=later) == 0  # settled messages are not asked about again


def test_a_gateway_fault_fails_that_message_only_and_sends_the_rest_once(provider, batch):
    messages = list(batch.messages.order_by("pk"))
    provider.faulty = {messages[1].phone}
    assert messages_send_due(now=NOON) == 2  # the run stops at the fault; the rest go back to the queue
    assert batch.messages.filter(status=MessageStatus.QUEUED).count() == 3
    assert batch.messages.filter(status=MessageStatus.SENDING).count() == 0

    faulty = batch.messages.get(pk=messages[1].pk)
    assert (faulty.status, faulty.error_code) == (MessageStatus.FAILED, "error")
    assert "RuntimeError" in faulty.error_reason and "nonsense" not in faulty.error_reason  # the log has its words
    assert messages_send_due(now=NOON + timedelta(minutes=1)) == 3
    assert sorted(sent_phones(provider)) == sorted(m.phone for m in messages if m.pk != faulty.pk)


def test_a_message_left_sending_by_a_dead_worker_is_never_sent_again(provider, batch):
    stuck = batch.messages.order_by("pk").first()
    Message.objects.filter(pk=stuck.pk).update(status=MessageStatus.SENDING, sent_at=NOON)
    assert messages_send_due(now=NOON + timedelta(minutes=10)) == 4
    stuck.refresh_from_db()
    assert stuck.status == MessageStatus.SENDING  # another worker may still be sending it

    messages_send_due(now=NOON + sending.STALE + timedelta(seconds=1))
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error_code) == (MessageStatus.FAILED, "interrupted")
    assert stuck.phone not in sent_phones(provider)


def test_a_reminder_held_past_the_close_is_not_sent(provider, voting, actors):
    late = NOON + timedelta(hours=10)  # 22:00: held until 08:00
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.REMINDER, by=actors.users["committee"], now=late)
    Proposal.objects.filter(pk=voting.pk).update(voting_closes_at=NOON + timedelta(hours=19))  # 07:00
    result, _ = batch_create(subject=voting, kind=Batch.Kind.RESULT, by=actors.users["committee"], now=late)
    assert messages_send_due(now=NOON + timedelta(hours=20)) == 5  # the result's
    assert set(batch.messages.values_list("status", "error_code")) == {(MessageStatus.FAILED, "closed")}
    assert set(result.messages.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert {m.template.name for m in provider.sent} == {"result"}


def test_a_meetings_notice_held_past_the_close_is_not_sent_and_no_query_asks_which_closed(
    provider, voting, actors, django_assert_num_queries
):
    """Whether a batch's vote has closed is read from its subject, loaded with the due messages."""
    committee = actors.users["committee"]
    meeting = make_meeting(actors.community, committee)
    late = NOON + timedelta(hours=10)  # 22:00: held until 08:00
    notice, _ = batch_create(subject=meeting, kind=Batch.Kind.MEETING, by=committee, now=late)
    reminder, _ = batch_create(subject=voting, kind=Batch.Kind.REMINDER, by=committee, now=late)
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_opens_at=NOON - timedelta(days=3),
        voting_closes_at=NOON + timedelta(hours=19),  # 07:00
    )
    # In a savepoint: the due messages (with their batches and subjects), the opt-outs, today's texts per phone, who
    # voted since the reminder was queued; then the notice's messages fail and the reminder's are claimed.
    with django_assert_num_queries(8):
        claimed = sending._claim(NOON + timedelta(hours=20))
    assert sorted(m.pk for m in claimed) == sorted(reminder.messages.values_list("pk", flat=True))
    assert set(notice.messages.values_list("status", "error_code")) == {(MessageStatus.FAILED, "closed")}


def test_running_the_schedule_and_sending_again_never_texts_a_household_the_same_reminder_twice(provider, voting):
    closes = voting.voting_closes_at
    for minutes in range(0, 180, 30):
        now = closes - timedelta(days=1) + timedelta(minutes=minutes)
        batches_make_due(now=now)
        messages_send_due(now=allowed_from(now))
    reminders = [m for m in provider.sent if m.template.name == "reminder"]
    assert len(reminders) == 5 and len({m.phone for m in reminders}) == 5


# --- Two workers at once, on PostgreSQL (SQLite serialises every write) --------------------------------------


LATER = beijing(2030, 6, 3, 12)  # far from the real time: the task the batch enqueues (run at once) finds nothing due


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_workers_never_send_a_message_twice(provider, voting, actors, monkeypatch):
    Proposal.objects.filter(pk=voting.pk).update(voting_closes_at=LATER + timedelta(days=7))
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"], now=LATER)
    monkeypatch.setattr(sending, "CLAIM", 1)  # one message a claim: the workers interleave
    provider.delay = 0.05
    results = race([lambda: messages_send_due(now=LATER)] * 2)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 5
    assert sorted(m.reference for m in provider.sent) == sorted(batch.messages.values_list("reference", flat=True))
    assert set(batch.messages.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_schedulers_at_once_make_each_batch_once(provider, voting):
    now = timezone.now()
    results = race([lambda: batches_make_due(now=now)] * 2)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(len(made) for made in results) == 1  # the one that waited for the lock made nothing
    assert list(Batch.objects.values_list("key", flat=True)) == [f"opened:p{voting.pk}"]
    assert Message.objects.count() == 5
    assert len(sent_phones(provider)) == len(set(sent_phones(provider)))
