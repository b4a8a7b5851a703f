"""一事一议 cost sharing: a plan per proposal, its line items and subsidies, the shares frozen when voting opens,
and the bills made from them when it passes."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models import Community, Household
from core.dates import within_db_range
from proposals.models import Attachment, Proposal


class CostMethod(models.TextChoices):
    """How the amount to share is divided (the names costs.engine.split takes)."""

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

    `total` and `subsidy_total` are the sums of the line items and subsidies, kept here by costs.services
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
        db_table = "proposals_costplan"  # moved from the proposals app; the table kept its name
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
        db_table = "proposals_costlineitem"  # moved from the proposals app; the table kept its name
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
        db_table = "proposals_subsidy"  # moved from the proposals app; the table kept its name
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
        db_table = "proposals_floorcoefficient"  # moved from the proposals app; the table kept its name
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
    # A count of things (e-bikes, parking spaces): whole numbers only, so nobody is charged for 1.5 e-bikes.
    weight = models.PositiveIntegerField(_("declared number"), default=1)
    signed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_up_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "proposals_beneficiary"  # moved from the proposals app; the table kept its name
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
        db_table = "proposals_share"  # moved from the proposals app; the table kept its name
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "household"], name="share_unique_household")]

    def __str__(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}: {self.amount}"


class ResplitAmong(models.TextChoices):
    """Who takes a part of the waived amounts when the committee shares them."""

    ALL = "all", _("every household of the plan that has a bill, paid or not")
    UNPAID = "unpaid", _("only the households that have not paid yet")


class CostResplit(models.Model):
    """The committee's explicit decision to share waived bills among the other households: all of them (those who
    paid already then owe the difference) or only those still to pay."""

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="resplits")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    among = models.CharField(_("shared among"), max_length=6, choices=ResplitAmong.choices, default=ResplitAmong.UNPAID)
    waived_bills = models.PositiveIntegerField()
    # The number of bills that took a part of the amount (named when only unpaid bills could).
    unpaid_bills = models.PositiveIntegerField()
    reason = models.CharField(_("reason for the re-split"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "proposals_costresplit"  # moved from the proposals app; the table kept its name
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
    # What the household has paid so far: the whole amount once paid; less when a re-split among all households
    # added to a bill already paid, which is then to pay again for the difference (amount − paid_amount).
    paid_amount = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2, default=0)
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
        db_table = "proposals_bill"  # moved from the proposals app; the table kept its name
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "household"], name="bill_one_per_household"),
            models.CheckConstraint(condition=models.Q(status__in=BillStatus.values), name="bill_known_status"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=models.F("original_amount")), name="bill_amount_ge_share"
            ),
            models.CheckConstraint(condition=within_db_range("paid_at", dates=True), name="bill_paid_readable"),
            models.CheckConstraint(
                condition=models.Q(paid_amount__gte=0, paid_amount__lte=models.F("amount")), name="bill_paid_le_amount"
            ),
        ]
        indexes = [models.Index(fields=["proposal", "status"], name="bill_status")]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"

    @property
    def to_pay(self):
        """What the household still owes: nothing once paid or waived."""
        return self.amount - self.paid_amount if self.status == BillStatus.UNPAID else Decimal("0.00")


class PaymentInstructions(models.Model):
    """How a community's households pay their bills, written once by the committee: shown on every household's
    bill page and printed on the payment notices."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="payment_instructions")
    payee = models.CharField(_("account name"), max_length=100, blank=True)
    account = models.CharField(_("bank and account number"), max_length=120, blank=True)
    place = models.CharField(_("where to pay in person"), max_length=120, blank=True)
    hours = models.CharField(_("office hours"), max_length=120, blank=True)
    notes = models.TextField(_("other instructions"), max_length=500, blank=True)
    # A payment QR code, re-encoded as PNG by costs.services (never the uploaded bytes); "" for none.
    qr = models.FileField(_("payment QR code"), upload_to="payment-qr/", blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment instructions")
        verbose_name_plural = _("payment instructions")

    def __str__(self) -> str:
        return f"{self.community_id}: {self.payee}"

    @property
    def is_empty(self) -> bool:
        return not (self.payee or self.account or self.place or self.hours or self.notes or self.qr)
