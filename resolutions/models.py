"""The signed resolution of a proposal or of an owners' meeting (会议决议), its signatures and the result notices.

A resolution and a notice belong to exactly one proposal or one meeting: one table each, so that signing, the
fingerprint lookup of the verification page and the notices have one implementation for both."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models import Role
from meetings.models import Meeting
from proposals.models import Proposal

# Exactly one of the two subjects is set.
ONE_SUBJECT = models.Q(proposal__isnull=False, meeting__isnull=True) | models.Q(
    proposal__isnull=True, meeting__isnull=False
)


class Resolution(models.Model):
    """A proposal's or a meeting's result as the committee signed it: the canonical JSON (resolutions.canonical),
    frozen at the first signature, and its SHA-256 fingerprint, which the printed QR code carries to the
    verification page."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="resolution"
    )
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="resolution")
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    content = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "proposals_resolution"  # moved from the proposals app; the table kept its name
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        constraints = [models.CheckConstraint(condition=ONE_SUBJECT, name="resolution_one_subject")]

    def __str__(self) -> str:
        subject = f"meeting {self.meeting_id}" if self.meeting_id else self.proposal_id
        return f"{subject}: {self.fingerprint[:12]}"


class SignerRole(models.TextChoices):
    CHAIR = "chair", _("chair of the owners' committee")
    VICE_CHAIR = "vice_chair", _("vice-chair of the owners' committee")
    MEMBER = "member", _("member of the owners' committee")


# The capacity a signer signs in comes from their office on the committee (community.models.Role.office, as the
# owners elected them), never from a choice in the form.
SIGNER_ROLE_OF_OFFICE = {
    Role.Office.CHAIR: SignerRole.CHAIR,
    Role.Office.VICE_CHAIR: SignerRole.VICE_CHAIR,
    Role.Office.MEMBER: SignerRole.MEMBER,
}


class Signature(models.Model):
    """One committee member's signature on a resolution, given by re-entering their password. The name is kept as
    it was when they signed, so that a later change of the account's name does not change the signed record."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("signed as"), max_length=10, choices=SignerRole.choices, default=SignerRole.MEMBER)
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        db_table = "proposals_signature"  # moved from the proposals app; the table kept its name
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "user"], name="signature_once_per_member"),
            models.CheckConstraint(condition=models.Q(role__in=SignerRole.values), name="signature_known_role"),
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id}: {self.name}"


class NoticeStage(models.TextChoices):
    PRELIMINARY = "preliminary", _("preliminary result notice")
    FINAL = "final", _("final result notice")


class ResultNotice(models.Model):
    """A stage of the result's public notice (公示): the preliminary result with its objection window, then the
    final notice once the window has ended. `content` is the result as it was published (canonical JSON), and
    `fingerprint` the signed resolution's when there was one, so the printed notice never changes afterwards."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="result_notices"
    )
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="result_notices")
    stage = models.CharField(_("stage"), max_length=11, choices=NoticeStage.choices)
    objection_days = models.PositiveSmallIntegerField(_("objection window (days)"), null=True, blank=True)
    objections_until = models.DateTimeField(_("objections until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    content = models.TextField(editable=False)
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "proposals_resultnotice"  # moved from the proposals app; the table kept its name
        verbose_name = _("result notice")
        verbose_name_plural = _("result notices")
        ordering = ["published_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "stage"], name="result_notice_one_per_stage"),
            models.UniqueConstraint(fields=["meeting", "stage"], name="result_notice_meeting_one_per_stage"),
            models.CheckConstraint(condition=ONE_SUBJECT, name="result_notice_one_subject"),
            models.CheckConstraint(condition=models.Q(stage__in=NoticeStage.values), name="result_notice_known_stage"),
            models.CheckConstraint(
                condition=models.Q(stage="final")
                | models.Q(objection_days__gte=1, objections_until__gt=models.F("published_at")),
                name="result_notice_preliminary_window",
            ),
        ]

    def __str__(self) -> str:
        subject = f"meeting {self.meeting_id}" if self.meeting_id else self.proposal_id
        return f"{subject}: {self.stage}"
