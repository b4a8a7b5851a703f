"""Querysets compiled once and run again with other values give what the queryset itself gives."""

import pytest
from django.db import transaction
from django.db.models import F

from proposals.models import Proposal
from voting.models import Elector
from voting.precompiled import Precompiled

pytestmark = pytest.mark.django_db


def test_runs_again_with_other_values(proposal, stairwell):
    electors = Precompiled(
        lambda proposal_id, household_id: Elector.objects.filter(proposal_id=proposal_id, household_id=household_id),
        arguments=2,
    )
    for household in stairwell[:3]:
        (found,) = electors.objects(proposal.pk, household.pk)
        assert found == Elector.objects.get(proposal=proposal, household=household)
    assert electors.objects(proposal.pk, -1) == []


def test_text_arguments_and_annotations(proposal, stairwell):
    by_label = Precompiled(
        lambda label: Elector.objects.filter(label=label).annotate(twice=F("area") * 2).order_by("pk"), arguments=1
    )
    elector = Elector.objects.filter(proposal=proposal).first()
    (found,) = by_label.objects(elector.label)
    assert (found.pk, found.twice) == (elector.pk, elector.area * 2)
    assert by_label.row(elector.label)[0] == elector.pk


def test_only_and_a_lock_inside_a_transaction(proposal):
    locked = Precompiled(lambda pk: Proposal.objects.select_for_update().only("state").filter(pk=pk), arguments=1)
    with transaction.atomic():
        (found,) = locked.objects(proposal.pk)
    assert found.state == proposal.state
    assert found.get_deferred_fields() >= {"title", "body"}


def test_an_argument_that_is_not_a_parameter_is_refused():
    not_used = Precompiled(lambda pk: Proposal.objects.all(), arguments=1)
    with pytest.raises(ValueError, match="every argument must be a parameter"):
        not_used.objects(5)
