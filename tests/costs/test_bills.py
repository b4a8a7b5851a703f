"""Bills: made once when a proposal passes, exactly the frozen shares; payments in full, waivers with a reason,
and the committee's recorded re-split of waived amounts, exact to the fen."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from costs.models import Bill, BillStatus, CostMethod, CostPlan, CostResplit
from costs.selectors import collection, shares_compute
from costs.services import beneficiary_sign_up, bill_pay, bill_waive, bills_create, bills_resplit
from lifecycle.services import proposal_close, proposal_close_if_due
from proposals.models import State
from proposals.services import proposal_withdraw
from tests.costs.conftest import add_plan, consulting, fail_it, open_voting, pass_it, vote_all

pytestmark = pytest.mark.django_db


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def total(bills) -> Decimal:
    return money(bills.aggregate(s=Sum("amount"))["s"])


@pytest.fixture
def passed(elevator, committee_user):
    """The worked example, voted through: 10 bills (the ground floor pays nothing)."""
    open_voting(elevator, committee_user)
    return pass_it(elevator, committee_user)


def test_bills_are_the_frozen_shares_and_add_up_exactly(passed):
    plan = CostPlan.objects.get(proposal=passed)
    shares = {row.household_id: row.amount for row in shares_compute(passed).rows}
    bills = Bill.objects.filter(proposal=passed)
    assert plan.billed_at is not None
    assert bills.count() == 10
    assert {b.household_id: b.amount for b in bills} == {pk: amount for pk, amount in shares.items() if amount}
    assert total(bills) == plan.to_share == Decimal("300000.00")
    assert set(bills.values_list("status", flat=True)) == {BillStatus.UNPAID}
    assert [b.label for b in bills][:2] == ["3-5-201", "3-5-202"]


def test_bills_are_made_exactly_once(passed, committee_user):
    first = list(Bill.objects.filter(proposal=passed).values_list("pk", "amount"))
    proposal_close(proposal=passed, by=committee_user)
    proposal_close_if_due(proposal=passed)
    assert bills_create(proposal=passed) == 0
    assert list(Bill.objects.filter(proposal=passed).values_list("pk", "amount")) == first


def test_the_database_refuses_a_second_bill_for_a_household(passed):
    bill = Bill.objects.filter(proposal=passed).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.create(
            plan=bill.plan,
            proposal=passed,
            household=bill.household,
            label=bill.label,
            position=99,
            original_amount=Decimal("1.00"),
            amount=Decimal("1.00"),
        )


def test_closing_when_the_window_ends_makes_the_bills_too(elevator, committee_user):
    open_voting(elevator, committee_user)
    vote_all(elevator, committee_user)
    elevator.refresh_from_db()
    type(elevator).objects.filter(pk=elevator.pk).update(
        voting_opens_at=timezone.now() - timedelta(days=2), voting_closes_at=timezone.now() - timedelta(seconds=1)
    )
    elevator.refresh_from_db()
    closed = proposal_close_if_due(proposal=elevator)
    assert closed.state == State.CLOSED and closed.passed
    assert Bill.objects.filter(proposal=elevator).count() == 10
    proposal_close_if_due(proposal=elevator)
    assert Bill.objects.filter(proposal=elevator).count() == 10


def test_a_failed_proposal_makes_no_bills(elevator, committee_user):
    open_voting(elevator, committee_user)
    fail_it(elevator, committee_user)
    assert not Bill.objects.exists()
    assert CostPlan.objects.get(proposal=elevator).billed_at is None


def test_a_withdrawn_proposal_makes_no_bills(elevator, committee_user):
    open_voting(elevator, committee_user)
    proposal_withdraw(proposal=elevator, by=committee_user, reason="重新报价")
    assert not Bill.objects.exists()


def test_beneficiaries_get_bills_by_their_number(garage, stairwell, residents, committee_user):
    for index, weight in ((0, "2"), (3, "1"), (7, "4")):
        beneficiary_sign_up(proposal=garage, household=stairwell[index], by=residents[index], weight=weight)
    open_voting(garage, committee_user)
    pass_it(garage, committee_user)
    bills = {b.household_id: b.amount for b in Bill.objects.filter(proposal=garage)}
    assert bills == {
        stairwell[0].pk: Decimal("5714.29"),
        stairwell[3].pk: Decimal("2857.14"),
        stairwell[7].pk: Decimal("11428.57"),
    }
    assert sum(bills.values()) == Decimal("20000.00")


# --- Payments -----------------------------------------------------------------------------------------------------


def test_a_payment_is_recorded_in_full_with_who_and_when(passed, secretary_user):
    bill = Bill.objects.filter(proposal=passed).first()
    bill_pay(bill=bill, by=secretary_user, amount=str(bill.amount), note="收据 0001")
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
    assert bill.paid_at == timezone.localdate()
    assert bill.recorded_by == secretary_user and bill.recorded_at is not None
    assert bill.note == "收据 0001"
    progress = collection(passed)
    assert progress.counts == {"paid": 1, "unpaid": 9, "waived": 0}
    assert progress.sums["paid"] == bill.amount
    assert progress.sums["paid"] + progress.sums["unpaid"] == Decimal("300000.00")


@pytest.mark.parametrize("amount", ["9999.99", "10000.01", "5000", "0", "abc"])
def test_part_payments_and_wrong_amounts_are_refused(passed, secretary_user, amount):
    bill = Bill.objects.get(proposal=passed, label="3-5-201")
    assert bill.amount == Decimal("10000.00")
    with pytest.raises(ValidationError):
        bill_pay(bill=bill, by=secretary_user, amount=amount)
    bill.refresh_from_db()
    assert bill.status == BillStatus.UNPAID and bill.recorded_by is None


def test_a_bill_is_paid_once_and_not_in_the_future(passed, secretary_user):
    bill = Bill.objects.filter(proposal=passed).first()
    with pytest.raises(ValidationError, match="future"):
        bill_pay(bill=bill, by=secretary_user, amount=bill.amount, paid_on=timezone.localdate() + timedelta(days=1))
    bill_pay(bill=bill, by=secretary_user, amount=bill.amount, paid_on=timezone.localdate() - timedelta(days=3))
    with pytest.raises(ValidationError, match="already"):
        bill_pay(bill=bill, by=secretary_user, amount=bill.amount)
    with pytest.raises(ValidationError, match="already"):
        bill_waive(bill=bill, by=secretary_user, reason="误操作")
    bill.refresh_from_db()
    assert bill.paid_at == timezone.localdate() - timedelta(days=3)


# --- Waivers and re-splits ----------------------------------------------------------------------------------------


def test_a_waiver_needs_a_reason_and_moves_no_money(passed, committee_user):
    bills = Bill.objects.filter(proposal=passed)
    before = dict(bills.values_list("pk", "amount"))
    bill = bills.get(label="3-5-601")
    with pytest.raises(ValidationError, match="reason"):
        bill_waive(bill=bill, by=committee_user, reason="  ")
    bill_waive(bill=bill, by=committee_user, reason="低保户，业委会决定减免")
    assert dict(bills.values_list("pk", "amount")) == before
    progress = collection(passed)
    assert progress.counts["waived"] == 1
    assert progress.sums["waived"] == progress.waived_not_resplit == Decimal("50000.00")
    assert progress.due == Decimal("250000.00")
    with pytest.raises(ValidationError, match="waived"):
        bill_pay(bill=bill, by=committee_user, amount="50000.00")


def test_a_resplit_shares_the_waived_amount_exactly_and_is_recorded(passed, committee_user, secretary_user):
    bills = Bill.objects.filter(proposal=passed)
    paid = bills.get(label="3-5-201")
    bill_pay(bill=paid, by=secretary_user, amount=paid.amount)
    bill_waive(bill=bills.get(label="3-5-601"), by=committee_user, reason="低保户")
    bill_waive(bill=bills.get(label="3-5-302"), by=committee_user, reason="房屋空置纠纷")
    waived = Decimal("50000.00") + Decimal("20000.00")
    unpaid_before = dict(bills.filter(status=BillStatus.UNPAID).values_list("pk", "amount"))

    record = bills_resplit(proposal=passed, by=committee_user, reason="业主大会决定由其余受益户分担")

    assert (record.amount, record.waived_bills, record.unpaid_bills) == (waived, 2, 7)
    assert record.by == committee_user and record.reason == "业主大会决定由其余受益户分担"
    unpaid_after = dict(bills.filter(status=BillStatus.UNPAID).values_list("pk", "amount"))
    added = {pk: unpaid_after[pk] - unpaid_before[pk] for pk in unpaid_before}
    assert sum(added.values()) == waived
    # In proportion to each bill's own share: 220,000 still to pay, so each adds 70,000/220,000 of it (± a fen).
    assert sum(unpaid_before.values()) == Decimal("220000.00")
    for pk, amount in added.items():
        exact = unpaid_before[pk] * waived / Decimal("220000.00")
        assert abs(amount - exact) < Decimal("0.01")
    paid.refresh_from_db()
    assert paid.amount == paid.original_amount  # a paid bill never changes
    assert set(bills.filter(status=BillStatus.WAIVED).values_list("resplit", flat=True)) == {record.pk}
    # Collected + still to pay now covers the whole amount to share again, to the fen.
    progress = collection(passed)
    assert progress.due == Decimal("300000.00")
    assert progress.waived_not_resplit == 0
    with pytest.raises(ValidationError, match="no waived amount"):
        bills_resplit(proposal=passed, by=committee_user, reason="再来一次")
    assert CostResplit.objects.count() == 1


def test_a_resplit_needs_a_reason_and_someone_still_to_pay(passed, committee_user, secretary_user):
    bills = list(Bill.objects.filter(proposal=passed))
    bill_waive(bill=bills[0], by=committee_user, reason="减免")
    with pytest.raises(ValidationError, match="reason"):
        bills_resplit(proposal=passed, by=committee_user, reason=" ")
    for bill in bills[1:]:
        bill_pay(bill=bill, by=secretary_user, amount=bill.amount)
    with pytest.raises(ValidationError, match="still to pay"):
        bills_resplit(proposal=passed, by=committee_user, reason="分担")
    assert not CostResplit.objects.exists()


def test_a_resplit_of_odd_amounts_is_exact_to_the_fen(community, stairwell, committee_user):
    proposal = consulting(community, committee_user)
    add_plan(proposal, committee_user, method=CostMethod.EQUAL, items=(("单元门", "1000.00"),), subsidies=())
    open_voting(proposal, committee_user)
    pass_it(proposal, committee_user)
    bills = Bill.objects.filter(proposal=proposal)
    assert sorted(set(bills.values_list("amount", flat=True))) == [Decimal("83.33"), Decimal("83.34")]
    for bill in bills.order_by("position")[:5]:
        bill_waive(bill=bill, by=committee_user, reason="减免")
    record = bills_resplit(proposal=proposal, by=committee_user, reason="分担")
    unpaid = bills.filter(status=BillStatus.UNPAID)
    assert total(unpaid) == Decimal("1000.00")
    assert record.amount == Decimal("416.69")  # 4 × 83.34 + 83.33
    assert unpaid.count() == 7
