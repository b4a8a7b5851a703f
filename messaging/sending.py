"""Sending the queued messages, and reading the providers' delivery reports: the task queue's work (messaging.tasks),
never a request's. A message is claimed (status "sending") before the gateway is called, so two workers never send
it twice; a message left "sending" by a crash is not retried blindly, since it may have gone: after STALE it is
recorded as failed, with that reason. A notice or reminder whose voting has closed is not sent any more."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.sms import TEMPLATES, Outgoing, Outstanding, SmsRefused, backend
from community.models import Household
from core.identity import mask_phone
from messaging.models import BEFORE_THE_CLOSE, Batch, Message, MessageStatus, OptOut
from messaging.selectors import QUIET_UNTIL, allowed_from, voted_households

logger = logging.getLogger("gongyi.sms")

CLAIM = 50  # messages claimed per transaction
MAX_ATTEMPTS = 5
RECEIPT_WINDOW = timedelta(days=3)  # providers keep delivery reports about this long
STALE = timedelta(minutes=30)  # a claim of CLAIM messages is sent in seconds; one older than this was interrupted


def retry_delay(attempts: int) -> timedelta:
    """Backoff after a retryable refusal: 1, 4, 16, 64 minutes."""
    return timedelta(minutes=4 ** (attempts - 1))


def _day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _tomorrow_morning(now: datetime) -> datetime:
    local = timezone.localtime(now) + timedelta(days=1)
    return local.replace(hour=QUIET_UNTIL.hour, minute=QUIET_UNTIL.minute, second=0, microsecond=0)


def _voted_since(due: list[Message]) -> set[int]:
    """The reminders among `due` whose household voted after they were queued (overnight, or on the canvasser's
    visit): they are not sent. One query per reminder batch in the claim."""
    batches: dict[int, list[Message]] = {}
    for message in due:
        if message.batch.kind == Batch.Kind.REMINDER and message.household_id is not None:
            batches.setdefault(message.batch_id, []).append(message)
    voted = set()
    for messages in batches.values():
        households = Household.objects.filter(pk__in=[m.household_id for m in messages])
        done = set(households.filter(voted_households(messages[0].batch.subject)).values_list("pk", flat=True))
        voted |= {m.pk for m in messages if m.household_id in done}
    return voted


def _after_the_close(batch: Batch, now: datetime) -> bool:
    """A notice or reminder whose subject's voting had closed by `now`, read from the subject loaded with the batch."""
    if batch.kind not in BEFORE_THE_CLOSE or batch.subject is None:
        return False
    closes = batch.subject.voting_closes_at
    return closes is not None and closes <= now


def _claim(now: datetime) -> list[Message]:
    """Take up to CLAIM due messages: opted-out households' fail, so do notices and reminders of a vote that has
    closed, phones over today's cap wait for tomorrow, the rest become "sending"."""
    with transaction.atomic():
        due = list(
            # Only the messages' rows are locked (not their batch's, which the join would lock too): another worker
            # skips these messages, not the rest of the batch.
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=MessageStatus.QUEUED, send_after__lte=now)
            .select_related("batch__proposal", "batch__meeting")
            .order_by("send_after", "pk")[:CLAIM]
        )
        if not due:
            return []
        opted_out = set(
            OptOut.objects.filter(household_id__in={m.household_id for m in due}).values_list("household_id", flat=True)
        )
        closed = {m.batch_id for m in due if _after_the_close(m.batch, now)}
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
        voted = _voted_since(due)
        claimed, later, refused, too_late, needless = [], [], [], [], []
        for message in due:
            if message.household_id in opted_out:
                refused.append(message.pk)
            elif message.batch_id in closed:
                too_late.append(message.pk)
            elif message.pk in voted:
                needless.append(message.pk)
            elif today.get(message.phone, 0) >= settings.SMS_DAILY_CAP_PER_PHONE:
                later.append(message.pk)
            else:
                today[message.phone] = today.get(message.phone, 0) + 1
                claimed.append(message)
        Message.objects.filter(pk__in=refused).update(
            status=MessageStatus.FAILED, failed_at=now, error_code="opted_out", error_reason="已退订"
        )
        Message.objects.filter(pk__in=too_late).update(
            status=MessageStatus.FAILED, failed_at=now, error_code="closed", error_reason="表决已截止，未发送"
        )
        Message.objects.filter(pk__in=needless).update(
            status=MessageStatus.FAILED, failed_at=now, error_code="voted", error_reason="已投票，无需提醒"
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


def _fail_interrupted(now: datetime) -> int:
    """Messages claimed long ago and never settled (the worker died while sending): they may have gone, so they are
    not sent again; they are recorded as failed, saying so."""
    return Message.objects.filter(status=MessageStatus.SENDING, sent_at__lt=now - STALE).update(
        status=MessageStatus.FAILED,
        failed_at=now,
        error_code="interrupted",
        error_reason="发送时中断，不知是否已发出；为免重复，不再重发",
    )


def messages_send_due(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Send up to `limit` due messages; none during the quiet hours. Returns how many were handed to the gateway."""
    now = now or timezone.now()
    _fail_interrupted(now)
    if allowed_from(now) != now:
        return 0
    gateway = backend()
    handed = 0
    while handed < limit:
        claimed = _claim(now)
        if not claimed:
            break
        for i, message in enumerate(claimed):
            try:
                _send(gateway, message, now)
            except Exception as error:
                # Not a refusal (the adapters raise SmsRefused for those) but a fault, ours or the adapter's: the
                # message may have gone, so it fails, naming the fault (its words, which may hold the number, go to
                # the log only); the rest of the claim goes back to the queue untouched and this run stops, so that
                # a broken gateway spoils one message a run, not thousands.
                logger.exception("SMS to %s: the gateway failed", mask_phone(message.phone))
                Message.objects.filter(pk=message.pk).update(
                    status=MessageStatus.FAILED,
                    attempts=message.attempts + 1,
                    failed_at=now,
                    error_code="error",
                    error_reason=f"发送出错（{type(error).__name__}），为免重复，不再重发"[:200],
                )
                Message.objects.filter(pk__in=[m.pk for m in claimed[i + 1 :]]).update(
                    status=MessageStatus.QUEUED, sent_at=None
                )
                return handed + i + 1
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
    try:
        receipts = gateway.receipts([Outstanding(*row) for row in outstanding])
    except SmsRefused as refused:  # the provider cannot be reached now: the next run asks again
        logger.warning("SMS delivery reports not read: %s %s", refused.code, refused.reason)
        return 0
    settled = 0
    for receipt in receipts:
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
