"""On PostgreSQL a ballot's write carries the COMMIT of its transaction when that transaction is the outermost; inside
a caller's transaction it must not (the caller decides), and the on-commit push still follows the commit."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from voting import services
from voting.models import Ballot, BallotEvent, Channel
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db(transaction=True)


def _vote(proposal, household, user, choice="agree"):
    return ballot_cast(proposal=proposal, household=household, choice=choice, channel=Channel.ONLINE, by=user)


def test_a_ballot_is_committed_and_pushed(proposal, stairwell, residents, monkeypatch):
    pushed = []
    monkeypatch.setattr(services.live, "tally_changed", pushed.append)
    _vote(proposal, stairwell[0], residents[0])
    _vote(proposal, stairwell[0], residents[0], "disagree")
    assert not connection.in_atomic_block and connection.get_autocommit()
    assert Ballot.objects.get(proposal=proposal, household=stairwell[0]).choice == "disagree"
    assert BallotEvent.objects.filter(proposal=proposal).count() == 2
    assert pushed == [proposal.pk, proposal.pk]
    call_command("verify_ballots", proposal.pk)  # raises CommandError when the chain does not hold


def test_inside_a_callers_transaction_nothing_is_committed_early(proposal, stairwell, residents):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        _vote(proposal, stairwell[0], residents[0])
        assert connection.in_atomic_block  # still the caller's transaction
        raise Undo
    assert not Ballot.objects.filter(proposal=proposal).exists()
    assert not BallotEvent.objects.filter(proposal=proposal).exists()
