"""Every write of the voting app: freezing the electorate and casting ballots, with the audit chain."""

import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import JOIN_CODE_ALPHABET, Household
from community.selectors import head_key
from proposals.models import Proposal, State
from proposals.selectors import scope_households
from voting import live
from voting.chain import event_hash
from voting.models import Ballot, BallotEvent, Channel, Choice, Elector

logger = logging.getLogger("gongyi.voting")


class VotingError(ValidationError):
    """A ballot that cannot be recorded; the message says why, in the user's language."""


def electorate_freeze(*, proposal: Proposal) -> None:
    """Snapshot the households in scope with their area and head. Caller holds the proposal lock; saves totals."""
    rows = scope_households(proposal).values_list(
        "id", "owner_id", "developer_held", "area", "entrance__building__name", "entrance__name", "room"
    )
    electors, heads, area = [], set(), 0
    for household_id, owner_id, developer_held, household_area, building, entrance, room in rows.iterator(
        chunk_size=5000
    ):
        head = head_key(owner_id=owner_id, developer_held=developer_held)
        heads.add(head)
        area += household_area
        electors.append(
            Elector(
                proposal=proposal,
                household_id=household_id,
                owner_id=owner_id,
                label=f"{building}-{entrance}-{room}",
                area=household_area,
                head=head,
            )
        )
    Elector.objects.bulk_create(electors, batch_size=2000)
    proposal.electorate_households = len(electors)
    proposal.electorate_heads = len(heads)
    proposal.electorate_area = area


def new_receipt() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


def _check_open(proposal: Proposal) -> None:
    now = timezone.now()
    if proposal.state != State.VOTING:
        raise VotingError(_("Voting on this proposal is not open."))
    if proposal.voting_opens_at and now < proposal.voting_opens_at:
        raise VotingError(_("Voting on this proposal has not opened yet."))
    if proposal.voting_closes_at and now >= proposal.voting_closes_at:
        raise VotingError(_("Voting on this proposal has closed."))


def ballot_cast(
    *,
    proposal: Proposal,
    household: Household,
    choice: str,
    channel: str,
    by,
    proxy_name: str = "",
    evidence=None,
) -> list[Ballot]:
    """Record `household`'s choice — and the same choice for every household of its head in the electorate.

    Caller has checked that `by` may vote for the household (online) or record paper/proxy ballots. Takes the
    proposal row lock; the unique (proposal, household) constraint is the second guard.
    """
    from proposals.services import proposal_close_if_due

    if choice not in Choice.values:
        raise VotingError(_("Choose agree, disagree or abstain."))
    if channel not in Channel.values:
        raise VotingError(_("Unknown voting channel."))
    if channel == Channel.PROXY and not proxy_name.strip():
        raise VotingError(_("A proxy ballot needs the proxy's name."))
    if channel in (Channel.PAPER, Channel.PROXY) and not evidence:
        raise VotingError(_("Attach a photo or scan of the signed ballot or the authorisation letter."))

    proposal = proposal_close_if_due(proposal=proposal)
    try:
        with transaction.atomic():
            locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
            _check_open(locked)
            electors = _head_electors(locked, household)
            if not electors:
                raise VotingError(_("This household is not in the scope of this proposal."))
            ballots = _write(locked, electors, choice, channel, by, proxy_name.strip(), evidence)
            tally_changed_on_commit(locked.pk)
    except IntegrityError:
        # Only reachable where the row lock is not enforced (SQLite): another request recorded it first.
        raise VotingError(_("This ballot was being recorded at the same moment; please reload and check.")) from None
    return ballots


def _head_electors(proposal: Proposal, household: Household) -> list[Elector]:
    """The electors of the household's head (all of its owner's flats), each with its ballot if any; [] when the
    household is not in the electorate. ONE query: the proposal lock is held from here to the commit, so every
    round trip saved here is time other voters of the proposal do not wait (bench/bench_vote.py). Caller holds
    the proposal lock (the ballots are read under it)."""
    head = Elector.objects.filter(proposal=proposal, household=household).values("head")[:1]
    return list(
        Elector.objects.filter(proposal=proposal, head=Subquery(head)).select_related("ballot").order_by("household_id")
    )


@dataclass(frozen=True)
class HeadChoice:
    """One head's choice, for all of its flats in the electorate (electors ordered by household id)."""

    electors: list[Elector]
    choice: str
    channel: str
    proxy_name: str = ""


def _extend_chain(proposal: Proposal, heads: list[HeadChoice], existing: dict[int, Ballot], by):
    """Set each flat's ballot (new or `existing`, by household id) and append one hash-chained log entry per flat.

    One receipt per head. Returns (ballots, events) in order, unsaved, and advances proposal.ballot_seq and
    ballot_hash (unsaved). The one place the chain grows: single ballots and paper sheets both come through here.
    Caller holds the proposal lock and saves everything.
    """
    now = timezone.now()
    seq, prev_hash = proposal.ballot_seq, proposal.ballot_hash
    ballots, events = [], []
    for head in heads:
        receipt = new_receipt()
        for each in head.electors:
            ballot = existing.get(each.household_id)
            old_choice = ballot.choice if ballot else ""
            seq += 1
            digest = event_hash(
                proposal_id=proposal.pk,
                seq=seq,
                household_id=each.household_id,
                old_choice=old_choice,
                new_choice=head.choice,
                channel=head.channel,
                by_id=by.pk,
                proxy_name=head.proxy_name,
                at=now,
                prev_hash=prev_hash,
            )
            events.append(
                BallotEvent(
                    proposal=proposal,
                    seq=seq,
                    household_id=each.household_id,
                    old_choice=old_choice,
                    new_choice=head.choice,
                    channel=head.channel,
                    by=by,
                    proxy_name=head.proxy_name,
                    at=now,
                    prev_hash=prev_hash,
                    hash=digest,
                )
            )
            prev_hash = digest
            if ballot is None:
                ballot = Ballot(
                    proposal=proposal,
                    household_id=each.household_id,
                    elector=each,
                    head=each.head,
                    shared_head=len(head.electors) > 1,
                    area=each.area,
                )
            ballot.choice, ballot.channel, ballot.recorded_by = head.choice, head.channel, by
            ballot.proxy_name, ballot.receipt, ballot.seq, ballot.cast_at = head.proxy_name, receipt, seq, now
            ballots.append(ballot)
    proposal.ballot_seq, proposal.ballot_hash = seq, prev_hash
    return ballots, events


def _write(proposal: Proposal, electors: list[Elector], choice, channel, by, proxy_name, evidence) -> list[Ballot]:
    """Caller holds the proposal lock; `electors` come from _head_electors."""
    existing = {each.household_id: each.ballot for each in electors if hasattr(each, "ballot")}
    ballots, events = _extend_chain(proposal, [HeadChoice(electors, choice, channel, proxy_name)], existing, by)
    for ballot in ballots:
        if evidence:
            # The file is stored once (by the first save); the owner's other flats point at the same copy.
            ballot.evidence = ballots[0].evidence.name if ballot is not ballots[0] else evidence
        ballot.save()
    BallotEvent.objects.bulk_create(events)
    proposal.save(update_fields=["ballot_seq", "ballot_hash"])
    return ballots


def tally_changed_on_commit(proposal_id: int) -> None:
    """After the transaction commits, tell every watcher's server that the tally changed."""
    transaction.on_commit(lambda: live.tally_changed(proposal_id))
