"""Every write of the voting app: freezing the electorate and casting ballots, with the audit chain."""

import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import JOIN_CODE_ALPHABET, Household
from community.selectors import head_key
from config.precompiled import Precompiled
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


# What casting a ballot reads of the locked proposal (not its text: the lock is on the hot path).
LOCKED_FIELDS = ("state", "voting_opens_at", "voting_closes_at", "ballot_seq", "ballot_hash")


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
    from lifecycle.services import proposal_close_if_due

    if choice not in Choice.values:
        raise VotingError(_("Choose agree, disagree or abstain."))
    if channel not in Channel.values:
        raise VotingError(_("Unknown voting channel."))
    if channel == Channel.PROXY and not proxy_name.strip():
        raise VotingError(_("A proxy ballot needs the proxy's name."))
    if channel in (Channel.PAPER, Channel.PROXY) and not evidence:
        raise VotingError(_("Attach a photo or scan of the signed ballot or the authorisation letter."))

    proposal = proposal_close_if_due(proposal=proposal)
    if channel == Channel.ONLINE and _one_statement():
        return _cast_online_in_one_statement(proposal, household, choice, by)
    # The electorate is frozen when voting opens and never changes after: read before taking the lock.
    electors = _HEAD_ELECTORS.objects(proposal.pk, household.pk)
    try:
        with transaction.atomic():
            # The lock, then the head's ballots read under it: one round trip on PostgreSQL.
            head = electors[0].head if electors else ""
            (locked,), theirs = _LOCKED.objects_with((proposal.pk,), (_HEAD_BALLOTS, (proposal.pk, head)))
            _check_open(locked)
            if not electors:
                raise VotingError(_("This household is not in the scope of this proposal."))
            existing = {ballot.household_id: ballot for ballot in theirs}
            ballots = _write(locked, electors, existing, choice, channel, by, proxy_name.strip(), evidence)
            tally_changed_on_commit(locked.pk)
    except IntegrityError:
        # Only reachable where the row lock is not enforced (SQLite): another request recorded it first.
        raise VotingError(_("This ballot was being recorded at the same moment; please reload and check.")) from None
    return ballots


# The queries of casting a ballot, compiled once per process: the ORM building and compiling them was most of a
# vote's time (bench/bench_vote.py); the lock is held from _LOCKED to the commit, so what runs there stays small.
_LOCKED = Precompiled(
    lambda pk: Proposal.objects.select_for_update().only(*LOCKED_FIELDS).filter(pk=pk).order_by(), arguments=1
)
# The electors of the household's head (all of its owner's flats in the electorate), by household id.
_HEAD_ELECTORS = Precompiled(
    lambda proposal_id, household_id: Elector.objects.filter(
        proposal_id=proposal_id,
        head=Subquery(Elector.objects.filter(proposal_id=proposal_id, household_id=household_id).values("head")[:1]),
    ).order_by("household_id"),
    arguments=2,
)
# Their ballots; read under the lock.
_HEAD_BALLOTS = Precompiled(
    lambda proposal_id, head: Ballot.objects.filter(proposal_id=proposal_id, head=head), arguments=2
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


def _write(proposal: Proposal, electors, existing, choice, channel, by, proxy_name, evidence) -> list[Ballot]:
    """Caller holds the proposal lock; `electors` are the head's, `existing` their ballots by household id."""
    ballots, events = _extend_chain(proposal, [HeadChoice(electors, choice, channel, proxy_name)], existing, by)
    for ballot in ballots:
        if evidence:
            # The file is stored once (by the first save); the owner's other flats point at the same copy.
            ballot.evidence = ballots[0].evidence.name if ballot is not ballots[0] else evidence
        ballot.save()
    BallotEvent.objects.bulk_create(events)
    proposal.save(update_fields=["ballot_seq", "ballot_hash"])
    return ballots


def _one_statement() -> bool:
    return connection.vendor == "postgresql"


# Why a ballot could not be recorded, by the status gongyi_cast_online() returns.
_REFUSALS = {
    "not_open": lambda: _("Voting on this proposal is not open."),
    "not_yet": lambda: _("Voting on this proposal has not opened yet."),
    "closed": lambda: _("Voting on this proposal has closed."),
    "out_of_scope": lambda: _("This household is not in the scope of this proposal."),
}


def _cast_online_in_one_statement(proposal: Proposal, household: Household, choice: str, by) -> list[Ballot]:
    """PostgreSQL, online ballots: the whole ballot — lock, window, the head's flats, log entries, ballots, chain
    head — in ONE statement, gongyi_cast_online() (voting/cast.sql, migration voting/0003), so the proposal lock is
    held for no round trip at all (bench/bench_vote.py). The same steps and the same hash as ballot_cast's Python
    path (SQLite, paper and proxy ballots); tests compare both and verify_ballots recomputes the chain in Python."""
    receipt, now = new_receipt(), timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, ballot_id, ballot_household, ballot_seq FROM gongyi_cast_online(%s, %s, %s, %s, %s, %s)",
            [proposal.pk, household.pk, choice, by.pk, receipt, now],
        )
        rows = cursor.fetchall()
    if rows[0][0] != "ok":
        raise VotingError(_REFUSALS[rows[0][0]]())
    tally_changed_on_commit(proposal.pk)
    ballots = []
    for _status, ballot_id, household_id, seq in rows:
        known = {
            "id": ballot_id, "proposal_id": proposal.pk, "household_id": household_id, "choice": choice,
            "channel": Channel.ONLINE, "recorded_by_id": by.pk, "proxy_name": "", "receipt": receipt, "seq": seq,
            "cast_at": now,
        }  # fmt: skip
        names = [field.attname for field in Ballot._meta.concrete_fields if field.attname in known]
        # The fields not known here (area, head, …) are deferred: they load on access.
        ballots.append(Ballot.from_db(connection.alias, names, [known[name] for name in names]))
    return ballots


def tally_changed_on_commit(proposal_id: int) -> None:
    """After the transaction commits, tell every watcher's server that the tally changed."""
    transaction.on_commit(lambda: live.tally_changed(proposal_id))
