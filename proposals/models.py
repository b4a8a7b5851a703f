"""Proposals: what the committee puts to the households, its scope, its lifecycle and attachments."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Building, Community, Entrance, Household
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


# --- 一事一议 cost sharing (issue 5): a plan per proposal, its shares, and the bills frozen when it passes ------------


class CostMethod(models.TextChoices):
    """How the amount to share is divided (the names proposals.costs.split takes)."""

    EQUAL = "equal", _("equally per household")
    AREA = "area", _("by registered area")
    WEIGHT = "weight", _("by the number each beneficiary declares")
    FLOOR = "floor", _("by floor coefficient")
    FLOOR_AREA = "floor_area", _("by floor coefficient × area")


class Sharers(models.TextChoices):
    SCOPE = "scope", _("every household in scope")
    BENEFICIARIES = "beneficiaries", _("the households that sign up as beneficiaries")


class SubsidySource(models.TextChoices):
    GOVERNMENT = "government", _("government grant")
    MAINTENANCE_FUND = "maintenance_fund", _("maintenance fund")
    SPONSOR = "sponsor", _("sponsorship")
    PROPERTY_COMPANY = "property_company", _("property company")
    OTHER = "other", _("other source")


class CostPlan(models.Model):
    """What a proposal costs, who shares it and how. Locked when voting opens: a changed plan needs a new proposal.

    `total` and `subsidy_total` are the sums of the line items and subsidies, kept here by proposals.cost_services
    (under the proposal lock) so that every page shows a household its share in a few queries.
    """

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="cost_plan")
    method = models.CharField(_("how it is shared"), max_length=10, choices=CostMethod.choices, default=CostMethod.AREA)
    sharers = models.CharField(_("who shares it"), max_length=13, choices=Sharers.choices, default=Sharers.SCOPE)
    # What a beneficiary's weight counts, in the words of the sign-up form: "e-bikes", "parking spaces".
    weight_label = models.CharField(_("what each beneficiary counts"), max_length=30, blank=True)
    notes = models.TextField(_("notes on the plan"), blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0, editable=False)
    subsidy_total = models.DecimalField(max_digits=12, decimal_places=2, default=0, editable=False)
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    billed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cost plan")
        verbose_name_plural = _("cost plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subsidy_total__lte=models.F("total")), name="costplan_subsidies_le_total"
            ),
            models.CheckConstraint(condition=models.Q(subsidy_total__gte=0), name="costplan_subsidies_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.get_method_display()}"

    @property
    def to_share(self):
        """The amount the households share: the total less the subsidies (never negative, see the constraint)."""
        return self.total - self.subsidy_total

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class CostLineItem(models.Model):
    """One item of the cost, e.g. a supplier's quote, optionally with the quote attached to the proposal."""

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="line_items")
    description = models.CharField(_("cost item"), max_length=120)
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    attachment = models.ForeignKey(
        Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("quote")
    )

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="costlineitem_amount_positive")]

    def __str__(self) -> str:
        return self.description


class Subsidy(models.Model):
    """Money that lowers what the households share: a government grant, the maintenance fund, a sponsor…"""

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="subsidies")
    source = models.CharField(_("subsidy source"), max_length=16, choices=SubsidySource.choices)
    name = models.CharField(_("Name"), max_length=100, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="subsidy_amount_positive")]

    def __str__(self) -> str:
        return self.name or self.get_source_display()


class FloorCoefficient(models.Model):
    """k(floor) for the floor methods. Without any row the plan uses "floors ridden" (k = floor − 1)."""

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="coefficients")
    floor = models.IntegerField(_("floor"))
    coefficient = models.DecimalField(_("floor coefficient"), max_digits=6, decimal_places=3)

    class Meta:
        ordering = ["floor"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "floor"], name="floorcoefficient_unique_floor"),
            models.CheckConstraint(condition=models.Q(coefficient__gte=0), name="floorcoefficient_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.floor}: {self.coefficient}"


class Beneficiary(models.Model):
    """A household that signed up to share the cost (e.g. e-bike owners for a garage), with its weight.

    Withdrawing keeps the row with `withdrawn_at` set; signing up again clears it. Only rows without
    `withdrawn_at` share the cost.
    """

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    weight = models.DecimalField(_("declared number"), max_digits=8, decimal_places=2, default=1)
    signed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_up_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        constraints = [
            models.UniqueConstraint(fields=["plan", "household"], name="beneficiary_unique_household"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="beneficiary_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.household_id}: {self.weight}"


class Share(models.Model):
    """A household's share as it was when voting opened: the electorate's area, the floor, the weight, the amount.

    Written once by the lock, so what households saw while voting is exactly what the bills say if it passes.
    `position` is the order the amount was split in (building, entrance, floor, room), which breaks ties.
    """

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="shares")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    building = models.CharField(max_length=30)
    entrance = models.CharField(max_length=30)
    room = models.CharField(max_length=20)
    floor = models.IntegerField()
    area = models.DecimalField(max_digits=10, decimal_places=2)
    weight = models.DecimalField(max_digits=8, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "household"], name="share_unique_household")]

    def __str__(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}: {self.amount}"


class CostResplit(models.Model):
    """The committee's explicit decision to share waived bills among the households still to pay."""

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="resplits")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    waived_bills = models.PositiveIntegerField()
    unpaid_bills = models.PositiveIntegerField()
    reason = models.CharField(_("reason for the re-split"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.amount}"


class BillStatus(models.TextChoices):
    UNPAID = "unpaid", _("to be paid")
    PAID = "paid", _("paid up")
    WAIVED = "waived", _("waived")


class Bill(models.Model):
    """A household's share, frozen when the proposal passed. `amount` is what it owes now: `original_amount`
    plus whatever explicit re-splits of waived bills added to it."""

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="bills")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="bills")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="bills")
    # "3-5-502" as it was when the bill was made, with the sort keys of the share table's order.
    label = models.CharField(max_length=60)
    position = models.PositiveIntegerField()
    original_amount = models.DecimalField(_("original share"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)
    status = models.CharField(_("payment status"), max_length=6, choices=BillStatus.choices, default=BillStatus.UNPAID)
    waived_reason = models.CharField(_("reason for the waiver"), max_length=200, blank=True)
    resplit = models.ForeignKey(CostResplit, on_delete=models.PROTECT, null=True, blank=True, related_name="waived")
    paid_at = models.DateField(_("paid on"), null=True, blank=True)
    note = models.CharField(_("payment note"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "household"], name="bill_one_per_household"),
            models.CheckConstraint(condition=models.Q(status__in=BillStatus.values), name="bill_known_status"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=models.F("original_amount")), name="bill_amount_ge_share"
            ),
        ]
        indexes = [models.Index(fields=["proposal", "status"], name="bill_status")]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


# --- The signed resolution and the result notices (issue 6) ------------------------------------------------------


class Resolution(models.Model):
    """A proposal's result as the committee signed it: the canonical JSON (proposals.resolution), frozen at the
    first signature, and its SHA-256 fingerprint, which the printed QR code carries to the verification page."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="resolution")
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    content = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.fingerprint[:12]}"


class SignerRole(models.TextChoices):
    CHAIR = "chair", _("chair of the owners' committee")
    VICE_CHAIR = "vice_chair", _("vice-chair of the owners' committee")
    MEMBER = "member", _("member of the owners' committee")


class Signature(models.Model):
    """One committee member's signature on a resolution, given by re-entering their password. The name is kept as
    it was when they signed, so that a later change of the account's name does not change the signed record."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="signatures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("signed as"), max_length=10, choices=SignerRole.choices, default=SignerRole.MEMBER)
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
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

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="result_notices")
    stage = models.CharField(_("stage"), max_length=11, choices=NoticeStage.choices)
    objection_days = models.PositiveSmallIntegerField(_("objection window (days)"), null=True, blank=True)
    objections_until = models.DateTimeField(_("objections until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    content = models.TextField(editable=False)
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("result notice")
        verbose_name_plural = _("result notices")
        ordering = ["published_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "stage"], name="result_notice_one_per_stage"),
            models.CheckConstraint(condition=models.Q(stage__in=NoticeStage.values), name="result_notice_known_stage"),
            models.CheckConstraint(
                condition=models.Q(stage="final")
                | models.Q(objection_days__gte=1, objections_until__gt=models.F("published_at")),
                name="result_notice_preliminary_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.stage}"
