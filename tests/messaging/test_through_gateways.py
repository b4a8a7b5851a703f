"""A batch sent by the task queue's sending through the real Alibaba and Tencent SDKs, against the local fakes of the
providers' HTTP APIs (tests/fakes): the texts arrive as registered, a refusal of one number fails that message with
the provider's reason and leaves the others, a throttled number is retried later, and the delivery reports settle
each message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.sms import render
from messaging.models import Batch, MessageStatus
from messaging.sending import messages_send_due, receipts_collect
from messaging.services import batch_create
from tests.messaging.conftest import beijing

pytest_plugins = ["tests.fakes.fixtures"]

# Today: Alibaba's delivery reports are asked for by the Beijing date the text was sent on, which its fake records.
TODAY = timezone.localdate()
NOON = beijing(TODAY.year, TODAY.month, TODAY.day, 12)

REFUSALS = {
    # provider: (bad number, throttled)
    "aliyun_sms": ("isv.MOBILE_NUMBER_ILLEGAL", "isv.BUSINESS_LIMIT_CONTROL"),
    "tencent_sms": ("InvalidParameterValue.IncorrectPhoneNumber", "LimitExceeded.PhoneNumberOneHourLimit"),
}


def provider_id(text) -> str:
    return getattr(text, "biz_id", None) or text.serial_no


@pytest.mark.parametrize("provider", ["aliyun_sms", "tencent_sms"])
def test_a_batch_goes_through_the_provider_and_its_reports_come_back(request, provider, voting, actors):
    fake = request.getfixturevalue(provider)
    if provider == "aliyun_sms":  # its reports are asked for by the date it sent the text on: its clock is ours
        fake.clock = lambda: NOON
    bad_number, throttled = REFUSALS[provider]
    batch, _ = batch_create(subject=voting, kind=Batch.Kind.OPENED, by=actors.users["committee"], now=NOON)
    first, second, *rest = batch.messages.order_by("pk")
    fake.answer_next(bad_number)
    fake.answer_next(throttled)

    assert messages_send_due(now=NOON) == 5
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == MessageStatus.FAILED and first.error_code == bad_number and first.error_reason
    assert second.status == MessageStatus.QUEUED and second.send_after == NOON + timedelta(minutes=1)
    assert len(fake.sent) == 3
    assert {text.phone.removeprefix("+86") for text in fake.sent} == {m.phone for m in rest}
    assert fake.sent[0].text == render(batch_template(batch), rest[0].params)

    assert messages_send_due(now=NOON + timedelta(minutes=1)) == 1  # the throttled number, a minute later
    second.refresh_from_db()
    assert second.status == MessageStatus.SENT and provider_id(fake.sent[-1]) == second.provider_id

    delivered, failed, *waiting = fake.sent
    fake.deliver(provider_id(delivered))
    fake.fail(provider_id(failed))
    assert receipts_collect(now=NOON + timedelta(minutes=5)) == 2
    statuses = dict(batch.messages.values_list("provider_id", "status"))
    assert statuses[provider_id(delivered)] == MessageStatus.DELIVERED
    assert statuses[provider_id(failed)] == MessageStatus.FAILED
    assert {statuses[provider_id(text)] for text in waiting} == {MessageStatus.SENT}


def batch_template(batch):
    from accounts.sms import TEMPLATES

    return TEMPLATES[batch.template]
