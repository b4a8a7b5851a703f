"""The proposal's lifecycle where it involves the other apps: opening voting (freeze the electorate, lock the cost
plan), closing it (final tally, bills, live push) and publishing the result. The one place these moves are made;
pages never make them — due proposals are closed by the scheduled job (lifecycle.tasks)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import check_datetime
from costs.services import bills_create, cost_plan_lock
from meetings.selectors import meeting_deciding
from proposals.models import Proposal, State
from proposals.services import proposal_lock, proposal_transition
from voting.selectors import tally_outcome
from voting.services import electorate_freeze, tally_changed_on_commit


@transaction.atomic
def proposal_open_voting(*, proposal: Proposal, by, closes_at: datetime, opens_at: datetime | None = None) -> Proposal:
    """Open voting now (or at `opens_at`) until `closes_at`, freezing the electorate and the cost plan."""
    now = timezone.now()
    opens_at = check_datetime(opens_at or now)
    check_datetime(closes_at)
    if closes_at <= max(opens_at, now):
        raise ValidationError(_("Voting must close after it opens, and in the future."))
    proposal = proposal_lock(proposal)
    if meeting := meeting_deciding(proposal):
        raise ValidationError(
            _("This proposal is a matter of the owners' meeting “%(meeting)s”: it is voted on with its ballot.")
            % {"meeting": meeting.title}
        )
    proposal = proposal_transition(proposal, State.VOTING, by)
    proposal.voting_opens_at, proposal.voting_closes_at = opens_at, closes_at
    electorate_freeze(proposal=proposal)
    if proposal.electorate_households == 0:
        raise ValidationError(_("There are no households in this proposal's scope."))
    # The cost plan is locked with the electorate: households vote knowing the share they will pay.
    cost_plan_lock(proposal=proposal)
    proposal.save()
    return proposal


def _close(proposal: Proposal, by, note: str) -> Proposal:
    """Caller holds the proposal lock and the proposal is voting."""
    outcome = tally_outcome(proposal)
    proposal_transition(proposal, State.CLOSED, by, note)
    proposal.passed = outcome.passed
    if proposal.passed:
        bills_create(proposal=proposal)  # the frozen shares become bills, in this transaction, once
    if proposal.voting_closes_at is None or proposal.voting_closes_at > timezone.now():
        proposal.voting_closes_at = timezone.now()
    proposal.save()
    tally_changed_on_commit(proposal.pk)
    return proposal


@transaction.atomic
def proposal_close(*, proposal: Proposal, by) -> Proposal:
    """Close voting now and record whether it passed. Closing a closed proposal changes nothing."""
    proposal = proposal_lock(proposal)
    if proposal.state in (State.CLOSED, State.PUBLISHED):
        return proposal
    if proposal.state != State.VOTING:
        proposal_transition(proposal, State.CLOSED, by)  # raises the friendly message
    return _close(proposal, by, note="")


def proposal_close_if_due(*, proposal: Proposal) -> Proposal:
    """Close a proposal whose voting window has ended. Called by the scheduled job, never by a page."""
    if proposal.voting_status() != Proposal.ENDED:
        return proposal
    with transaction.atomic():
        locked = proposal_lock(proposal)
        if locked.state != State.VOTING:
            return locked
        return _close(locked, by=None, note="closed at the end of the voting window")


def proposals_close_due(*, now: datetime | None = None) -> int:
    """Close every proposal whose voting window had ended by `now` (default: now), each in its own transaction;
    returns how many were closed. Run every minute by lifecycle.tasks; safe to run at any time."""
    due = Proposal.objects.filter(state=State.VOTING, voting_closes_at__lte=now or timezone.now())
    return sum(
        proposal_close_if_due(proposal=proposal).state == State.CLOSED
        for proposal in due.order_by("voting_closes_at", "pk")
    )


@transaction.atomic
def proposal_publish(*, proposal: Proposal, by) -> Proposal:
    proposal = proposal_transition(proposal_lock(proposal), State.PUBLISHED, by)
    proposal.save(update_fields=["state", "updated_at"])
    return proposal
