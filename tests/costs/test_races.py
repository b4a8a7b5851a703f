"""Racing writes of cost sharing on PostgreSQL (SQLite serialises every write, so the race needs a real server):
bills made once, a bill paid once, a re-split against payments, a sign-up against the lock."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from costs.models import Beneficiary, Bill, BillStatus, Share
from costs.services import beneficiary_sign_up, bill_pay, bill_waive, bills_resplit
from lifecycle.services import proposal_close, proposal_close_if_due
from proposals.models import Proposal
from tests.costs.conftest import open_voting, pass_it, vote_all
from tests.voting.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_closing_twice_at_once_makes_one_set_of_bills(elevator, committee_user):
    open_voting(elevator, committee_user)
    vote_all(elevator, committee_user)
    Proposal.objects.filter(pk=elevator.pk).update(
        voting_opens_at=timezone.now() - timedelta(days=2), voting_closes_at=timezone.now() - timedelta(seconds=1)
    )
    elevator.refresh_from_db()
    jobs = [lambda: proposal_close(proposal=elevator, by=committee_user)] * 2
    jobs += [lambda: proposal_close_if_due(proposal=elevator)] * 2
    results = race(jobs)
    assert not [r for r in results if isinstance(r, Exception)]
    assert Bill.objects.filter(proposal=elevator).count() == 10
    assert Bill.objects.filter(proposal=elevator).aggregate(s=Sum("amount"))["s"] == Decimal("300000.00")


def test_a_bill_raced_by_four_secretaries_is_paid_once(elevator, committee_user, secretary_user):
    open_voting(elevator, committee_user)
    pass_it(elevator, committee_user)
    bill = Bill.objects.filter(proposal=elevator).first()
    results = race([lambda: bill_pay(bill=bill, by=secretary_user, amount=bill.amount)] * 4)
    assert sum(isinstance(r, Bill) for r in results) == 1
    assert all(isinstance(r, ValidationError) for r in results if not isinstance(r, Bill))
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID


def test_a_resplit_racing_payments_keeps_every_fen(elevator, committee_user, secretary_user):
    open_voting(elevator, committee_user)
    pass_it(elevator, committee_user)
    bills = list(Bill.objects.filter(proposal=elevator).order_by("position"))
    bill_waive(bill=bills[-1], by=committee_user, reason="减免")
    payers = bills[:6]
    jobs = [lambda: bills_resplit(proposal=elevator, by=committee_user, reason="分担")]
    jobs += [(lambda b=b: bill_pay(bill=b, by=secretary_user, amount=b.amount)) for b in payers]
    results = race(jobs)
    assert all(not isinstance(r, Exception) or isinstance(r, ValidationError) for r in results)
    # Paid and unpaid bills now ask for the whole amount to share again, to the fen, whatever the order was.
    collected = Bill.objects.filter(proposal=elevator).exclude(status=BillStatus.WAIVED)
    assert collected.aggregate(s=Sum("amount"))["s"] == Decimal("300000.00")
    # A payment made before the re-split is of the share; one made after it was refused (the amount changed).
    for paid in collected.filter(status=BillStatus.PAID):
        assert paid.amount == paid.original_amount
    assert Bill.objects.filter(proposal=elevator, status=BillStatus.PAID).count() + sum(
        isinstance(r, ValidationError) for r in results[1:]
    ) == len(payers)


def test_a_sign_up_racing_the_opening_is_either_in_the_shares_or_refused(garage, stairwell, residents, committee_user):
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=2)
    results = race(
        [
            lambda: open_voting(garage, committee_user),
            lambda: beneficiary_sign_up(proposal=garage, household=stairwell[1], by=residents[1], weight=3),
        ]
    )
    assert all(not isinstance(r, Exception) or isinstance(r, ValidationError) for r in results)
    active = set(Beneficiary.objects.filter(withdrawn_at__isnull=True).values_list("household_id", flat=True))
    assert set(Share.objects.values_list("household_id", flat=True)) == active
