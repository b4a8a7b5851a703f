"""Every write of the voting app: freezing the electorate and casting ballots, with the audit chain."""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import JOIN_CODE_ALPHABET, Household, Representative
from community.selectors import head_key
from proposals.models import Electorate, Proposal
from proposals.selectors import scope_households
from voting import live
from voting.chain import electorate_mac, event_mac
from voting.keys import chain_key
from voting.models import Ballot, BallotEvent, Channel, Choice, Elector
from voting.selectors import window_refusal

logger = logging.getLogger("gongyi.voting")


class VotingError(ValidationError):
    """A ballot that cannot be recorded; the message says why, in the user's language."""


@dataclass(frozen=True)
class FrozenElector:
    """A household as an electorate freezes it: its owner's head, its area and its label."""

    household_id: int
    owner_id: int
    label: str
    area: Decimal
    head: str


def electorate_of(households) -> tuple[list[FrozenElector], int, Decimal]:
    """The households of a queryset as an electorate freezes them, with the number of heads and the total area."""
    rows = households.values_list(
        "id", "owner_id", "developer_held", "area", "entrance__building__name", "entrance__name", "room"
    )
    electors, heads, area = [], set(), Decimal(0)
    for household_id, owner_id, developer_held, household_area, building, entrance, room in rows.iterator(
        chunk_size=5000
    ):
        head = head_key(owner_id=owner_id, developer_held=developer_held)
        heads.add(head)
        area += household_area
        electors.append(FrozenElector(household_id, owner_id, f"{building}-{entrance}-{room}", household_area, head))
    return electors, len(heads), area


def representatives_of(households) -> tuple[list[FrozenElector], int, Decimal]:
    """The active residents' representatives of the flats in a household queryset, as an electorate freezes them:
    one representative, one head (`rep:<pk>`), area 0, so each is one vote; the ballot is their flat's."""
    rows = (
        Representative.objects.active()
        .filter(household__in=households)
        .order_by("pk")
        .values_list(
            "pk", "name", "household_id", "household__owner_id", "household__entrance__building__name",
            "household__entrance__name", "household__room",
        )
    )  # fmt: skip
    electors = [
        FrozenElector(household_id, owner_id, f"{building}-{entrance}-{room} {name}"[:60], Decimal(0), f"rep:{pk}")
        for pk, name, household_id, owner_id, building, entrance, room in rows
    ]
    return electors, len(electors), Decimal(0)


def electorate_for(households, electorate: str) -> tuple[list[FrozenElector], int, Decimal]:
    """Who votes among `households`: their owners (electorate_of) or their representatives (representatives_of)."""
    if electorate == Electorate.REPRESENTATIVES:
        return representatives_of(households)
    return electorate_of(households)


def electorate_freeze(*, proposal: Proposal) -> None:
    """Snapshot the households in scope with their area and head — or, for a matter of a representatives' meeting,
    the representatives of those households, one head each. Caller holds the proposal lock; saves totals."""
    frozen, heads, area = electorate_for(scope_households(proposal), proposal.electorate)
    electors = [
        Elector(
            proposal=proposal, household_id=e.household_id, owner_id=e.owner_id, label=e.label, area=e.area, head=e.head
        )
        for e in frozen
    ]
    Elector.objects.bulk_create(electors, batch_size=2000)
    # The chain starts from the electorate's MAC: an elector's area or head edited later breaks it.
    proposal.ballot_hash = electorate_mac(
        key=chain_key(), proposal_id=proposal.pk, electors=[(e.household_id, e.head, e.area) for e in electors]
    )
    proposal.electorate_households = len(electors)
    proposal.electorate_heads = heads
    proposal.electorate_area = area


def new_receipt() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


# What casting a ballot reads of the locked proposal (not its text: the lock is on the hot path).
LOCKED_FIELDS = ("state", "voting_opens_at", "voting_closes_at", "ballot_seq", "ballot_hash", "on_meeting_ballot")


def ballot_lock(proposal: Proposal, *, meeting_ballot: bool = False) -> tuple[Proposal, datetime]:
    """Lock the proposal row, THEN read the clock and refuse unless its voting window is open at that moment.

    Caller is inside transaction.atomic and passes both to ballots_write. A ballot that waited on the lock past the
    deadline is refused like one that came late. A matter of an owners' meeting takes ballots only from the
    meeting's whole ballot (meetings.ballots, which passes `meeting_ballot`).
    """
    locked = Proposal.objects.select_for_update().only(*LOCKED_FIELDS).get(pk=proposal.pk)
    now = timezone.now()
    if locked.on_meeting_ballot and not meeting_ballot:
        raise VotingError(_("This proposal is a matter of an owners' meeting: it is voted on the meeting's ballot."))
    refusal = window_refusal(locked, now)
    if refusal:
        raise VotingError(refusal)
    return locked, now


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
    proposal row lock; the unique (proposal, household) constraint is the second guard. Once the window has ended
    it only refuses: closing is the scheduled job's.
    """
    if choice not in Choice.values:
        raise VotingError(_("Choose agree, disagree or abstain."))
    channel_check(channel, proxy_name, evidence)
    # The electorate is frozen when voting opens and never changes after: read before taking the lock.
    electors = list(
        Elector.objects.filter(
            proposal_id=proposal.pk,
            head=Subquery(Elector.objects.filter(proposal_id=proposal.pk, household_id=household.pk).values("head")),
        ).order_by("household_id")
    )
    field = Ballot._meta.get_field("evidence")
    stored = ""
    try:
        with transaction.atomic():
            locked, now = ballot_lock(proposal)
            if not electors:
                raise VotingError(_("This household is not in the scope of this proposal."))
            if evidence:
                # Stored once; the owner's other flats name the same copy.
                stored = field.storage.save(field.generate_filename(None, evidence.name), evidence)
            head = HeadChoice(electors, choice, channel, proxy_name.strip())
            return ballots_write(proposal=locked, heads=[head], by=by, at=now, evidence=stored)
    except IntegrityError:
        # Only reachable where the row lock is not enforced (SQLite): another request recorded it first.
        discard_file(stored)
        raise VotingError(_("This ballot was being recorded at the same moment; please reload and check.")) from None
    except Exception:
        discard_file(stored)
        raise


def channel_check(channel: str, proxy_name: str, evidence) -> None:
    """A ballot's channel with what it needs: a proxy's name for a proxy ballot, the scan of the signed paper or
    letter for paper and proxy ballots (VotingError otherwise). For a proposal's ballot and a meeting's alike."""
    if channel not in Channel.values:
        raise VotingError(_("Unknown voting channel."))
    if channel == Channel.PROXY and not proxy_name.strip():
        raise VotingError(_("A proxy ballot needs the proxy's name."))
    if channel in (Channel.PAPER, Channel.PROXY) and not evidence:
        raise VotingError(_("Attach a photo or scan of the signed ballot or the authorisation letter."))


@dataclass(frozen=True)
class HeadChoice:
    """One head's choice, for all of its flats in the electorate (electors ordered by household id)."""

    electors: list[Elector]
    choice: str
    channel: str
    proxy_name: str = ""
    # A receipt chosen by the caller (a meeting's whole ballot, one receipt for all its parts): the head is written
    # under it even when its flats hold the choice already. "" draws a new one, and skips a head that holds it.
    receipt: str = ""


# IN lists stay under SQLite's classic limit of 999 variables; bulk writes are batched by Django per database.
_CHUNK = 900


def chunks(items: list) -> list[list]:
    return [items[start : start + _CHUNK] for start in range(0, len(items), _CHUNK)]


@dataclass(frozen=True)
class _FlatWrite:
    """One flat's new state, as one log entry: the choice ("" = no ballot) and what the ballot row carries."""

    elector: Elector
    ballot: Ballot | None  # the flat's ballot now, or None
    choice: str
    channel: str
    proxy_name: str
    receipt: str
    evidence: str
    recorded_by: object
    cast_at: datetime
    shared_head: bool
    undoes: int | None = None


def ballot_holds(ballot: Ballot | None, *, choice: str, channel: str, proxy_name: str = "") -> bool:
    """The ballot already records this choice, by this channel and proxy: writing it again changes nothing and keeps
    the receipt (ballots_write; the confirm page says so before the tap)."""
    return ballot is not None and (ballot.choice, ballot.channel, ballot.proxy_name) == (choice, channel, proxy_name)


def _unchanged(head: HeadChoice, current: list[Ballot | None], evidence: str) -> bool:
    """Every flat of the head already holds this choice, by this channel and proxy, and no new paper backs it: a
    second confirmation (the back button, a double tap) records nothing and keeps the receipt."""
    return not evidence and all(
        ballot_holds(ballot, choice=head.choice, channel=head.channel, proxy_name=head.proxy_name) for ballot in current
    )


def ballots_write(
    *,
    proposal: Proposal,
    heads: list[HeadChoice],
    by,
    at: datetime,
    evidence: str = "",
    restores: list["Restore"] | None = None,
    undoes: int | None = None,
) -> list[Ballot]:
    """THE ballot writer, for online, paper and proxy ballots, whole paper sheets and undos alike: set each flat's
    ballot, append one hash-chained log entry per flat (one receipt per head), move the chain head, and tell the
    watchers after the commit. Returns the ballots in order (heads as given, each head's flats by household id).

    A head whose flats hold its choice already (same channel and proxy, no new evidence) is left as it is: no log
    entry, the same ballots and receipt returned. `restores` (with `undoes`, the log entry they reverse) give flats
    back the state an earlier entry left (ballot_entry_undo); a flat restored to no ballot loses its ballot row, the
    log keeps both entries.

    Caller got `proposal` (the locked row) and `at` from ballot_lock in the same transaction; `evidence` is the
    name of a stored file, or "". A few bulk queries whatever the number of heads: one query per flat made a sheet
    of 3,000 households hold the proposal lock (and every online vote) for 20–35 s.
    """
    restores = restores or []
    elector_ids = [elector.pk for head in heads for elector in head.electors] + [r.elector.pk for r in restores]
    existing: dict[int, Ballot] = {}
    for chunk in chunks(elector_ids):
        existing.update((b.household_id, b) for b in Ballot.objects.filter(proposal=proposal, elector_id__in=chunk))
    ballots: list[Ballot] = []
    writes: list[_FlatWrite] = []
    for head in heads:
        current = [existing.get(each.household_id) for each in head.electors]
        if not head.receipt and _unchanged(head, current, evidence):
            ballots.extend(current)
            continue
        receipt = head.receipt or new_receipt()
        shared = len(head.electors) > 1
        for each, ballot in zip(head.electors, current, strict=True):
            writes.append(
                _FlatWrite(each, ballot, head.choice, head.channel, head.proxy_name, receipt, evidence, by, at, shared)
            )
    for restore in restores:
        before = restore.before
        writes.append(
            _FlatWrite(
                restore.elector,
                existing.get(restore.elector.household_id),
                before.new_choice if before else "",
                before.channel if before else restore.channel,
                before.proxy_name if before else "",
                before.receipt if before else "",
                before.evidence if before else "",
                before.by if before else by,
                before.at if before else at,
                restore.shared_head,
                undoes,
            )
        )
    if not writes:
        return ballots
    seq, prev_hash = proposal.ballot_seq, proposal.ballot_hash
    key = chain_key()
    events, withdrawn = [], []
    for write in writes:
        each, ballot = write.elector, write.ballot
        seq += 1
        fields = {
            "seq": seq,
            "household_id": each.household_id,
            "old_choice": ballot.choice if ballot else "",
            "new_choice": write.choice,
            "channel": write.channel,
            "proxy_name": write.proxy_name,
            "at": at,
            "prev_hash": prev_hash,
            "undoes": write.undoes,
        }
        digest = event_mac(key=key, proposal_id=proposal.pk, by_id=by.pk, **fields)
        events.append(
            BallotEvent(proposal=proposal, by=by, hash=digest, receipt=write.receipt, evidence=write.evidence, **fields)
        )
        prev_hash = digest
        if not write.choice:
            if ballot is not None:
                withdrawn.append(ballot)
            continue
        if ballot is None:
            ballot = Ballot(
                proposal=proposal,
                household_id=each.household_id,
                elector=each,
                head=each.head,
                shared_head=write.shared_head,
                area=each.area,
            )
        ballot.choice, ballot.channel, ballot.recorded_by = write.choice, write.channel, write.recorded_by
        ballot.proxy_name, ballot.receipt, ballot.seq, ballot.cast_at = (
            write.proxy_name,
            write.receipt,
            seq,
            write.cast_at,
        )
        ballot.evidence = write.evidence
        ballots.append(ballot)
    if withdrawn:
        Ballot.objects.filter(pk__in=[b.pk for b in withdrawn]).delete()
    Ballot.objects.bulk_create([b for b in ballots if b.pk is None], batch_size=2000)
    Ballot.objects.bulk_update(
        [b for b in ballots if b.pk is not None and b.seq > proposal.ballot_seq],
        ["choice", "channel", "recorded_by", "proxy_name", "receipt", "seq", "cast_at", "evidence"],
        batch_size=500,
    )
    BallotEvent.objects.bulk_create(events, batch_size=2000)
    proposal.ballot_seq, proposal.ballot_hash = seq, prev_hash
    proposal.save(update_fields=["ballot_seq", "ballot_hash"])
    tally_changed_on_commit(proposal.pk)
    return ballots


# --- Undoing a paper or proxy entry, for a few seconds after it --------------------------------------------------

# How long after entering a paper or proxy ballot its enterer may undo it (the page offers it for this long).
UNDO_SECONDS = 15


@dataclass(frozen=True)
class Restore:
    """A flat of an undone entry, and its log entry before that one (None: it had no ballot before)."""

    elector: Elector
    before: BallotEvent | None
    channel: str  # the undone entry's channel, for the log entry of a flat restored to no ballot
    shared_head: bool


def ballot_entry_undo(*, proposal: Proposal, seq: int, by) -> list[BallotEvent]:
    """Undo the paper or proxy entry that began at log entry `seq`: every flat it wrote gets back the state the log
    had before it, as new log entries through ballots_write (nothing is deleted from the log).

    Caller holds voting.record_paper. Refused (VotingError) unless `by` made the entry, it is at most UNDO_SECONDS
    old, and it is still the latest entry of each of its flats. Takes the proposal row lock. Returns the undone
    entries.
    """
    with transaction.atomic():
        locked, now = ballot_lock(proposal)
        first = BallotEvent.objects.filter(proposal_id=locked.pk, seq=seq).first()
        if first is None or first.undoes is not None or first.channel not in (Channel.PAPER, Channel.PROXY):
            raise VotingError(_("There is no such paper or proxy entry to undo."))
        if first.by_id != by.pk:
            raise VotingError(_("Only the person who entered a ballot can undo it."))
        if (now - first.at).total_seconds() > UNDO_SECONDS:
            raise VotingError(_("It is too late to undo this entry. Enter the household's ballot again to change it."))
        # One entry is the consecutive log entries of one head, written at one moment under one receipt.
        entry = list(
            BallotEvent.objects.filter(
                proposal_id=locked.pk, seq__gte=seq, at=first.at, by_id=by.pk, receipt=first.receipt, undoes=None
            ).order_by("seq")
        )
        households = [event.household_id for event in entry]
        latest = dict(
            BallotEvent.objects.filter(proposal_id=locked.pk, household_id__in=households)
            .order_by()
            .values("household_id")
            .annotate(last=Max("seq"))
            .values_list("household_id", "last")
        )
        if any(latest[event.household_id] != event.seq for event in entry):
            raise VotingError(_("This household's ballot has changed since this entry, so it was not undone."))
        before: dict[int, BallotEvent] = {}
        for event in BallotEvent.objects.filter(
            proposal_id=locked.pk, household_id__in=households, seq__lt=seq
        ).order_by("household_id", "seq"):
            before[event.household_id] = event  # the last one before the entry wins
        electors = {
            e.household_id: e for e in Elector.objects.filter(proposal_id=locked.pk, household_id__in=households)
        }
        shared = len(entry) > 1
        restores = [
            Restore(electors[event.household_id], before.get(event.household_id), event.channel, shared)
            for event in entry
        ]
        ballots_write(proposal=locked, heads=[], by=by, at=now, restores=restores, undoes=seq)
    return entry


def discard_file(name: str) -> None:
    """Remove a stored evidence file whose ballots were not written."""
    if name:
        Ballot._meta.get_field("evidence").storage.delete(name)


def tally_changed_on_commit(proposal_id: int) -> None:
    """After the transaction commits, tell every watcher's server that the tally changed."""
    transaction.on_commit(lambda: live.tally_changed(proposal_id))
