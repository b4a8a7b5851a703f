"""Sending the queued messages, and reading the providers' delivery reports: the task queue's work (messaging.tasks),
never a request's. A message is claimed (status "sending") before the gateway is called, so two workers never send
it twice; a message left "sending" by a crash is not retried blindly, since it may have gone."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.sms import TEMPLATES, Outgoing, Outstanding, SmsRefused, backend
from core.identity import mask_phone
from messaging.models import Message, MessageStatus, OptOut
from messaging.selectors import QUIET_UNTIL, allowed_from

logger = logging.getLogger("gongyi.sms")

CLAIM = 50  # messages claimed per transaction
MAX_ATTEMPTS = 5
RECEIPT_WINDOW = timedelta(days=3)  # providers keep delivery reports about this long


def retry_delay(attempts: int) -> timedelta:
    """Backoff after a retryable refusal: 1, 4, 16, 64 minutes."""
    return timedelta(minutes=4 ** (attempts - 1))


def _day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _tomorrow_morning(now: datetime) -> datetime:
    local = timezone.localtime(now) + timedelta(days=1)
    return local.replace(hour=QUIET_UNTIL.hour, minute=QUIET_UNTIL.minute, second=0, microsecond=0)


def _claim(now: datetime) -> list[Message]:
    """Take up to CLAIM due messages: opted-out households' fail, phones over today's cap wait for tomorrow, the
    rest become "sending"."""
    with transaction.atomic():
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.QUEUED, send_after__lte=now)
            .select_related("batch")
            .order_by("send_after", "pk")[:CLAIM]
        )
        if not due:
            return []
        opted_out = set(
            OptOut.objects.filter(household_id__in={m.household_id for m in due}).values_list("household_id", flat=True)
        )
        today = dict(
            Message.objects.filter(
                phone__in={m.phone for m in due},
                status__in=[MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED],
                sent_at__gte=_day_start(now),
            )
            .values("phone")
            .annotate(n=Count("pk"))
            .values_list("phone", "n")
        )
        claimed, later, refused = [], [], []
        for message in due:
            if message.household_id in opted_out:
                refused.append(message.pk)
            elif today.get(message.phone, 0) >= settings.SMS_DAILY_CAP_PER_PHONE:
                later.append(message.pk)
            else:
                today[message.phone] = today.get(message.phone, 0) + 1
                claimed.append(message)
        Message.objects.filter(pk__in=refused).update(
            status=MessageStatus.FAILED, failed_at=now, error_code="opted_out", error_reason="已退订"
        )
        Message.objects.filter(pk__in=later).update(send_after=_tomorrow_morning(now))
        Message.objects.filter(pk__in=[m.pk for m in claimed]).update(status=MessageStatus.SENDING, sent_at=now)
    return claimed


def _send(gateway, message: Message, now: datetime) -> None:
    attempts = message.attempts + 1
    template = TEMPLATES[message.batch.template]
    outgoing = Outgoing(phone=message.phone, template=template, params=message.params, reference=message.reference)
    try:
        sent = gateway.send(outgoing)
    except SmsRefused as refused:
        if refused.retryable and attempts < MAX_ATTEMPTS:
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.QUEUED,
                attempts=attempts,
                sent_at=None,
                send_after=allowed_from(now + retry_delay(attempts)),
                error_code=refused.code[:64],
                error_reason=refused.reason[:200],
            )
        else:
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.FAILED,
                attempts=attempts,
                sent_at=None,
                failed_at=now,
                error_code=refused.code[:64],
                error_reason=refused.reason[:200],
            )
        logger.warning("SMS to %s refused: %s %s", mask_phone(message.phone), refused.code, refused.reason)
        return
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENT,
        attempts=attempts,
        sent_at=now,
        provider=getattr(gateway, "name", ""),
        provider_id=sent.provider_id[:64],
        error_code="",
        error_reason="",
    )


def messages_send_due(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Send up to `limit` due messages; none during the quiet hours. Returns how many were handed to the gateway."""
    now = now or timezone.now()
    if allowed_from(now) != now:
        return 0
    gateway = backend()
    handed = 0
    while handed < limit:
        claimed = _claim(now)
        if not claimed:
            break
        for message in claimed:
            _send(gateway, message, now)
        handed += len(claimed)
    return handed


def receipts_collect(*, now: datetime | None = None) -> int:
    """Ask the gateway for the delivery reports of messages sent in the last days; returns how many were settled."""
    now = now or timezone.now()
    gateway = backend()
    outstanding = list(
        Message.objects.filter(
            status=MessageStatus.SENT, provider=getattr(gateway, "name", ""), sent_at__gte=now - RECEIPT_WINDOW
        ).values_list("provider_id", "phone", "sent_at")
    )
    if not outstanding:
        return 0
    settled = 0
    for receipt in gateway.receipts([Outstanding(*row) for row in outstanding]):
        found = Message.objects.filter(
            provider=gateway.name, provider_id=receipt.provider_id, status=MessageStatus.SENT
        )
        if receipt.delivered:
            settled += found.update(status=MessageStatus.DELIVERED, delivered_at=receipt.at or now)
        else:
            settled += found.update(
                status=MessageStatus.FAILED,
                failed_at=receipt.at or now,
                error_code=receipt.code[:64],
                error_reason=(receipt.reason or receipt.code)[:200],
            )
    return settled
