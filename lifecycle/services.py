"""The proposal's lifecycle where it involves the other apps: opening voting (freeze the electorate, lock the cost
plan), closing it (final tally, bills, live push) and publishing the result. The one place these moves are made;
pages never make them — due proposals are closed by the scheduled job (lifecycle.tasks)."""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import check_datetime
from costs.services import bills_create, cost_plan_lock
from meetings.ballots import meeting_changed_on_commit
from meetings.models import AgendaItem, Election, Meeting, MeetingElector, MeetingState
from meetings.selectors import meeting_deciding, meeting_electorate
from proposals.models import Proposal, State
from proposals.services import proposal_lock, proposal_transition
from voting.chain import electorate_mac
from voting.keys import chain_key
from voting.selectors import tally_outcome
from voting.services import electorate_freeze, tally_changed_on_commit

logger = logging.getLogger("gongyi.lifecycle")


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
    return _open(proposal, by, opens_at=opens_at, closes_at=closes_at)


def _open(proposal: Proposal, by, *, opens_at: datetime, closes_at: datetime) -> Proposal:
    """Caller holds the proposal lock."""
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
    if proposal.on_meeting_ballot:
        raise ValidationError(_("This proposal is a matter of an owners' meeting: it closes with the meeting."))
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


# --- Owners' meetings: voting opens on every matter and election at once, and closes the same way -----------------


def _meeting_lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)


def meeting_open_voting(*, meeting: Meeting, by=None) -> Meeting:
    """Open the meeting's voting at the start of the window its notice gave: freeze its electorate (for the
    elections) and each matter's, lock each matter's cost plan, and start every election's log. Called by the
    scheduled job (meetings_open_due) at the notice's time; opening an open meeting changes nothing."""
    with transaction.atomic():
        meeting = _meeting_lock(meeting)
        if meeting.state != MeetingState.NOTICE:
            if meeting.state == MeetingState.DRAFT:
                raise ValidationError(_("Publish the meeting's notice before voting opens."))
            return meeting
        now = timezone.now()
        if now < meeting.voting_opens_at:
            raise ValidationError(_("Voting opens at the time the notice gave, not before."))
        if now >= meeting.voting_closes_at:
            raise ValidationError(_("This meeting's voting window has already ended."))
        frozen, heads, area = meeting_electorate(meeting)
        if not frozen:
            raise ValidationError(_("There are no households in this meeting's electorate."))
        MeetingElector.objects.bulk_create(
            (
                MeetingElector(
                    meeting=meeting,
                    household_id=e.household_id,
                    owner_id=e.owner_id,
                    label=e.label,
                    area=e.area,
                    head=e.head,
                )
                for e in frozen
            ),
            batch_size=2000,
        )
        meeting.electorate_households, meeting.electorate_heads, meeting.electorate_area = len(frozen), heads, area
        meeting.state = MeetingState.VOTING
        meeting.save(update_fields=["electorate_households", "electorate_heads", "electorate_area", "state"])
        electors = [(e.household_id, e.head, e.area) for e in frozen]
        for election in Election.objects.filter(item__meeting=meeting).select_for_update():
            election.ballot_hash = electorate_mac(
                key=chain_key(), proposal_id=election.pk, electors=electors, kind="election"
            )
            election.save(update_fields=["ballot_hash"])
        for item in meeting.items.filter(kind=AgendaItem.Kind.MATTER).order_by("position"):
            proposal = proposal_lock(item.proposal)
            _open(proposal, by, opens_at=meeting.voting_opens_at, closes_at=meeting.voting_closes_at)
    return meeting


def meetings_open_due(*, now: datetime | None = None) -> int:
    """Open every meeting whose window has begun by `now`, each in its own transaction; returns how many. Run every
    minute by lifecycle.tasks. A meeting that cannot open (its electorate empty) stays as it is and is logged."""
    now = now or timezone.now()
    opened = 0
    for meeting in Meeting.objects.filter(
        state=MeetingState.NOTICE, voting_opens_at__lte=now, voting_closes_at__gt=now
    ):
        try:
            meeting_open_voting(meeting=meeting)
            opened += 1
        except ValidationError as error:
            logger.warning("meeting %s did not open: %s", meeting.pk, error.messages)
    return opened


def meeting_close(*, meeting: Meeting, by=None) -> Meeting:
    """Close the meeting at the end of its window: every matter closes with its final tally (bills for a passed
    matter with a cost plan, as for any proposal); the elections' results are read from their ballots, which no
    longer change. Called by the scheduled job (meetings_close_due); closing a closed meeting changes nothing."""
    with transaction.atomic():
        meeting = _meeting_lock(meeting)
        if meeting.state == MeetingState.CLOSED:
            return meeting
        if meeting.state != MeetingState.VOTING or timezone.now() < meeting.voting_closes_at:
            raise ValidationError(_("A meeting closes at the end of its voting window."))
        for item in meeting.items.filter(kind=AgendaItem.Kind.MATTER).order_by("position"):
            proposal = proposal_lock(item.proposal)
            if proposal.state == State.VOTING:
                _close(proposal, by, note="closed with its meeting")
        meeting.state = MeetingState.CLOSED
        meeting.save(update_fields=["state"])
        meeting_changed_on_commit(meeting.pk)
    return meeting


def meetings_close_due(*, now: datetime | None = None) -> int:
    """Close every meeting whose window had ended by `now`; returns how many. Run every minute by lifecycle.tasks."""
    due = Meeting.objects.filter(state=MeetingState.VOTING, voting_closes_at__lte=now or timezone.now())
    return sum(meeting_close(meeting=meeting).state == MeetingState.CLOSED for meeting in due.order_by("pk"))
