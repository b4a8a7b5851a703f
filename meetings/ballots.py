"""The meeting's whole ballot: one household's answers to every matter and every election, recorded at once, under
one receipt, in one transaction.

Each matter is its proposal's ballot, written by THE ballot writer (voting.services.ballots_write) into the
proposal's chain; each election's part is written below into the election's own chain (meetings.models
ElectionEvent). Like any ballot, the whole ballot is the same for every flat of one owner (head), and confirming the
same answers again records nothing and keeps the receipt.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import Household
from meetings import live
from meetings.models import (
    AgendaItem,
    Approval,
    BlankCountsAs,
    Candidate,
    Election,
    ElectionBallot,
    ElectionEvent,
    Meeting,
    MeetingElector,
)
from meetings.selectors import meeting_window_refusal
from voting.chain import approvals_text, election_event_mac
from voting.keys import chain_key
from voting.models import Ballot, Channel, Choice, Elector
from voting.services import (
    HeadChoice,
    VotingError,
    ballot_holds,
    ballot_lock,
    ballots_write,
    channel_check,
    discard_file,
    new_receipt,
)

# An election ballot as the log writes "no ballot" (approvals_text writes "" for a ballot agreeing with no one).
NO_BALLOT = "-"


@dataclass(frozen=True)
class Answers:
    """A household's answers: a choice per matter (by proposal id) and the candidates it agrees with per election
    (by election id). A matter or an election missing (or a matter answered "") was left blank: it counts as the
    meeting says (Meeting.blank_counts_as)."""

    matters: Mapping[int, str] = field(default_factory=dict)
    elections: Mapping[int, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Part:
    """One agenda item of the ballot, as it will be written: a matter's choice ("" = no ballot) or an election's
    approvals (None = no ballot), for the head's flats in that item's electorate."""

    item: AgendaItem
    electors: list
    choice: str = ""
    approvals: frozenset[int] | None = None
    invalid: bool = False


def _check(meeting: Meeting, items: list[AgendaItem], answers: Answers, channel: str, proxy_name: str, evidence):
    channel_check(channel, proxy_name, evidence)
    matters = {item.proposal_id for item in items if item.kind == AgendaItem.Kind.MATTER}
    elections = {item.election.pk: item.election for item in items if item.kind == AgendaItem.Kind.ELECTION}
    if set(answers.matters) - matters or set(answers.elections) - set(elections):
        raise VotingError(_("This ballot answers a question that is not on this meeting's agenda."))
    if any(choice not in ("", *Choice.values) for choice in answers.matters.values()):
        raise VotingError(_("Choose agree, disagree or abstain."))
    candidates: dict[int, set[int]] = {election_id: set() for election_id in elections}
    for election_id, candidate_id in Candidate.objects.filter(election_id__in=list(elections)).values_list(
        "election_id", "pk"
    ):
        candidates[election_id].add(candidate_id)
    for election_id, chosen in answers.elections.items():
        election = elections[election_id]
        if set(chosen) - candidates[election_id]:
            raise VotingError(_("This ballot names someone who is not a candidate of “%s”.") % election.title)
        if len(chosen) > election.seats and channel == Channel.ONLINE:
            # On paper it is recorded, as an invalid election ballot; the phone never sends it.
            raise VotingError(
                ngettext(
                    "Choose at most %(seats)d candidate in “%(title)s”.",
                    "Choose at most %(seats)d candidates in “%(title)s”.",
                    election.seats,
                )
                % {"seats": election.seats, "title": election.title}
            )


def _parts(meeting: Meeting, items: list[AgendaItem], answers: Answers, head: str) -> list[_Part]:
    """What each item of the agenda will hold for the head's flats (items whose electorate lacks them are left
    out: a matter for one building is not on another building's ballot)."""
    blank_takes_part = meeting.blank_counts_as == BlankCountsAs.ABSTENTION
    matter_ids = [item.proposal_id for item in items if item.kind == AgendaItem.Kind.MATTER]
    by_matter: dict[int, list[Elector]] = {}
    for elector in Elector.objects.filter(proposal_id__in=matter_ids, head=head).order_by(
        "proposal_id", "household_id"
    ):
        by_matter.setdefault(elector.proposal_id, []).append(elector)
    own = list(MeetingElector.objects.filter(meeting=meeting, head=head).order_by("household_id"))
    parts = []
    for item in items:
        if item.kind == AgendaItem.Kind.MATTER:
            if electors := by_matter.get(item.proposal_id):
                choice = answers.matters.get(item.proposal_id) or (Choice.ABSTAIN if blank_takes_part else "")
                parts.append(_Part(item, electors, choice=choice))
        elif own:
            chosen = answers.elections.get(item.election.pk)
            if chosen is None and blank_takes_part:
                chosen = frozenset()
            invalid = chosen is not None and len(chosen) > item.election.seats
            parts.append(_Part(item, own, approvals=None if chosen is None else frozenset(chosen), invalid=invalid))
    return parts


def _current(parts: list[_Part]) -> tuple[dict, dict]:
    """The head's ballots now: matter ballots by (proposal id, household id), election ballots by (election id,
    household id) with their approvals prefetched."""
    matters = [part for part in parts if part.item.kind == AgendaItem.Kind.MATTER]
    elections = [part for part in parts if part.item.kind == AgendaItem.Kind.ELECTION]
    # Two queries whatever the length of the agenda: the head's flats are the same few in every item.
    matter_ballots = {
        (ballot.proposal_id, ballot.household_id): ballot
        for ballot in Ballot.objects.filter(
            proposal_id__in=[part.item.proposal_id for part in matters],
            household_id__in={each.household_id for part in matters for each in part.electors},
        )
    }
    election_ballots = {
        (ballot.election_id, ballot.household_id): ballot
        for ballot in ElectionBallot.objects.filter(
            election_id__in=[part.item.election.pk for part in elections],
            household_id__in={each.household_id for part in elections for each in part.electors},
        ).prefetch_related("approvals")
    }
    return matter_ballots, election_ballots


def election_ballot_text(ballot: ElectionBallot | None) -> str:
    """An election ballot as its log writes it (its approvals prefetched)."""
    if ballot is None:
        return NO_BALLOT
    return approvals_text((a.candidate_id for a in ballot.approvals.all()), invalid=ballot.invalid)


def _part_holds(part: _Part, matter_ballots: dict, election_ballots: dict, channel: str, proxy_name: str) -> bool:
    if part.item.kind == AgendaItem.Kind.MATTER:
        current = [matter_ballots.get((part.item.proposal_id, each.household_id)) for each in part.electors]
        if not part.choice:
            return all(ballot is None for ballot in current)
        return all(ballot_holds(b, choice=part.choice, channel=channel, proxy_name=proxy_name) for b in current)
    wanted = NO_BALLOT if part.approvals is None else approvals_text(part.approvals, invalid=part.invalid)
    for each in part.electors:
        ballot = election_ballots.get((part.item.election.pk, each.household_id))
        if election_ballot_text(ballot) != wanted:
            return False
        if ballot is not None and (ballot.channel, ballot.proxy_name) != (channel, proxy_name):
            return False
    return True


def meeting_ballot_cast(
    *,
    meeting: Meeting,
    household: Household,
    answers: Answers,
    channel: str,
    by,
    proxy_name: str = "",
    evidence=None,
) -> str:
    """Record `household`'s whole ballot — and the same for every flat of its owner in the meeting — and return its
    receipt. Refused (VotingError, nothing written) outside the voting window, for a household outside the meeting's
    electorate, for answers to questions not on the agenda, and online for more candidates than seats.

    Caller has checked that `by` may vote for the household (online) or record paper/proxy ballots, and the evidence
    file's content. `evidence` is a file to store, or the storage name of one stored already (a batch's one scan,
    kept by the caller). Takes the meeting's row lock, then each matter's and election's, in agenda order.
    """
    proxy_name = proxy_name.strip()
    items = list(meeting.items.select_related("election").order_by("position"))
    _check(meeting, items, answers, channel, proxy_name, evidence)
    if refusal := meeting_window_refusal(meeting):
        raise VotingError(refusal)  # checked again under the lock: this one spares the reads below
    elector = MeetingElector.objects.filter(meeting=meeting, household=household).first()
    if elector is None:
        raise VotingError(_("This household is not in the electorate of this meeting."))
    parts = _parts(meeting, items, answers, elector.head)
    stored = evidence if isinstance(evidence, str) else ""
    saved = ""  # the file this call stored, removed again if nothing is recorded
    evidence_field = ElectionBallot._meta.get_field("evidence")
    try:
        with transaction.atomic():
            locked_meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
            refusal = meeting_window_refusal(locked_meeting, timezone.now())
            if refusal:
                raise VotingError(refusal)
            locked = {}
            for part in parts:  # agenda order: every writer takes these locks in the same order
                if part.item.kind == AgendaItem.Kind.MATTER:
                    locked[part.item.pk], _now = ballot_lock(part.item.proposal, meeting_ballot=True)
                else:
                    locked[part.item.pk] = Election.objects.select_for_update().get(pk=part.item.election.pk)
            now = timezone.now()
            matter_ballots, election_ballots = _current(parts)
            if not evidence and all(
                _part_holds(part, matter_ballots, election_ballots, channel, proxy_name) for part in parts
            ):
                receipts = [b.receipt for b in (*matter_ballots.values(), *election_ballots.values())]
                if not receipts:
                    raise VotingError(_("This ballot is empty: answer at least one question."))
                return receipts[0]
            if all(part.choice == "" and part.approvals is None for part in parts) and not (
                matter_ballots or election_ballots
            ):
                raise VotingError(_("This ballot is empty: answer at least one question."))
            receipt = new_receipt()
            if evidence and not stored:
                stored = saved = evidence_field.storage.save(
                    evidence_field.generate_filename(None, evidence.name), evidence
                )
            for part in parts:
                if part.item.kind == AgendaItem.Kind.MATTER:
                    _matter_write(
                        part, locked[part.item.pk], matter_ballots, channel, proxy_name, by, now, receipt, stored
                    )
                else:
                    election_write(
                        election=locked[part.item.pk],
                        electors=part.electors,
                        approvals=part.approvals,
                        invalid=part.invalid,
                        current=election_ballots,
                        channel=channel,
                        proxy_name=proxy_name,
                        by=by,
                        at=now,
                        receipt=receipt,
                        evidence=stored,
                    )
            meeting_changed_on_commit(meeting.pk)
            return receipt
    except IntegrityError:
        # Only reachable where the row lock is not enforced (SQLite): another request recorded it first.
        discard_file(saved)
        raise VotingError(_("This ballot was being recorded at the same moment; please reload and check.")) from None
    except Exception:
        discard_file(saved)
        raise


def _matter_write(part: _Part, proposal, current: dict, channel, proxy_name, by, at, receipt, evidence) -> None:
    if not part.choice and all((proposal.pk, e.household_id) not in current for e in part.electors):
        return  # blank, not taking part, and no ballot to withdraw
    head = HeadChoice(part.electors, part.choice, channel, proxy_name, receipt=receipt)
    ballots_write(proposal=proposal, heads=[head], by=by, at=at, evidence=evidence)


def election_write(
    *,
    election: Election,
    electors: list[MeetingElector],
    approvals: frozenset[int] | None,
    invalid: bool,
    current: dict,
    channel: str,
    proxy_name: str,
    by,
    at: datetime,
    receipt: str,
    evidence: str,
) -> None:
    """Set one head's election ballot on each of its flats (None: no ballot), one hash-chained log entry per flat,
    and move the election's chain head. Caller holds the election's row lock; `current` maps (election id,
    household id) to the flats' ballots now, approvals prefetched."""
    key = chain_key()
    seq, prev_hash = election.ballot_seq, election.ballot_hash
    new = NO_BALLOT if approvals is None else approvals_text(approvals, invalid=invalid)
    shared = len(electors) > 1
    events, saved, dropped = [], [], []
    for each in electors:
        ballot = current.get((election.pk, each.household_id))
        seq += 1
        fields = {
            "seq": seq,
            "household_id": each.household_id,
            "old": election_ballot_text(ballot),
            "new": new,
            "channel": channel,
            "proxy_name": proxy_name,
            "at": at,
            "prev_hash": prev_hash,
        }
        digest = election_event_mac(key=key, election_id=election.pk, by_id=by.pk, **fields)
        events.append(
            ElectionEvent(election=election, by=by, hash=digest, receipt=receipt, evidence=evidence, **fields)
        )
        prev_hash = digest
        if approvals is None:
            if ballot is not None:
                dropped.append(ballot.pk)
            continue
        if ballot is None:
            ballot = ElectionBallot(
                election=election, household_id=each.household_id, elector=each, head=each.head, area=each.area
            )
        ballot.shared_head, ballot.invalid, ballot.channel, ballot.recorded_by = shared, invalid, channel, by
        ballot.proxy_name, ballot.evidence, ballot.receipt, ballot.seq, ballot.cast_at = (
            proxy_name,
            evidence,
            receipt,
            seq,
            at,
        )
        ballot.save()
        saved.append(ballot)
    if dropped:
        ElectionBallot.objects.filter(pk__in=dropped).delete()
    Approval.objects.filter(ballot__in=saved).delete()
    if not invalid and approvals:
        Approval.objects.bulk_create(
            Approval(ballot=ballot, candidate_id=candidate, head=ballot.head, shared_head=shared, area=ballot.area)
            for ballot in saved
            for candidate in sorted(approvals)
        )
    ElectionEvent.objects.bulk_create(events)
    election.ballot_seq, election.ballot_hash = seq, prev_hash
    election.save(update_fields=["ballot_seq", "ballot_hash"])


def meeting_changed_on_commit(meeting_id: int) -> None:
    """After the transaction commits, tell the meeting's watchers that its tally changed (meetings.live)."""
    transaction.on_commit(lambda: live.meeting_changed(meeting_id))
