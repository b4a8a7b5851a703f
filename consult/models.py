"""Canvassing (assignments, door-to-door visits, demands), resident opinions, and negotiation meetings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import Building, Community, Entrance, Household
from core.dates import within_db_range
from proposals.models import Proposal


class Assignment(models.Model):
    """A canvasser is given a building or an entrance to visit for one proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    canvasser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    building = models.ForeignKey(Building, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    entrance = models.ForeignKey(Entrance, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("canvassing assignment")
        verbose_name_plural = _("canvassing assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(building__isnull=False, entrance__isnull=True)
                | Q(building__isnull=True, entrance__isnull=False),
                name="assignment_building_xor_entrance",
            ),
            models.UniqueConstraint(
                fields=["proposal", "canvasser", "building"],
                condition=Q(building__isnull=False),
                name="assignment_unique_building",
            ),
            models.UniqueConstraint(
                fields=["proposal", "canvasser", "entrance"],
                condition=Q(entrance__isnull=False),
                name="assignment_unique_entrance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.canvasser} → {self.building or self.entrance}"


class DemandTag(models.Model):
    """A tag the committee defines for residents' demands and concerns (费用, 位置, 噪音, 安全 …)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="demand_tags")
    name = models.CharField(_("tag"), max_length=20)

    class Meta:
        verbose_name = _("demand tag")
        verbose_name_plural = _("demand tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="demand_tag_unique")]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """One knock on one door, recorded by a canvasser — possibly offline, sent later with its idempotency key."""

    class Outcome(models.TextChoices):
        MET = "met", pgettext_lazy("visit outcome", "met")
        NOBODY_HOME = "nobody_home", _("nobody home")
        REFUSED = "refused", _("refused to talk")

    class Stance(models.TextChoices):
        SUPPORT = "support", _("support")
        OPPOSE = "oppose", _("oppose")
        UNDECIDED = "undecided", _("undecided")
        CONDITIONAL = "conditional", _("conditional support")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="visits")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="visits")
    canvasser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    stance = models.CharField(_("stance"), max_length=12, choices=Stance.choices, blank=True)
    demands = models.TextField(_("demands and concerns"), blank=True)
    tags = models.ManyToManyField(DemandTag, blank=True, related_name="visits")
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    visited_at = models.DateTimeField(_("visited at"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Chosen by the phone when the visit is recorded, so a retried send never records it twice.
    idempotency_key = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-pk"]
        indexes = [models.Index(fields=["proposal", "household", "-visited_at"], name="visit_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(outcome="met") | Q(stance=""), name="visit_stance_only_when_met"),
            models.CheckConstraint(condition=within_db_range("visited_at", nullable=False), name="visit_at_readable"),
            models.CheckConstraint(
                condition=within_db_range("follow_up_on", dates=True), name="visit_follow_up_readable"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_outcome_display()}"


class Opinion(models.Model):
    """A household's opinion on a proposal in consultation; others see it with the name masked."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="opinions")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="opinions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opinions")
    text = models.TextField(_("opinion"), max_length=2000)
    photo = models.FileField(_("photo"), upload_to="opinions/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    reply = models.TextField(_("committee's reply"), blank=True, max_length=2000)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:40]


class PartyKind(models.TextChoices):
    """The six kinds of "governance partners" (社区治理合伙人) that sit at the negotiation table."""

    PARTY = "party", _("community party organisation")
    RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
    OWNERS = "owners", _("owners")
    PROPERTY = "property", _("property company")
    DEPARTMENT = "department", _("government department")
    OTHER_UNIT = "other_unit", _("other unit")


class Position(models.TextChoices):
    SUPPORT = "support", _("support")
    OPPOSE = "oppose", _("oppose")
    CONDITIONAL = "conditional", _("support with conditions")


class Meeting(models.Model):
    """A negotiation meeting (协商会议) about a proposal: who sat at the table and what they agreed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="meetings")
    held_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=120)
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("negotiation meeting")
        verbose_name_plural = _("negotiation meetings")
        ordering = ["-held_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=within_db_range("held_at", nullable=False), name="meeting_at_readable"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.held_at:%Y-%m-%d}"


class MeetingParty(models.Model):
    """A party present at a meeting and its position on the proposal."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("kind of party"), max_length=20, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=12, choices=Position.choices)
    conditions = models.TextField(_("conditions"), blank=True)

    class Meta:
        verbose_name = _("party at a meeting")
        verbose_name_plural = _("parties at a meeting")
        constraints = [models.UniqueConstraint(fields=["meeting", "kind", "name"], name="meeting_party_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
