"""On PostgreSQL an online ballot is one statement, gongyi_cast_online() (voting/cast.sql): it must record exactly
what ballot_cast's Python path records, with the same hash chain, and refuse the same ballots."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from proposals.models import Proposal
from voting import services
from voting.models import Ballot, BallotEvent, Channel
from voting.services import VotingError, ballot_cast

from .conftest import open_proposal

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the function is PostgreSQL's"),
]

BALLOT_FIELDS = ("household_id", "elector__household_id", "head", "shared_head", "area", "choice", "channel",
                 "recorded_by_id", "proxy_name", "evidence", "seq")  # fmt: skip
EVENT_FIELDS = ("seq", "household_id", "old_choice", "new_choice", "channel", "by_id", "proxy_name")


def _votes(proposal, stairwell, residents):
    """A head with two flats, changes of mind, several households: what each path must record alike."""
    for household, user, choice in (
        (stairwell[0], residents[0], "agree"),  # the same owner's two flats
        (stairwell[2], residents[2], "disagree"),
        (stairwell[1], residents[1], "abstain"),  # the other flat of that head: both change
        (stairwell[2], residents[2], "agree"),
        (stairwell[3], residents[3], "agree"),
    ):
        ballots = ballot_cast(proposal=proposal, household=household, choice=choice, channel=Channel.ONLINE, by=user)
        assert len({ballot.receipt for ballot in ballots}) == 1
        assert [b.choice for b in ballots] == [choice] * len(ballots)


def _recorded(proposal):
    ballots = list(Ballot.objects.filter(proposal=proposal).order_by("household_id").values_list(*BALLOT_FIELDS))
    events = list(BallotEvent.objects.filter(proposal=proposal).order_by("seq").values_list(*EVENT_FIELDS))
    proposal.refresh_from_db()
    return ballots, events, proposal.ballot_seq


def test_the_function_records_what_the_python_path_records(
    same_owner, community, committee_user, stairwell, residents, monkeypatch
):
    in_one = open_proposal(community, committee_user, title="一条语句")
    _votes(in_one, stairwell, residents)
    monkeypatch.setattr(services, "_one_statement", lambda: False)
    in_python = open_proposal(community, committee_user, title="Python")
    _votes(in_python, stairwell, residents)
    assert _recorded(in_one) == _recorded(in_python)
    assert _recorded(in_one)[2] == 7  # 2 + 1 + 2 + 1 + 1 log entries
    for proposal in (in_one, in_python):
        call_command("verify_ballots", proposal.pk)  # recomputes every hash in Python; raises if one differs


def test_the_hash_of_every_entry_is_pythons(proposal, stairwell, residents):
    from voting.chain import event_hash

    ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel=Channel.ONLINE, by=residents[0])
    ballot_cast(proposal=proposal, household=stairwell[0], choice="abstain", channel=Channel.ONLINE, by=residents[0])
    previous = ""
    for event in BallotEvent.objects.filter(proposal=proposal).order_by("seq"):
        expected = event_hash(
            proposal_id=proposal.pk, seq=event.seq, household_id=event.household_id, old_choice=event.old_choice,
            new_choice=event.new_choice, channel=event.channel, by_id=event.by_id, proxy_name=event.proxy_name,
            at=event.at, prev_hash=previous,
        )  # fmt: skip
        assert (event.prev_hash, event.hash) == (previous, expected)
        previous = event.hash


def test_refusals_change_nothing(proposal, stairwell, residents):
    Proposal.objects.filter(pk=proposal.pk).update(voting_opens_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(VotingError) as refused:
        ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel=Channel.ONLINE, by=residents[0])
    assert refused.value.messages == [gettext("Voting on this proposal has not opened yet.")]
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=None, voting_closes_at=timezone.now() - timedelta(seconds=1)
    )
    proposal.refresh_from_db()
    with pytest.raises(VotingError) as refused:
        services._cast_online_in_one_statement(proposal, stairwell[0], "agree", residents[0])
    assert refused.value.messages == [gettext("Voting on this proposal has closed.")]
    assert not Ballot.objects.filter(proposal=proposal).exists()
    assert not BallotEvent.objects.filter(proposal=proposal).exists()


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_it_is_the_callers_to_commit(proposal, stairwell, residents):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel=Channel.ONLINE, by=residents[0])
        raise Undo
    assert not Ballot.objects.filter(proposal=proposal).exists()
    ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel=Channel.ONLINE, by=residents[0])
    assert Ballot.objects.filter(proposal=proposal).count() == 1
