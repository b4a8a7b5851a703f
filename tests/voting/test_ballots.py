"""Ballots: one per household, last one counts, multi-flat owners, channels, refusals, the audit chain."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from lifecycle.services import proposal_close, proposal_close_if_due
from proposals.models import Proposal, RuleCode, State
from voting import services
from voting.chain import electorate_mac, event_mac
from voting.models import Ballot, BallotEvent, Channel
from voting.selectors import tally_json, tally_outcome, tally_recount
from voting.services import VotingError, ballot_cast

from .conftest import as_verified_owner, open_proposal, scan

pytestmark = pytest.mark.django_db


def vote(proposal, household, user, choice="agree"):
    return ballot_cast(proposal=proposal, household=household, choice=choice, channel=Channel.ONLINE, by=user)


def test_electorate_frozen_at_opening(proposal, stairwell):
    assert (proposal.electorate_households, proposal.electorate_heads) == (12, 12)
    assert proposal.electorate_area == 1200
    stairwell[0].area = 999
    stairwell[0].save()
    proposal.refresh_from_db()
    assert proposal.electors.get(household=stairwell[0]).area == 100


def test_last_ballot_counts_and_log_keeps_every_change(proposal, stairwell, residents):
    vote(proposal, stairwell[0], residents[0], "agree")
    vote(proposal, stairwell[0], residents[0], "disagree")
    assert Ballot.objects.get(proposal=proposal, household=stairwell[0]).choice == "disagree"
    assert Ballot.objects.filter(proposal=proposal).count() == 1
    events = list(BallotEvent.objects.filter(proposal=proposal).values_list("seq", "old_choice", "new_choice"))
    assert events == [(1, "", "agree"), (2, "agree", "disagree")]
    outcome = tally_outcome(proposal)
    assert (outcome.agree.households, outcome.disagree.households) == (0, 1)


def test_multi_household_owner_votes_once_for_all(proposal_factory_with_same_owner):
    proposal, stairwell, user = proposal_factory_with_same_owner
    ballots = vote(proposal, stairwell[0], user, "agree")
    assert {b.household_id for b in ballots} == {stairwell[0].pk, stairwell[1].pk}
    outcome = tally_outcome(proposal)
    assert (outcome.agree.households, outcome.agree.heads, outcome.electorate.heads) == (2, 1, 11)


@pytest.fixture
def proposal_factory_with_same_owner(same_owner, community, committee_user, stairwell, residents):
    # residents[0] is bound to flat 0 as the verified owner of flats 0 and 1 (whose ballot is the owner's).
    return open_proposal(community, committee_user), stairwell, as_verified_owner(residents[0])


def test_paper_and_proxy_need_evidence(proposal, stairwell, secretary_user):
    with pytest.raises(VotingError):
        ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel=Channel.PAPER, by=secretary_user)
    with pytest.raises(VotingError):
        ballot_cast(
            proposal=proposal,
            household=stairwell[0],
            choice="agree",
            channel=Channel.PROXY,
            by=secretary_user,
            evidence=scan(),
        )
    assert not Ballot.objects.exists()
    ballot_cast(
        proposal=proposal,
        household=stairwell[0],
        choice="agree",
        channel=Channel.PROXY,
        by=secretary_user,
        proxy_name="李四",
        evidence=scan(),
    )
    ballot = Ballot.objects.get()
    assert (ballot.channel, ballot.proxy_name, ballot.recorded_by) == ("proxy", "李四", secretary_user)
    assert ballot.evidence.name.startswith("ballots/")


def test_refused_before_opening_after_closing_and_outside_scope(
    community, committee_user, stairwell, residents, household_factory
):
    from proposals.models import Category
    from proposals.services import proposal_create

    draft = proposal_create(community=community, by=committee_user, title="t", summary="s", category=Category.OTHER)
    with pytest.raises(VotingError):
        vote(draft, stairwell[0], residents[0])

    proposal = open_proposal(community, committee_user)
    outsider = household_factory(entrance__building__community=community)
    with translation.override("en"), pytest.raises(VotingError, match="scope"):
        vote(proposal, outsider, residents[0])

    proposal_close(proposal=proposal, by=committee_user)
    with pytest.raises(VotingError):
        vote(proposal, stairwell[0], residents[0])
    assert not Ballot.objects.exists()


def test_vote_past_close_time_is_refused_and_closes_nothing(proposal, stairwell, residents):
    vote(proposal, stairwell[0], residents[0])
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - timedelta(hours=1), voting_closes_at=now - timedelta(seconds=1)
    )
    proposal.refresh_from_db()
    with translation.override("en"), pytest.raises(VotingError, match="has closed"):
        vote(proposal, stairwell[1], residents[1])
    proposal.refresh_from_db()
    # Refusing is all a ballot does: closing is the scheduled job's.
    assert proposal.state == State.VOTING
    assert proposal.voting_status() == Proposal.ENDED
    assert not proposal.transitions.filter(to_state=State.CLOSED).exists()
    assert Ballot.objects.count() == 1
    # Closing is idempotent.
    assert proposal_close_if_due(proposal=proposal).state == State.CLOSED
    assert proposal_close_if_due(proposal=proposal).state == State.CLOSED
    assert proposal.transitions.filter(to_state=State.CLOSED).count() == 1


def test_a_ballot_that_waited_on_the_lock_past_the_deadline_is_refused(proposal, stairwell, residents, monkeypatch):
    """The clock is read after the proposal lock: a ballot arriving just before the deadline but getting the lock
    after it is refused (the SQL function that took its time before the lock accepted it)."""
    deadline = timezone.now() + timedelta(minutes=5)
    Proposal.objects.filter(pk=proposal.pk).update(voting_closes_at=deadline)
    proposal.refresh_from_db()
    assert proposal.voting_status() == Proposal.OPEN
    real_lock = services.Proposal.objects.select_for_update

    def lock_then_wait(*args, **kwargs):
        # The lock is granted at the deadline: whatever the time was when the ballot arrived.
        monkeypatch.setattr(services.timezone, "now", lambda: deadline)
        return real_lock(*args, **kwargs)

    monkeypatch.setattr(services.Proposal.objects, "select_for_update", lock_then_wait)
    with translation.override("en"), pytest.raises(VotingError, match="has closed"):
        vote(proposal, stairwell[0], residents[0])
    assert not Ballot.objects.filter(proposal=proposal).exists()
    assert not BallotEvent.objects.filter(proposal=proposal).exists()


def test_refusals_change_nothing(proposal, stairwell, residents):
    Proposal.objects.filter(pk=proposal.pk).update(voting_opens_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(VotingError) as refused:
        vote(proposal, stairwell[0], residents[0])
    assert refused.value.messages == [gettext("Voting on this proposal has not opened yet.")]
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=None, voting_closes_at=timezone.now() - timedelta(seconds=1)
    )
    proposal.refresh_from_db()
    with pytest.raises(VotingError) as refused:
        vote(proposal, stairwell[0], residents[0])
    assert refused.value.messages == [gettext("Voting on this proposal has closed.")]
    assert not Ballot.objects.filter(proposal=proposal).exists()
    assert not BallotEvent.objects.filter(proposal=proposal).exists()


def test_the_hash_of_every_entry_is_the_chains(proposal, stairwell, residents, settings):
    vote(proposal, stairwell[0], residents[0], "agree")
    vote(proposal, stairwell[0], residents[0], "abstain")
    key = settings.BALLOT_CHAIN_KEY.encode()
    # The chain starts from the frozen electorate's MAC, under the server's key.
    previous = electorate_mac(
        key=key, proposal_id=proposal.pk, electors=proposal.electors.values_list("household_id", "head", "area")
    )
    for event in BallotEvent.objects.filter(proposal=proposal).order_by("seq"):
        expected = event_mac(
            key=key, proposal_id=proposal.pk, seq=event.seq, household_id=event.household_id,
            old_choice=event.old_choice, new_choice=event.new_choice, channel=event.channel, by_id=event.by_id,
            proxy_name=event.proxy_name, at=event.at, prev_hash=previous,
        )  # fmt: skip
        assert (event.prev_hash, event.hash) == (previous, expected)
        previous = event.hash
    proposal.refresh_from_db()
    assert (proposal.ballot_seq, proposal.ballot_hash) == (2, previous)


def test_changes_of_mind_of_a_multi_flat_head_keep_one_chain(
    same_owner, community, committee_user, stairwell, residents
):
    """A head with two flats, changes of mind, several households: one receipt per head, one entry per flat, and
    verify_ballots recomputes every hash."""
    proposal = open_proposal(community, committee_user)
    as_verified_owner(residents[0])
    for household, user, choice in (
        (stairwell[0], residents[0], "agree"),  # the same owner's two flats
        (stairwell[2], residents[2], "disagree"),
        (stairwell[1], residents[0], "abstain"),  # the other flat of that head: both change
        (stairwell[2], residents[2], "agree"),
        (stairwell[3], residents[3], "agree"),
    ):
        ballots = vote(proposal, household, user, choice)
        assert len({ballot.receipt for ballot in ballots}) == 1
        assert [b.choice for b in ballots] == [choice] * len(ballots)
    proposal.refresh_from_db()
    assert proposal.ballot_seq == 7  # 2 + 1 + 2 + 1 + 1 log entries
    call_command("verify_ballots", proposal.pk)  # recomputes every hash in Python; raises if one differs


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_it_is_the_callers_to_commit(proposal, stairwell, residents):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        vote(proposal, stairwell[0], residents[0])
        raise Undo
    assert not Ballot.objects.filter(proposal=proposal).exists()
    vote(proposal, stairwell[0], residents[0])
    assert Ballot.objects.filter(proposal=proposal).count() == 1


def test_unanimous_door_proposal_passes_only_with_all(community, committee_user, stairwell, residents):
    proposal = open_proposal(community, committee_user, rule=RuleCode.UNANIMOUS)
    for household, user in zip(stairwell[:-1], residents[:-1], strict=True):
        vote(proposal, household, user)
    assert tally_json(proposal)["passed"] is False
    assert tally_json(proposal)["needed"]["households"] == 1
    vote(proposal, stairwell[-1], residents[-1])
    closed = proposal_close(proposal=proposal, by=committee_user)
    assert closed.passed is True
    assert tally_json(closed)["state"] == "closed"


def test_tally_json_shape_and_version(proposal, stairwell, residents):
    first = tally_json(proposal)
    assert first["version"] == 0
    assert set(first) >= {
        "proposal",
        "state",
        "rule",
        "version",
        "electorate",
        "participated",
        "agree",
        "disagree",
        "abstain",
        "passed",
        "needed",
    }
    assert first["electorate"] == {"households": 12, "heads": 12, "area": "1200.00"}
    vote(proposal, stairwell[0], residents[0], "abstain")
    second = tally_json(proposal)
    assert second["version"] == 1
    assert second["abstain"] == {"households": 1, "heads": 1, "area": "100.00"}
    assert second["participated"]["households"] == 1


def test_tallies_of_two_proposals_stay_apart(proposal, stairwell, residents, community, committee_user):
    # The tally's SQL is compiled once per process and reused with each proposal's id.
    other = open_proposal(community, committee_user, title="加装电梯")
    vote(proposal, stairwell[0], residents[0], "agree")
    vote(other, stairwell[1], residents[1], "disagree")
    vote(other, stairwell[2], residents[2], "disagree")
    first, second = tally_json(proposal), tally_json(other)
    assert (first["version"], first["agree"]["households"], first["disagree"]["households"]) == (1, 1, 0)
    assert (second["version"], second["agree"]["households"], second["disagree"]["households"]) == (2, 0, 2)
    assert tally_outcome(other) == tally_recount(other)


def test_tally_equals_recount(proposal, stairwell, residents):
    for i, (household, user) in enumerate(zip(stairwell, residents, strict=True)):
        vote(proposal, household, user, ["agree", "disagree", "abstain"][i % 3])
    assert tally_outcome(proposal) == tally_recount(proposal)


def test_verify_ballots_passes_when_intact(proposal, stairwell, residents, capsys):
    for household, user in zip(stairwell[:4], residents[:4], strict=True):
        vote(proposal, household, user)
    vote(proposal, stairwell[0], residents[0], "disagree")
    call_command("verify_ballots", proposal.pk)
    assert "OK" in capsys.readouterr().out


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE voting_ballot SET choice = 'agree' WHERE choice = 'disagree'",
        "UPDATE voting_ballotevent SET new_choice = 'agree' WHERE seq = 2",
        "DELETE FROM voting_ballotevent WHERE seq = 1",
        "DELETE FROM voting_ballot WHERE id = (SELECT MIN(id) FROM voting_ballot)",
    ],
)
def test_verify_ballots_catches_raw_sql_tampering(proposal, stairwell, residents, tamper):
    vote(proposal, stairwell[0], residents[0], "agree")
    vote(proposal, stairwell[1], residents[1], "disagree")
    vote(proposal, stairwell[2], residents[2], "agree")
    with connection.cursor() as cursor:
        cursor.execute(tamper)
    with pytest.raises(CommandError):
        call_command("verify_ballots", proposal.pk)


def test_verify_ballots_catches_an_inserted_ballot(proposal, stairwell, residents):
    vote(proposal, stairwell[0], residents[0], "agree")
    ballot = Ballot.objects.get()
    elector = proposal.electors.get(household=stairwell[1])
    Ballot.objects.create(
        proposal=proposal,
        household=stairwell[1],
        elector=elector,
        head=elector.head,
        area=elector.area,
        choice="agree",
        channel="online",
        recorded_by=ballot.recorded_by,
        receipt="X",
        seq=1,
        cast_at=ballot.cast_at,
    )
    with pytest.raises(CommandError):
        call_command("verify_ballots", proposal.pk)


def test_shared_head_flag_marks_only_multi_flat_owners_and_heads_count_once(
    proposal_factory_with_same_owner, residents
):
    proposal, stairwell, owner_user = proposal_factory_with_same_owner
    vote(proposal, stairwell[0], owner_user, "agree")  # the owner of flats 0 and 1
    vote(proposal, stairwell[2], residents[2], "agree")
    vote(proposal, stairwell[3], residents[3], "disagree")
    flags = dict(Ballot.objects.filter(proposal=proposal).values_list("household_id", "shared_head"))
    assert flags == {stairwell[0].pk: True, stairwell[1].pk: True, stairwell[2].pk: False, stairwell[3].pk: False}
    outcome = tally_outcome(proposal)
    assert (outcome.participated.heads, outcome.agree.heads, outcome.disagree.heads) == (3, 2, 1)
    assert outcome == tally_recount(proposal)
