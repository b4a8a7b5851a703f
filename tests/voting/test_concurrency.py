"""Racing ballots on PostgreSQL (SQLite serialises every write, so the race needs a real server)."""

import pytest
from django.db import connection

from tests.racing import race
from voting.models import Ballot, BallotEvent, Channel
from voting.selectors import tally_outcome, tally_recount
from voting.services import VotingError, ballot_cast

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_racing_for_one_household_leaves_one_ballot(proposal, stairwell, residents):
    household, user = stairwell[0], residents[0]
    choices = ["agree", "disagree"] * 4
    results = race(
        [
            (lambda c=c: ballot_cast(proposal=proposal, household=household, choice=c, channel=Channel.ONLINE, by=user))
            for c in choices
        ]
    )
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, VotingError)]
    assert Ballot.objects.filter(proposal=proposal, household=household).count() == 1
    # Every cast that changed the choice is one entry; one that found its choice recorded already wrote none.
    events = list(
        BallotEvent.objects.filter(proposal=proposal).order_by("seq").values_list("seq", "old_choice", "new_choice")
    )
    assert 1 <= len(events) <= len(choices)
    assert [seq for seq, _old, _new in events] == list(range(1, len(events) + 1))
    assert all(old != new for _seq, old, new in events)
    last = BallotEvent.objects.filter(proposal=proposal).order_by("-seq").first()
    assert Ballot.objects.get(proposal=proposal, household=household).choice == last.new_choice


def test_racing_for_different_households_counts_every_one(proposal, stairwell, residents):
    results = race(
        [
            (lambda h=h, u=u: ballot_cast(proposal=proposal, household=h, choice="agree", channel=Channel.ONLINE, by=u))
            for h, u in zip(stairwell, residents, strict=True)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    proposal.refresh_from_db()
    assert Ballot.objects.filter(proposal=proposal).count() == 12
    assert proposal.ballot_seq == 12
    assert tally_outcome(proposal).agree.households == 12
    assert tally_outcome(proposal) == tally_recount(proposal)
    from voting.audit import ballots_verify

    assert ballots_verify(proposal) == []
