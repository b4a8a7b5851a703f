"""Every write of 一事一议 cost sharing: the plan and its items, beneficiaries, the lock, bills and payments.

A plan changes only while its proposal is a draft or in consultation; opening the vote locks it and freezes
every household's share (Share rows); passing turns those shares into bills, once.
"""

import secrets
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, Household
from core.dates import check_date
from core.uploads import image_reencoded, stored_file_delete_on_commit
from costs.engine import FEN, Part, floors_ridden, split
from costs.models import (
    Beneficiary,
    Bill,
    BillStatus,
    CostLineItem,
    CostMethod,
    CostPlan,
    CostResplit,
    FloorCoefficient,
    PaymentInstructions,
    ResplitAmong,
    Share,
    Sharers,
    Subsidy,
    SubsidySource,
)
from costs.selectors import scope_floors, shares_compute, shares_from_live
from proposals.models import Attachment, Proposal, State
from proposals.selectors import scope_households
from proposals.services import EDITABLE

__all__ = [
    "beneficiary_sign_up",
    "beneficiary_withdraw",
    "bill_pay",
    "bill_waive",
    "bills_create",
    "bills_resplit",
    "coefficients_preset",
    "coefficients_set",
    "cost_plan_create",
    "cost_plan_delete",
    "cost_plan_lock",
    "cost_plan_update",
    "line_item_add",
    "line_item_remove",
    "payment_instructions_save",
    "qr_reencoded",
    "shares_compute",
    "subsidy_add",
    "subsidy_remove",
]

# Amounts fit DecimalField(max_digits=12, decimal_places=2).
MAX_AMOUNT = Decimal("9999999999.99")
MAX_WEIGHT = 999
MAX_COEFFICIENT = Decimal("999.999")


# --- Checks ------------------------------------------------------------------------------------------------------


def _amount(value) -> Decimal:
    """A positive amount in yuan with at most two decimals, or a ValidationError saying what is wrong."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(_("Enter an amount in yuan, for example 1234.50.")) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    if amount != amount.quantize(FEN):
        raise ValidationError(_("An amount has at most two decimal places (fen)."))
    if amount > MAX_AMOUNT:
        raise ValidationError(_("The amount is too large."))
    return amount


def _weight(value) -> int:
    """A whole number of things (e-bikes, parking spaces) from 1 to MAX_WEIGHT: "2" or "2.0", never "1.5"."""
    try:
        weight = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("Enter a number, for example 2.")) from None
    if not weight.is_finite() or weight <= 0:
        raise ValidationError(_("The number must be more than zero; to stop sharing the cost, withdraw instead."))
    if weight != weight.to_integral_value():
        raise ValidationError(
            _("Count whole things: enter a whole number such as 1, 2 or 3 (not %(value)s).") % {"value": value}
        )
    if weight > MAX_WEIGHT:
        raise ValidationError(_("The number is too large (at most %(max)s).") % {"max": MAX_WEIGHT})
    return int(weight)


def _check_method(method: str, sharers: str) -> None:
    if method not in CostMethod.values:
        raise ValidationError(_("Choose how the cost is shared."))
    if sharers not in Sharers.values:
        raise ValidationError(_("Choose who shares the cost."))
    if method == CostMethod.WEIGHT and sharers != Sharers.BENEFICIARIES:
        raise ValidationError(
            _("Sharing by number needs beneficiaries who sign up and say their number (e.g. of e-bikes).")
        )


def _lock_proposal(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _editable_plan(proposal: Proposal) -> CostPlan:
    """Take the proposal lock and return its plan, if the plan may still change."""
    proposal = _lock_proposal(proposal)
    plan = CostPlan.objects.filter(proposal=proposal).first()
    if plan is None:
        raise ValidationError(_("This proposal has no cost plan yet."))
    if plan.is_locked:
        raise ValidationError(_("The cost plan was locked when voting opened; a changed plan needs a new proposal."))
    if proposal.state not in EDITABLE:
        raise ValidationError(_("Only the cost plan of a draft or a proposal in consultation can be changed."))
    return plan


def _retotal(plan: CostPlan) -> None:
    """Recompute the plan's sums from its items. Caller holds the proposal lock."""
    plan.total = CostLineItem.objects.filter(plan=plan).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    plan.subsidy_total = Subsidy.objects.filter(plan=plan).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    # SQLite sums decimals as floats: every amount has two places, so rounding to the fen is exact.
    plan.total = Decimal(str(plan.total)).quantize(FEN)
    plan.subsidy_total = Decimal(str(plan.subsidy_total)).quantize(FEN)
    if plan.subsidy_total > plan.total:
        raise ValidationError(
            _("The subsidies (¥%(subsidies)s) cannot be more than the total cost (¥%(total)s).")
            % {"subsidies": f"{plan.subsidy_total:,.2f}", "total": f"{plan.total:,.2f}"}
        )
    plan.save(update_fields=["total", "subsidy_total", "updated_at"])


def _touch(plan: CostPlan) -> None:
    # The live shares are cached under the plan's updated_at (cost_selectors._live_key): every change moves it.
    plan.save(update_fields=["updated_at"])


# --- The plan ----------------------------------------------------------------------------------------------------


@transaction.atomic
def cost_plan_create(
    *, proposal: Proposal, by, method: str, sharers: str, weight_label: str = "", notes: str = ""
) -> CostPlan:
    """Give a draft or a proposal in consultation a cost plan. Caller holds costs.manage_plan."""
    proposal = _lock_proposal(proposal)
    if proposal.state not in EDITABLE:
        raise ValidationError(_("Only a draft or a proposal in consultation can get a cost plan."))
    if CostPlan.objects.filter(proposal=proposal).exists():
        raise ValidationError(_("This proposal already has a cost plan."))
    _check_method(method, sharers)
    return CostPlan.objects.create(
        proposal=proposal,
        method=method,
        sharers=sharers,
        weight_label=weight_label.strip()[:30],
        notes=notes.strip(),
        created_by=by,
    )


@transaction.atomic
def cost_plan_update(
    *,
    proposal: Proposal,
    method: str | None = None,
    sharers: str | None = None,
    weight_label: str | None = None,
    notes: str | None = None,
) -> CostPlan:
    """Change how the cost is shared and by whom, before voting opens. Caller holds costs.manage_plan."""
    plan = _editable_plan(proposal)
    method = plan.method if method is None else method
    sharers = plan.sharers if sharers is None else sharers
    _check_method(method, sharers)
    plan.method, plan.sharers = method, sharers
    if weight_label is not None:
        plan.weight_label = weight_label.strip()[:30]
    if notes is not None:
        plan.notes = notes.strip()
    plan.save()
    return plan


@transaction.atomic
def cost_plan_delete(*, proposal: Proposal) -> None:
    """Remove the plan (and its items and sign-ups) before voting opens. Caller holds costs.manage_plan."""
    _editable_plan(proposal).delete()


@transaction.atomic
def line_item_add(
    *, proposal: Proposal, description: str, amount, supplier: str = "", attachment: Attachment | None = None
) -> CostLineItem:
    """Add an item of the cost (e.g. a supplier's quote, attached to the proposal). Caller holds costs.manage_plan."""
    plan = _editable_plan(proposal)
    description = description.strip()
    if not description:
        raise ValidationError(_("Say what the item is."))
    if attachment is not None and attachment.proposal_id != plan.proposal_id:
        raise ValidationError(_("A quote must be one of this proposal's attachments."))
    item = CostLineItem.objects.create(
        plan=plan,
        description=description[:120],
        supplier=supplier.strip()[:100],
        amount=_amount(amount),
        attachment=attachment,
    )
    _retotal(plan)
    return item


@transaction.atomic
def line_item_remove(*, proposal: Proposal, item_id: int) -> None:
    """Caller holds costs.manage_plan. Refused if the subsidies would then exceed the total."""
    plan = _editable_plan(proposal)
    deleted, _by_model = CostLineItem.objects.filter(plan=plan, pk=item_id).delete()
    if not deleted:
        raise ValidationError(_("This item is no longer in the plan."))
    _retotal(plan)


@transaction.atomic
def subsidy_add(*, proposal: Proposal, source: str, amount, name: str = "") -> Subsidy:
    """Add a subsidy; the subsidies together may not exceed the total. Caller holds costs.manage_plan."""
    plan = _editable_plan(proposal)
    if source not in SubsidySource.values:
        raise ValidationError(_("Choose where the subsidy comes from."))
    subsidy = Subsidy.objects.create(plan=plan, source=source, name=name.strip()[:100], amount=_amount(amount))
    _retotal(plan)
    return subsidy


@transaction.atomic
def subsidy_remove(*, proposal: Proposal, subsidy_id: int) -> None:
    plan = _editable_plan(proposal)
    deleted, _by_model = Subsidy.objects.filter(plan=plan, pk=subsidy_id).delete()
    if not deleted:
        raise ValidationError(_("This subsidy is no longer in the plan."))
    _retotal(plan)


@transaction.atomic
def coefficients_set(*, proposal: Proposal, coefficients: Mapping[int, Decimal]) -> list[FloorCoefficient]:
    """Replace the floor coefficients table. Caller holds costs.manage_plan."""
    plan = _editable_plan(proposal)
    rows = []
    for floor, value in sorted(coefficients.items()):
        try:
            coefficient = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(_("Floor %(floor)s: enter a number, e.g. 0.8.") % {"floor": floor}) from None
        if not coefficient.is_finite() or coefficient < 0 or coefficient > MAX_COEFFICIENT:
            raise ValidationError(
                _("Floor %(floor)s: a coefficient is between 0 and %(max)s.") % {"floor": floor, "max": MAX_COEFFICIENT}
            )
        if coefficient != coefficient.quantize(Decimal("0.001")):
            raise ValidationError(_("Floor %(floor)s: at most three decimal places.") % {"floor": floor})
        rows.append(FloorCoefficient(plan=plan, floor=int(floor), coefficient=coefficient))
    FloorCoefficient.objects.filter(plan=plan).delete()
    _touch(plan)
    return FloorCoefficient.objects.bulk_create(rows)


def coefficients_preset(*, proposal: Proposal) -> list[FloorCoefficient]:
    """Fill the table with "floors ridden" (k = floor − 1) for the floors in scope. Caller holds costs.manage_plan."""
    return coefficients_set(proposal=proposal, coefficients=floors_ridden(scope_floors(proposal)))


# --- Beneficiaries -----------------------------------------------------------------------------------------------


def _sign_up_plan(proposal: Proposal, household: Household) -> CostPlan:
    """Take the proposal lock; check that `household` may sign up (or withdraw) now."""
    proposal = _lock_proposal(proposal)
    plan = CostPlan.objects.filter(proposal=proposal).first()
    if plan is None or plan.sharers != Sharers.BENEFICIARIES:
        raise ValidationError(_("This proposal's cost is not shared by beneficiaries who sign up."))
    if proposal.state != State.CONSULTATION or plan.is_locked:
        raise ValidationError(_("Households can sign up or withdraw only while the proposal is in consultation."))
    if not scope_households(proposal).filter(pk=household.pk).exists():
        raise ValidationError(_("This household is not in the scope of this proposal."))
    return plan


@transaction.atomic
def beneficiary_sign_up(*, proposal: Proposal, household: Household, by, weight=1) -> Beneficiary:
    """Sign `household` up to share the cost (or change its number). Caller holds costs.sign_up on the household."""
    plan = _sign_up_plan(proposal, household)
    # Only the weight method asks for a number; every other method counts each beneficiary by its own data.
    weight = _weight(weight) if plan.method == CostMethod.WEIGHT else 1
    fields = {"weight": weight, "signed_up_by": by, "signed_up_at": timezone.now()}
    beneficiary, _created = Beneficiary.objects.update_or_create(
        plan=plan, household=household, defaults={**fields, "withdrawn_at": None, "withdrawn_by": None}
    )
    _touch(plan)
    return beneficiary


@transaction.atomic
def beneficiary_withdraw(*, proposal: Proposal, household: Household, by) -> Beneficiary:
    """Withdraw `household`'s sign-up (the row stays, with who and when). Caller holds costs.sign_up."""
    plan = _sign_up_plan(proposal, household)
    beneficiary = Beneficiary.objects.filter(plan=plan, household=household, withdrawn_at__isnull=True).first()
    if beneficiary is None:
        raise ValidationError(_("This household has not signed up."))
    beneficiary.withdrawn_at, beneficiary.withdrawn_by = timezone.now(), by
    beneficiary.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _touch(plan)
    return beneficiary


# --- Lock and bills (called by proposals.services) -----------------------------------------------------------------


def cost_plan_lock(*, proposal: Proposal) -> CostPlan | None:
    """Lock the plan and freeze every share from the frozen electorate, as voting opens.

    Caller holds the proposal lock inside its transaction, after electorate_freeze. Refuses (ValidationError,
    so voting does not open) a plan whose amount cannot be shared, so that passing can always make the bills.
    """
    plan = CostPlan.objects.select_for_update().filter(proposal_id=proposal.pk).first()
    if plan is None or plan.is_locked:
        return plan
    shares = shares_from_live(proposal, plan, electorate=True)
    if shares.error:
        raise ValidationError(
            _("Voting cannot open until the cost plan can be shared: %(problem)s") % {"problem": shares.error}
        )
    Share.objects.bulk_create(
        (
            Share(
                plan=plan,
                household_id=row.household_id,
                position=row.position,
                building=row.building,
                entrance=row.entrance,
                room=row.room,
                floor=row.floor,
                area=row.area,
                weight=row.weight,
                amount=row.amount,
            )
            for row in shares.rows
        ),
        batch_size=2000,
    )
    plan.locked_at = timezone.now()
    plan.save(update_fields=["locked_at", "updated_at"])
    return plan


def bills_create(*, proposal: Proposal) -> int:
    """Turn the frozen shares of a passed proposal into bills, once; households whose share is 0 get none.

    Caller holds the proposal lock inside its transaction. `billed_at` says it is done; the unique
    (proposal, household) constraint is the second guard. Returns the number of bills made now.
    """
    plan = CostPlan.objects.select_for_update().filter(proposal_id=proposal.pk).first()
    if plan is None or plan.billed_at is not None or not plan.is_locked:
        return 0
    shares = Share.objects.filter(plan=plan, amount__gt=0).order_by("position")
    bills = [
        Bill(
            plan=plan,
            proposal_id=proposal.pk,
            household_id=share.household_id,
            label=f"{share.building}-{share.entrance}-{share.room}",
            position=share.position,
            original_amount=share.amount,
            amount=share.amount,
        )
        for share in shares.iterator(chunk_size=5000)
    ]
    Bill.objects.bulk_create(bills, batch_size=2000)
    plan.billed_at = timezone.now()
    plan.save(update_fields=["billed_at", "updated_at"])
    return len(bills)


# --- Payments ----------------------------------------------------------------------------------------------------


def _locked_bill(bill: Bill) -> Bill:
    # Every change of a plan's bills takes the plan's row first, so a re-split never races a payment or waiver.
    CostPlan.objects.select_for_update().filter(pk=bill.plan_id).first()
    return Bill.objects.select_for_update().get(pk=bill.pk)


def _status_problem(bill: Bill) -> str:
    if bill.status == BillStatus.PAID:
        return _("This bill is already recorded as paid.")
    if bill.status == BillStatus.WAIVED:
        return _("This bill is waived.")
    return ""


@transaction.atomic
def bill_pay(*, bill: Bill, by, amount, paid_on: date | None = None, note: str = "") -> Bill:
    """Record the rest of the bill as paid (no part payments: the amount must be what is still to pay, to the fen).

    Caller holds costs.record_payment.
    """
    bill = _locked_bill(bill)
    if problem := _status_problem(bill):
        raise ValidationError(problem)
    if _amount(amount) != bill.to_pay:
        raise ValidationError(
            _("The amount received must be the whole bill, ¥%(amount)s; part payments are not recorded.")
            % {"amount": f"{bill.to_pay:,.2f}"}
        )
    today = timezone.localdate()
    paid_on = check_date(paid_on or today)
    if paid_on > today:
        raise ValidationError(_("The payment date cannot be in the future."))
    bill.status, bill.paid_amount, bill.paid_at, bill.note = BillStatus.PAID, bill.amount, paid_on, note.strip()[:100]
    bill.recorded_by, bill.recorded_at = by, timezone.now()
    bill.save(update_fields=["status", "paid_amount", "paid_at", "note", "recorded_by", "recorded_at"])
    return bill


@transaction.atomic
def bill_waive(*, bill: Bill, by, reason: str) -> Bill:
    """Waive an unpaid bill with a reason. Nobody else pays more unless the committee re-splits (bills_resplit).

    Caller holds costs.waive_bill.
    """
    bill = _locked_bill(bill)
    if problem := _status_problem(bill):
        raise ValidationError(problem)
    if bill.paid_amount:
        # Its own share is paid; only a re-split added the rest. Forgiving that part alone is not offered.
        raise ValidationError(_("This household has already paid its own share; only the added part is still due."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for the waiver."))
    bill.status, bill.waived_reason = BillStatus.WAIVED, reason[:200]
    bill.recorded_by, bill.recorded_at = by, timezone.now()
    bill.save(update_fields=["status", "waived_reason", "recorded_by", "recorded_at"])
    return bill


def resplit_added(amount: Decimal, bills: list[Bill]) -> dict[int, Decimal]:
    """What each bill takes of `amount`: in proportion to its own original share, exact to the fen (costs.engine)."""
    parts = [Part(key=str(bill.pk), area=Decimal(0), floor=0, weight=bill.original_amount) for bill in bills]
    return {int(key): added for key, added in split(amount, parts, CostMethod.WEIGHT).items()}


@transaction.atomic
def bills_resplit(*, proposal: Proposal, by, reason: str, among: str = ResplitAmong.UNPAID) -> CostResplit:
    """Share the waived amounts not yet re-split among the other bills, in proportion to each one's own share,
    exact to the fen, and record who decided it, when, why and among whom. Caller holds costs.waive_bill.

    `among` ALL: every bill that is not waived takes a part; a bill already paid is then to pay again for what
    was added (its paid_amount stays). UNPAID: only the bills still to pay take a part."""
    if among not in ResplitAmong.values:
        raise ValidationError(_("Choose who shares the waived amounts."))
    plan = CostPlan.objects.select_for_update().filter(proposal_id=proposal.pk).first()
    if plan is None or plan.billed_at is None:
        raise ValidationError(_("This proposal has no bills."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for sharing the waived amounts."))
    waived = list(Bill.objects.select_for_update().filter(plan=plan, status=BillStatus.WAIVED, resplit__isnull=True))
    amount = sum((bill.amount for bill in waived), Decimal("0.00"))
    if not amount:
        raise ValidationError(_("There is no waived amount left to share."))
    statuses = [BillStatus.UNPAID] if among == ResplitAmong.UNPAID else [BillStatus.UNPAID, BillStatus.PAID]
    takers = list(Bill.objects.select_for_update().filter(plan=plan, status__in=statuses).order_by("position"))
    if not takers:
        raise ValidationError(_("No household is still to pay, so the waived amount cannot be shared."))
    added = resplit_added(amount, takers)
    record = CostResplit.objects.create(
        plan=plan,
        amount=amount,
        among=among,
        waived_bills=len(waived),
        unpaid_bills=len(takers),
        reason=reason[:200],
        by=by,
    )
    for bill in takers:
        bill.amount += added[bill.pk]
        if added[bill.pk] and bill.status == BillStatus.PAID:
            bill.status = BillStatus.UNPAID  # paid its share; the added part is still to pay
    Bill.objects.bulk_update(takers, ["amount", "status"], batch_size=2000)
    Bill.objects.filter(pk__in=[bill.pk for bill in waived]).update(resplit=record)
    return record


# --- Payment instructions ----------------------------------------------------------------------------------------

QR_MAX_BYTES = 5 * 1024 * 1024
# A QR code needs no more: larger images are scaled down, which also bounds the stored file.
QR_MAX_SIDE = 800


def qr_reencoded(upload) -> bytes:
    """The uploaded QR code as a fresh PNG (core.uploads.image_reencoded), or a ValidationError."""
    return image_reencoded(
        upload,
        max_bytes=QR_MAX_BYTES,
        max_side=QR_MAX_SIDE,
        refusal=_("Only a photo or screenshot of the QR code (JPEG, PNG or WebP) can be added."),
    )


@transaction.atomic
def payment_instructions_save(
    *,
    community: Community,
    by,
    payee: str = "",
    account: str = "",
    place: str = "",
    hours: str = "",
    notes: str = "",
    qr=None,
    remove_qr: bool = False,
) -> PaymentInstructions:
    """Write how the community's households pay (one set per community). Caller holds costs.manage_payment_info.

    `qr` is an uploaded image (replacing any earlier one); `remove_qr` removes the earlier one.
    """
    png = qr_reencoded(qr) if qr else None
    instructions = PaymentInstructions.objects.select_for_update().filter(community=community).first()
    if instructions is None:
        instructions = PaymentInstructions(community=community, updated_by=by)
    instructions.payee = payee.strip()[:100]
    instructions.account = account.strip()[:120]
    instructions.place = place.strip()[:120]
    instructions.hours = hours.strip()[:120]
    instructions.notes = notes.replace("\r\n", "\n").strip()[:500]
    instructions.updated_by = by
    old = instructions.qr.name if instructions.qr else ""
    if remove_qr:
        instructions.qr = ""
    if instructions.is_empty and png is None:
        raise ValidationError(_("Write at least one way to pay: an account, a place and hours, or a QR code."))
    if png is not None:
        instructions.qr.save(f"{community.pk}-{secrets.token_hex(8)}.png", ContentFile(png), save=False)
    instructions.save()
    if old != (instructions.qr.name if instructions.qr else ""):
        stored_file_delete_on_commit(instructions.qr.storage, old)
    return instructions
