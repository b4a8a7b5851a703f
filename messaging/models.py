"""Text messages to households: each batch (a notice, a reminder, a result, the bills) and each message in it, one
row per phone, from queued to sent to delivered or failed; a community's limits; households' opt-outs; short links.

Verification codes are not rows here: they go out at once through accounts.sms (the person waits for them).
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import Community, Household
from meetings.models import Meeting
from proposals.models import Proposal


def parse_reminder_days(text: str) -> list[int]:
    """The days of a reminder-days text ("3,1"), each once, the furthest from the close first; what is not a whole
    number is left out. The policy's list, and the form's normal form of what the committee wrote."""
    return sorted({int(day) for day in text.split(",") if day.strip().isdigit()}, reverse=True)


class Policy(models.Model):
    """A community's limits on text messages. Without a row, the defaults below apply (`policy_of`)."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="sms_policy")
    monthly_budget = models.DecimalField(
        _("monthly budget (¥)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("300.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    notify_on_open = models.BooleanField(_("text every household when voting opens"), default=True)
    notify_results = models.BooleanField(_("text the result and the bills when a proposal closes"), default=True)
    # Days before the close on which households that have not voted are reminded ("3,1"; blank: none).
    reminder_days = models.CharField(
        _("automatic reminders (days before the close)"), max_length=20, default="3,1", blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("text message policy")
        verbose_name_plural = _("text message policies")
        constraints = [
            models.CheckConstraint(condition=Q(monthly_budget__gte=0), name="sms_policy_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return str(self.community)

    @property
    def reminder_day_list(self) -> list[int]:
        return parse_reminder_days(self.reminder_days)


class OptOut(models.Model):
    """A household that asked not to be texted (notices and reminders). Statutory notices still go on paper."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="sms_opt_out")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("text message opt-out")
        verbose_name_plural = _("text message opt-outs")

    def __str__(self) -> str:
        return str(self.household)


class Batch(models.Model):
    """One sending: what, to whom (the audience as chosen), what it was estimated to cost, and the participation
    when it was made. `key` makes automatic batches idempotent ("opened:p12", "reminder:p12:3d": services.batch_key)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("voting opened")
        MEETING = "meeting", _("meeting notice")
        REMINDER = "reminder", _("reminder")
        RESULT = "result", _("result")
        BILL = "bill", pgettext_lazy("text message kind", "bill")  # the text about a bill, not the bill

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="sms_batches")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    template = models.CharField(max_length=30)
    key = models.CharField(max_length=80, unique=True)
    # {"not_voted": bool, "not_reached": bool, "building": id|None, "entrance": id|None}
    audience = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # None: made by a scheduled job
    created_at = models.DateTimeField(auto_now_add=True)
    households = models.PositiveIntegerField(default=0)  # chosen, with a phone, not opted out
    opted_out = models.PositiveIntegerField(default=0)
    without_phone = models.PositiveIntegerField(default=0)
    estimated_cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    electorate = models.PositiveIntegerField(null=True, blank=True)
    voted_before = models.PositiveIntegerField(null=True, blank=True)
    # Why nothing was queued ("over budget"), for an automatic batch the committee did not see being made.
    refused = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("text message batch")
        verbose_name_plural = _("text message batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=True) | Q(meeting__isnull=True), name="sms_batch_one_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.key}"

    @property
    def subject(self) -> Proposal | Meeting | None:
        return self.proposal or self.meeting


# The kinds that ask a household to vote: they carry the deadline, and are not sent once the voting has closed.
BEFORE_THE_CLOSE = (Batch.Kind.OPENED, Batch.Kind.MEETING, Batch.Kind.REMINDER)


def new_reference() -> str:
    return secrets.token_hex(16)


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")  # claimed by a worker; never retried blindly (it may have gone)
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class Message(models.Model):
    """One text to one phone. A phone gets one message per batch whatever its number of flats."""

    Status = MessageStatus

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="messages")
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    phone = models.CharField(max_length=11)
    params = models.JSONField(default=dict)
    parts = models.PositiveSmallIntegerField(default=1)  # billed messages (a long text goes in parts)
    cost = models.DecimalField(max_digits=8, decimal_places=3, default=Decimal("0"))
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    reference = models.CharField(max_length=32, unique=True, default=new_reference)  # ours, sent along
    queued_at = models.DateTimeField()
    send_after = models.DateTimeField()  # quiet hours, the daily cap and retries push it later
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        constraints = [
            models.UniqueConstraint(fields=["batch", "phone"], name="sms_message_one_per_phone"),
        ]
        indexes = [
            models.Index(fields=["status", "send_after"], name="sms_message_due"),
            models.Index(fields=["phone", "sent_at"], name="sms_message_phone_day"),
            models.Index(fields=["provider", "provider_id"], name="sms_message_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.reference}"


SHORT_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(7))


class ShortLink(models.Model):
    """/s/<code>: a page of the site, short enough for a text message."""

    code = models.CharField(max_length=12, unique=True, default=new_short_code)
    path = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.code} → {self.path}"
