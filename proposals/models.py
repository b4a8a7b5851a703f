"""Proposals: what the committee puts to the households, its scope, its lifecycle and attachments."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Building, Community, Entrance, Household
from core.dates import within_db_range
from voting import engine


class Category(models.TextChoices):
    """The matters of 民法典 第278条 第1款, plus "other"."""

    RULES_OF_PROCEDURE = "rules_of_procedure", _("1. Make or amend the rules of procedure of the owners' assembly")
    MANAGEMENT_STATUTE = "management_statute", _("2. Make or amend the management statute")
    COMMITTEE = "committee", _("3. Elect the owners' committee or replace its members")
    PROPERTY_SERVICE = "property_service", _("4. Hire or dismiss the property service company or other manager")
    FUND_USE = "fund_use", _("5. Use the maintenance fund of the buildings and their facilities")
    FUND_RAISE = "fund_raise", _("6. Raise the maintenance fund of the buildings and their facilities")
    REBUILD = "rebuild", _("7. Rebuild or alter the buildings and their facilities")
    COMMON_PARTS = "common_parts", _("8. Change the use of common parts or run a business on them")
    OTHER_MAJOR = "other_major", _("9. Other major matters of common ownership and management")
    OTHER = "other", _("Other")


# Items 6–8 need the larger majority (3/4 of those taking part).
MAJOR_CATEGORIES = frozenset({Category.FUND_RAISE, Category.REBUILD, Category.COMMON_PARTS})


class RuleCode(models.TextChoices):
    # Codes and labels are the engine's (voting/engine.py declares each rule's texts beside its conditions).
    CIVIL_CODE_MAJOR = engine.CIVIL_CODE_MAJOR.code, _(engine.CIVIL_CODE_MAJOR.label)
    CIVIL_CODE_ORDINARY = engine.CIVIL_CODE_ORDINARY.code, _(engine.CIVIL_CODE_ORDINARY.label)
    UNANIMOUS = engine.UNANIMOUS.code, _(engine.UNANIMOUS.label)
    ELEVATOR = engine.ELEVATOR_ALL_OWNERS_NO_OBJECTION.code, _(engine.ELEVATOR_ALL_OWNERS_NO_OBJECTION.label)
    REPRESENTATIVES = (
        engine.RESIDENTS_REPRESENTATIVES_ASSEMBLY.code,
        _(engine.RESIDENTS_REPRESENTATIVES_ASSEMBLY.label),
    )


class Electorate(models.TextChoices):
    """Who votes: the owners (households, by area and heads) or the residents' representatives (one each)."""

    OWNERS = engine.OWNERS, _("the owners")
    REPRESENTATIVES = engine.REPRESENTATIVES, _("the residents' representatives")


def rules_for(electorate: str) -> list[tuple[str, str]]:
    """The rules (code, label) a vote of `electorate` may be decided by: each rule declares whose heads it counts."""
    return [(code, label) for code, label in RuleCode.choices if engine.RULES[code].voters == electorate]


class State(models.TextChoices):
    DRAFT = "draft", _("draft")
    CONSULTATION = "consultation", _("in consultation")
    VOTING = "voting", _("voting")
    CLOSED = "closed", _("closed")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Scope(models.TextChoices):
    COMMUNITY = "community", _("the whole community")
    BUILDINGS = "buildings", _("chosen buildings")
    ENTRANCES = "entrances", _("chosen entrances")
    HOUSEHOLDS = "households", _("chosen households")


class ProposalQuerySet(models.QuerySet):
    def of(self, community):
        return self.filter(community=community)

    def visible(self):
        return self.exclude(state=State.DRAFT)


class Proposal(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="proposals")
    number = models.PositiveIntegerField(_("number"), editable=False)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("full text (Markdown)"), blank=True)
    category = models.CharField(_("matter"), max_length=24, choices=Category.choices)
    rule = models.CharField(_("decision rule"), max_length=40, choices=RuleCode.choices)
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.COMMUNITY)
    # Who votes: the owners in scope, or (a matter of a representatives' meeting) the representatives in scope.
    electorate = models.CharField(_("who votes"), max_length=16, choices=Electorate.choices, default=Electorate.OWNERS)
    scope_buildings = models.ManyToManyField(Building, blank=True, related_name="+")
    scope_entrances = models.ManyToManyField(Entrance, blank=True, related_name="+")
    scope_households = models.ManyToManyField(Household, blank=True, related_name="+")
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.DRAFT)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    voting_opens_at = models.DateTimeField(_("voting opens"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(_("voting closes"), null=True, blank=True)
    # Frozen with the electorate when voting opens (voting.Elector holds the households).
    electorate_households = models.PositiveIntegerField(default=0, editable=False)
    electorate_heads = models.PositiveIntegerField(default=0, editable=False)
    electorate_area = models.DecimalField(max_digits=14, decimal_places=2, default=0, editable=False)
    # The ballot audit chain's head: the last sequence number and hash (written under the proposal lock).
    ballot_seq = models.PositiveIntegerField(default=0, editable=False)
    # A matter of an owners' meeting whose notice is published: the meeting decides it, its ballots come only
    # through the meeting's ballot (meetings.ballots), and it is not withdrawn.
    on_meeting_ballot = models.BooleanField(default=False, editable=False)
    ballot_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="proposal_unique_number"),
            models.CheckConstraint(
                condition=models.Q(voting_closes_at__isnull=True)
                | models.Q(voting_opens_at__isnull=True)
                | models.Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="proposal_window_order",
            ),
            models.CheckConstraint(condition=within_db_range("voting_opens_at"), name="proposal_opens_readable"),
            models.CheckConstraint(condition=within_db_range("voting_closes_at"), name="proposal_closes_readable"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def is_major(self) -> bool:
        return self.category in MAJOR_CATEGORIES

    # What voting_status() answers: the one reading of the voting window, for the ballot writer and every page.
    NOT_OPEN, NOT_YET, OPEN, ENDED = "not_open", "not_yet", "open", "ended"

    def voting_status(self, now=None) -> str:
        """not_open (not in the voting state), not_yet (before voting_opens_at), open, or ended (voting_closes_at
        has passed, whether or not the scheduled job has closed the proposal yet). The window is [opens, closes)."""
        if self.state != State.VOTING:
            return self.NOT_OPEN
        now = now or timezone.now()
        if self.voting_opens_at and now < self.voting_opens_at:
            return self.NOT_YET
        if self.voting_closes_at and now >= self.voting_closes_at:
            return self.ENDED
        return self.OPEN


class Transition(models.Model):
    """Every move of a proposal through its lifecycle: who, when, from what to what."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=14, choices=State.choices)
    to_state = models.CharField(max_length=14, choices=State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.from_state} → {self.to_state}"


def attachment_path(instance, filename: str) -> str:
    return f"proposals/{instance.proposal_id}/{instance.token}{instance.extension}"


class Attachment(models.Model):
    """An image or PDF (a quote, a drawing) attached to a proposal. The type is checked by content."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        PDF = "pdf", _("PDF")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(upload_to=attachment_path)
    token = models.CharField(max_length=32, editable=False)
    extension = models.CharField(max_length=6, editable=False)
    size = models.PositiveIntegerField(editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title
