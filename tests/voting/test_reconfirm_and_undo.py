"""The one ballot writer (voting.services.ballots_write) on a second confirmation of the same choice (nothing is
written, the receipt stays) and on undoing a paper or proxy entry (ballot_entry_undo: a logged entry restoring the
state before, only for its enterer, within the window, while nothing came after it)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Role
from tests.factories import RoleFactory
from voting.audit import ballots_verify
from voting.models import Ballot, BallotEvent, Channel
from voting.paper_services import paper_ballot_record
from voting.selectors import receipt_history, tally_outcome
from voting.services import UNDO_SECONDS, VotingError, ballot_cast, ballot_entry_undo

from .conftest import as_verified_owner, open_proposal, scan

pytestmark = pytest.mark.django_db


def vote(proposal, household, user, choice="agree"):
    return ballot_cast(proposal=proposal, household=household, choice=choice, channel=Channel.ONLINE, by=user)


def paper(proposal, household, user, choice="disagree"):
    return paper_ballot_record(
        proposal=proposal, household=household, choice=choice, channel=Channel.PAPER, by=user, evidence=scan()
    )


def verified(proposal) -> bool:
    """The log, the chain head, the ballots and the tally agree (voting.audit)."""
    proposal.refresh_from_db()
    return ballots_verify(proposal) == []


def state(proposal):
    """Everything a second confirmation must leave alone."""
    proposal.refresh_from_db()
    ballots = list(Ballot.objects.filter(proposal=proposal).values_list("household_id", "choice", "receipt", "seq"))
    return proposal.ballot_seq, proposal.ballot_hash, BallotEvent.objects.filter(proposal=proposal).count(), ballots


# --- Confirming the same choice again ------------------------------------------------------------------------------


def test_confirming_the_same_choice_again_changes_nothing_and_keeps_the_receipt(
    proposal, stairwell, residents, django_capture_on_commit_callbacks
):
    first = vote(proposal, stairwell[0], residents[0], "agree")[0]
    before = state(proposal)
    with django_capture_on_commit_callbacks() as callbacks:
        again = vote(proposal, stairwell[0], residents[0], "agree")[0]
    assert again.receipt == first.receipt and again.pk == first.pk
    assert state(proposal) == before  # no log entry, no new chain head, the same receipt
    assert callbacks == []  # nothing changed, so no tally broadcast
    assert verified(proposal)
    assert tally_outcome(proposal).agree.households == 1


def test_a_different_choice_is_a_change_with_a_new_receipt(proposal, stairwell, residents):
    first = vote(proposal, stairwell[0], residents[0], "agree")[0]
    changed = vote(proposal, stairwell[0], residents[0], "disagree")[0]
    back = vote(proposal, stairwell[0], residents[0], "agree")[0]
    assert len({first.receipt, changed.receipt, back.receipt}) == 3
    assert list(BallotEvent.objects.values_list("old_choice", "new_choice", "receipt")) == [
        ("", "agree", first.receipt),
        ("agree", "disagree", changed.receipt),
        ("disagree", "agree", back.receipt),
    ]
    assert verified(proposal)


def test_an_owner_of_several_flats_confirming_again_writes_nothing(
    same_owner, community, committee_user, stairwell, residents
):
    proposal = open_proposal(community, committee_user)
    owner = as_verified_owner(residents[0])
    first = vote(proposal, stairwell[0], owner, "agree")
    before = state(proposal)
    again = vote(proposal, stairwell[1], owner, "agree")  # from the other flat: the same head's ballot
    assert [b.receipt for b in again] == [b.receipt for b in first]
    assert state(proposal) == before


def test_a_paper_ballot_with_the_same_choice_is_still_recorded(proposal, stairwell, residents, secretary_user):
    """A signed paper ballot is new evidence, not a second tap: it is logged (the online one stays in the log)."""
    online = vote(proposal, stairwell[0], residents[0], "agree")[0]
    entered = paper(proposal, stairwell[0], secretary_user, "agree")[0]
    assert entered.channel == Channel.PAPER and entered.receipt != online.receipt
    assert BallotEvent.objects.count() == 2


def test_an_old_receipt_is_found_in_the_log(proposal, stairwell, residents):
    first = vote(proposal, stairwell[0], residents[0], "agree")[0]
    vote(proposal, stairwell[0], residents[0], "abstain")
    [past] = receipt_history(proposal, first.receipt)
    assert (past.event.household_id, past.event.new_choice) == (stairwell[0].pk, "agree")
    assert past.changed_at is not None and past.changed_at >= past.event.at
    assert receipt_history(proposal, "ZZZZZZZZ") == []


# --- Undoing a paper or proxy entry ---------------------------------------------------------------------------------


def test_undoing_a_first_entry_leaves_no_ballot_and_logs_both(
    proposal, stairwell, secretary_user, django_capture_on_commit_callbacks
):
    entered = paper(proposal, stairwell[0], secretary_user)[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        undone = ballot_entry_undo(proposal=proposal, seq=entered.seq, by=secretary_user)
    assert [event.seq for event in undone] == [entered.seq]
    assert len(callbacks) == 1  # the tally is told
    assert not Ballot.objects.filter(proposal=proposal).exists()
    assert list(BallotEvent.objects.values_list("old_choice", "new_choice", "undoes", "by")) == [
        ("", "disagree", None, secretary_user.pk),
        ("disagree", "", entered.seq, secretary_user.pk),
    ]
    assert tally_outcome(proposal).participated.households == 0
    assert verified(proposal)


def test_undoing_restores_the_ballot_before_with_its_receipt(proposal, stairwell, residents, secretary_user):
    online = vote(proposal, stairwell[0], residents[0], "agree")[0]
    entered = paper(proposal, stairwell[0], secretary_user, "disagree")[0]
    ballot_entry_undo(proposal=proposal, seq=entered.seq, by=secretary_user)
    restored = Ballot.objects.get(proposal=proposal)
    assert (restored.choice, restored.channel, restored.receipt, restored.recorded_by_id) == (
        "agree",
        Channel.ONLINE,
        online.receipt,
        residents[0].pk,
    )
    assert restored.cast_at == online.cast_at and restored.evidence.name == ""
    assert verified(proposal)
    # A later paper entry over it, undone, gives back the earlier paper ballot with its scan.
    first_paper = paper(proposal, stairwell[0], secretary_user, "abstain")[0]
    second = paper(proposal, stairwell[0], secretary_user, "disagree")[0]
    ballot_entry_undo(proposal=proposal, seq=second.seq, by=secretary_user)
    restored = Ballot.objects.get(proposal=proposal)
    assert (restored.choice, restored.receipt, restored.evidence.name) == (
        "abstain",
        first_paper.receipt,
        first_paper.evidence.name,
    )
    assert verified(proposal)


def test_undoing_an_owners_entry_restores_every_flat(same_owner, community, committee_user, stairwell, secretary_user):
    proposal = open_proposal(community, committee_user)
    entered = paper(proposal, stairwell[0], secretary_user, "agree")
    assert len(entered) == 2
    undone = ballot_entry_undo(proposal=proposal, seq=entered[0].seq, by=secretary_user)
    assert {event.household_id for event in undone} == {stairwell[0].pk, stairwell[1].pk}
    assert not Ballot.objects.filter(proposal=proposal).exists()
    assert verified(proposal)


def _refused(proposal, seq, by, words):
    before = state(proposal)
    with pytest.raises(VotingError) as refusal:
        ballot_entry_undo(proposal=proposal, seq=seq, by=by)
    assert words in refusal.value.messages[0]
    assert state(proposal) == before


def test_only_the_person_who_entered_it_may_undo(proposal, stairwell, secretary_user, community):
    entered = paper(proposal, stairwell[0], secretary_user)[0]
    another = RoleFactory(community=community, kind=Role.Kind.SECRETARY).user
    _refused(proposal, entered.seq, another, "只有录入这张表决票的人")


def test_an_entry_with_a_later_change_is_not_undone(proposal, stairwell, residents, secretary_user):
    entered = paper(proposal, stairwell[0], secretary_user)[0]
    vote(proposal, stairwell[0], residents[0], "agree")
    _refused(proposal, entered.seq, secretary_user, "该户的表决已有变动")


def test_an_undo_is_not_undone_twice(proposal, stairwell, secretary_user):
    entered = paper(proposal, stairwell[0], secretary_user)[0]
    ballot_entry_undo(proposal=proposal, seq=entered.seq, by=secretary_user)
    _refused(proposal, entered.seq, secretary_user, "该户的表决已有变动")
    _refused(proposal, entered.seq + 1, secretary_user, "没有可撤销的")


def test_another_households_later_entry_does_not_block_the_undo(proposal, stairwell, residents, secretary_user):
    entered = paper(proposal, stairwell[0], secretary_user)[0]
    vote(proposal, stairwell[1], residents[1], "agree")
    ballot_entry_undo(proposal=proposal, seq=entered.seq, by=secretary_user)
    assert list(Ballot.objects.values_list("household_id", flat=True)) == [stairwell[1].pk]
    assert verified(proposal)


def test_an_online_vote_is_not_undone_here(proposal, stairwell, residents):
    cast = vote(proposal, stairwell[0], residents[0])[0]
    _refused(proposal, cast.seq, residents[0], "没有可撤销的")


def test_the_undo_window_closes(proposal, stairwell, secretary_user, monkeypatch):
    entered = paper(proposal, stairwell[0], secretary_user)[0]
    later = timezone.now() + timedelta(seconds=UNDO_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    _refused(proposal, entered.seq, secretary_user, "已过撤销时限")


def test_within_the_window_it_is_undone(proposal, stairwell, secretary_user, monkeypatch):
    entered = paper(proposal, stairwell[0], secretary_user)[0]
    later = timezone.now() + timedelta(seconds=UNDO_SECONDS - 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    ballot_entry_undo(proposal=proposal, seq=entered.seq, by=secretary_user)
    assert not Ballot.objects.exists()
