"""Reads shared by the meeting pages: a meeting's agenda in order with everything the notice prints, in a fixed
number of queries however long the agenda is."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Household, HouseholdBinding
from community.selectors import DEVELOPER_HEAD
from meetings.models import AgendaItem, Candidate, Election, ElectionBallot, Meeting, MeetingElector, MeetingState
from proposals.models import Proposal, State
from voting import engine
from voting.models import Ballot
from voting.rules import Seat, cast_refusal
from voting.services import FrozenElector, electorate_for


@dataclass(frozen=True)
class Row:
    """One agenda item as the notice prints it: a matter (its proposal and rule) or an election."""

    number: int
    item: AgendaItem
    rule_label: str
    rule_text: str

    @property
    def election(self):
        return self.item.election if self.item.kind == AgendaItem.Kind.ELECTION else None


def agenda_rows(meeting: Meeting) -> list[Row]:
    """The agenda in order: two queries for the items (with proposal and election) and their candidates."""
    items = meeting.items.select_related("proposal", "election").prefetch_related(
        Prefetch(
            "election__candidates",
            queryset=Candidate.objects.select_related("household__entrance__building").order_by("position"),
        )
    )
    rows = []
    for number, item in enumerate(items, start=1):
        code = item.proposal.rule if item.proposal_id else item.election.rule
        rule = engine.RULES[code]
        rows.append(Row(number=number, item=item, rule_label=_(rule.label), rule_text=_(rule.description)))
    return rows


def proposals_for_agenda(meeting: Meeting) -> list[Proposal]:
    """The community's proposals that can still become matters: being prepared and on no meeting's agenda."""
    return list(
        Proposal.objects.of(meeting.community)
        .filter(state__in=(State.DRAFT, State.CONSULTATION))
        .exclude(pk__in=AgendaItem.objects.filter(proposal__isnull=False).values("proposal"))
        .order_by("-number")
    )


def meeting_deciding(proposal: Proposal) -> Meeting | None:
    """The meeting whose published notice lists `proposal` as a matter: the meeting decides it, so it is not put to
    a vote of its own. None while it is on no agenda, or only on a draft's. One query."""
    item = (
        AgendaItem.objects.filter(proposal=proposal)
        .exclude(meeting__state=MeetingState.DRAFT)
        .select_related("meeting")
        .first()
    )
    return item.meeting if item else None


def meeting_households(meeting: Meeting):
    """The households of the meeting's electorate, from the live roster: the building's, or the community's."""
    households = Household.objects.of(meeting.community)
    return households.filter(entrance__building=meeting.building_id) if meeting.building_id else households


def meeting_electorate(meeting: Meeting) -> tuple[list[FrozenElector], int, Decimal]:
    """The meeting's electorate as voting opens freezes it (MeetingElector), with its heads and area: its households'
    owners, or for a representatives' meeting their active representatives (one head each, area 0)."""
    return electorate_for(meeting_households(meeting), meeting.electorate)


def meeting_status(meeting: Meeting, now=None) -> str:
    """not_open, not_yet, open or ended, as Proposal.voting_status: the window is [opens, closes)."""
    if meeting.state != MeetingState.VOTING:
        return Proposal.NOT_OPEN
    now = now or timezone.now()
    if now < meeting.voting_opens_at:
        return Proposal.NOT_YET
    if now >= meeting.voting_closes_at:
        return Proposal.ENDED
    return Proposal.OPEN


def meeting_before_close(meeting: Meeting, now=None) -> bool:
    """Whether the meeting is before its close at `now` (Meeting.objects.before_close): while texts about it may go
    out. One query."""
    return Meeting.objects.filter(pk=meeting.pk).before_close(now or timezone.now()).exists()


_WINDOW_REFUSALS = {
    Proposal.NOT_OPEN: lambda: _("This meeting is not open for voting."),
    Proposal.NOT_YET: lambda: _("Voting on this meeting has not started yet."),
    Proposal.ENDED: lambda: _("Voting on this meeting has ended."),
}


def meeting_window_refusal(meeting: Meeting, now=None) -> str:
    """Why a ballot at `now` would be refused by the meeting's window, or "" while it is open."""
    refusal = _WINDOW_REFUSALS.get(meeting_status(meeting, now))
    return refusal() if refusal else ""


def election_outcome(election: Election) -> engine.Election:
    """The election decided by the pure engine from its ballots, voter by voter (engine.elect): an invalid ballot is
    given as approving every candidate, which is more than the seats. Three queries."""
    meeting_id = election.item.meeting_id
    voters = [
        engine.Voter(key=str(household_id), area=area, owner=head)
        for household_id, area, head in MeetingElector.objects.filter(meeting_id=meeting_id).values_list(
            "household_id", "area", "head"
        )
    ]
    candidates = [str(pk) for pk in election.candidates.order_by("position").values_list("pk", flat=True)]
    approvals: dict[str, set[str]] = {}
    for household_id, invalid, candidate_id in ElectionBallot.objects.filter(election=election).values_list(
        "household_id", "invalid", "approvals__candidate_id"
    ):
        chosen = approvals.setdefault(str(household_id), set())
        if invalid:
            chosen.update(candidates)
        elif candidate_id is not None:
            chosen.add(str(candidate_id))
    return engine.elect(engine.RULES[election.rule], voters, approvals, candidates, election.seats)


@dataclass(frozen=True)
class HouseholdBallot:
    """What a household's whole ballot holds now: a choice per matter (proposal id) and, per election, the
    candidate ids it agrees with (None: no ballot) and whether it is invalid; `receipt` its latest receipt."""

    matters: dict[int, str]
    elections: dict[int, frozenset[int] | None]
    invalid: frozenset[int]
    receipt: str


def household_ballot(meeting: Meeting, household_id: int) -> HouseholdBallot:
    """The household's whole ballot as recorded, for its ballot page and receipt. Two queries."""
    matters, receipts = {}, []
    for proposal_id, choice, receipt in Ballot.objects.filter(
        household_id=household_id, proposal_id__in=meeting.items.filter(proposal__isnull=False).values("proposal")
    ).values_list("proposal_id", "choice", "receipt"):
        matters[proposal_id] = choice
        receipts.append(receipt)
    invalid = set()
    chosen: dict[int, set[int]] = {}
    for election_id, is_invalid, candidate_id, receipt in ElectionBallot.objects.filter(
        household_id=household_id, election__item__meeting=meeting
    ).values_list("election_id", "invalid", "approvals__candidate_id", "receipt"):
        chosen.setdefault(election_id, set())
        if candidate_id is not None:
            chosen[election_id].add(candidate_id)
        if is_invalid:
            invalid.add(election_id)
        receipts.append(receipt)
    elections = {election_id: frozenset(ids) for election_id, ids in chosen.items()}
    return HouseholdBallot(matters, elections, frozenset(invalid), receipts[0] if receipts else "")


@dataclass
class MySeat:
    """One household the user votes for in the meeting (as voting.selectors.MyHousehold for a proposal): its frozen
    elector, why this account may not cast its ballot (`refusal`, voting.rules.cast_refusal), the owner's other
    flats one ballot also covers, and its ballot now (only when this account casts it)."""

    household: Household
    elector: MeetingElector | None = None
    refusal: str = ""
    same_head: list[Household] = field(default_factory=list)
    ballot: HouseholdBallot | None = None


def my_meeting_seats(meeting: Meeting, user) -> list[MySeat]:
    """The user's households in the meeting's community (and the developer's flats for the account designated for
    them), each with its seat in the meeting's electorate. A few queries, whatever the size of the community."""
    if not user.is_authenticated:
        return []
    households = list(Household.objects.bound_to(user, meeting.community_id))
    designated = meeting.community.developer_voter_id == user.pk
    wanted = Q(household_id__in=[h.pk for h in households])
    if designated:
        wanted |= Q(head=DEVELOPER_HEAD)
    electors = {e.household_id: e for e in MeetingElector.objects.filter(wanted, meeting=meeting)}
    bound = {h.pk for h in households}
    extra = [e.household_id for e in electors.values() if e.household_id not in bound]
    households += list(Household.objects.filter(pk__in=extra).select_related("entrance__building").in_order())
    heads = {e.head for e in electors.values()}
    flats: dict[str, list[MeetingElector]] = {}
    for each in (
        MeetingElector.objects.filter(meeting=meeting, head__in=heads)
        .select_related("household__entrance__building")
        .order_by(
            "household__entrance__building__sort_key", "household__entrance__sort_key", "household__room_sort_key"
        )
    ):
        flats.setdefault(each.head, []).append(each)
    relations = dict(
        HouseholdBinding.objects.filter(
            user=user, household_id__in=[e.household_id for group in flats.values() for e in group]
        ).values_list("household_id", "relation")
    )
    seats = []
    for household in households:
        item = MySeat(household=household, elector=electors.get(household.pk))
        if item.elector is not None:
            group = flats[item.elector.head]
            seat = Seat(
                user_id=user.pk,
                household_id=household.pk,
                head=item.elector.head,
                flats=len(group),
                relation=relations.get(household.pk, ""),
                owns_head=any(relations.get(e.household_id) == HouseholdBinding.Relation.OWNER for e in group),
                designated=designated,
            )
            item.refusal = cast_refusal(seat)
            if not item.refusal:
                item.same_head = [e.household for e in group if e.household_id != household.pk]
                item.ballot = household_ballot(meeting, household.pk)
        seats.append(item)
    return seats
