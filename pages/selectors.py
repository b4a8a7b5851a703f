"""Reads that compose several apps for the pages: which proposals a household's home page lists, and the
committee's dashboard of a community."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value

from community.models import Community, Entrance, Household, HouseholdBinding
from consult.models import Assignment, Visit
from consult.selectors import CANVASS_STATES, canvass_households
from costs.models import Bill, BillStatus, Share
from proposals.models import Proposal, Scope, State
from voting.models import Ballot, Elector


def proposals_for_households(household_ids) -> list[Proposal]:
    """Open proposals (consultation or voting) whose electorate or scope includes one of these households."""
    households = Household.objects.filter(pk__in=household_ids).select_related("entrance__building")
    entrance_ids = {h.entrance_id for h in households}
    building_ids = {h.entrance.building_id for h in households}
    community_ids = {h.entrance.building.community_id for h in households}
    in_consultation = Q(state=State.CONSULTATION, community_id__in=community_ids) & (
        Q(scope=Scope.COMMUNITY)
        | Q(scope=Scope.BUILDINGS, scope_buildings__in=building_ids)
        | Q(scope=Scope.ENTRANCES, scope_entrances__in=entrance_ids)
        | Q(scope=Scope.HOUSEHOLDS, scope_households__in=household_ids)
    )
    in_vote = Q(state__in=[State.VOTING, State.CLOSED, State.PUBLISHED]) & Q(
        pk__in=Elector.objects.filter(household_id__in=household_ids).values("proposal_id")
    )
    return list(
        Proposal.objects.filter(in_consultation | in_vote).select_related("community").distinct().order_by("-pk")
    )


# --- Participation so far, for lists of proposals ---------------------------------------------------------------


def with_participation(proposals):
    """Households, heads and area that have voted so far, as subqueries: a list costs one query at any size."""
    ballots = Ballot.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal")
    return proposals.annotate(
        voted_households=Subquery(ballots.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        voted_heads=Subquery(ballots.annotate(n=Count("head", distinct=True)).values("n"), output_field=IntegerField()),
        voted_area=Subquery(
            ballots.annotate(a=Sum("area")).values("a"), output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
    )


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def participation(proposal: Proposal) -> dict:
    """Voted households of the electorate, and the heads' and area's shares in percent, of a proposal read
    through with_participation."""
    return {
        "households": proposal.voted_households or 0,
        "electorate": proposal.electorate_households,
        "heads_percent": percent(proposal.voted_heads, proposal.electorate_heads),
        "area_percent": percent(proposal.voted_area, proposal.electorate_area),
    }


# --- The committee's dashboard ---------------------------------------------------------------------------------

# The order the dashboard lists the states in: what needs the committee now first.
DASHBOARD_STATES = (State.VOTING, State.CONSULTATION, State.DRAFT, State.CLOSED)
# Listed by count only, with a link to the proposal list.
DASHBOARD_DONE_STATES = (State.PUBLISHED, State.WITHDRAWN)
# How many entrances without a canvasser a row names before it just counts them.
UNASSIGNED_NAMES_SHOWN = 12


@dataclass
class Coverage:
    """Canvassing of one proposal: households in its canvassing scope, those in an entrance with a canvasser
    assigned, those reached (someone met at the door at least once), and the entrances nobody is assigned to."""

    households: int = 0
    assigned: int = 0
    reached: int = 0
    unassigned: list[str] = field(default_factory=list)

    @property
    def reached_percent(self) -> Decimal | None:
        return percent(self.reached, self.assigned)


def canvass_coverage(proposals: list[Proposal]) -> dict[int, Coverage]:
    """Coverage of each proposal being canvassed, by proposal id, in 3 queries whatever the number of proposals and
    households: one UNION of each proposal's canvassing scope (consult.selectors.canvass_households, the one
    definition of it) counted by entrance, the assignments, and the community's entrances."""
    proposals = [p for p in proposals if p.state in CANVASS_STATES]
    if not proposals:
        return {}
    counts = []
    for proposal in proposals:
        met = Visit.objects.filter(proposal_id=proposal.pk, household=OuterRef("pk"), outcome=Visit.Outcome.MET)
        counts.append(
            canvass_households(proposal)
            .order_by()
            .annotate(proposal_ref=Value(proposal.pk, output_field=IntegerField()))
            .values("proposal_ref", "entrance_id")
            .annotate(n=Count("pk"), reached=Count("pk", filter=Exists(met)))
        )
    rows = counts[0].union(*counts[1:], all=True) if len(counts) > 1 else counts[0]
    per_entrance: dict[int, dict[int, tuple[int, int]]] = {p.pk: {} for p in proposals}
    for row in rows:
        per_entrance[row["proposal_ref"]][row["entrance_id"]] = (row["n"], row["reached"])

    assigned_buildings: dict[int, set[int]] = {p.pk: set() for p in proposals}
    assigned_entrances: dict[int, set[int]] = {p.pk: set() for p in proposals}
    for proposal_id, building_id, entrance_id in Assignment.objects.filter(
        proposal_id__in=[p.pk for p in proposals]
    ).values_list("proposal_id", "building_id", "entrance_id"):
        if building_id:
            assigned_buildings[proposal_id].add(building_id)
        if entrance_id:
            assigned_entrances[proposal_id].add(entrance_id)

    community_ids = {p.community_id for p in proposals}
    entrances = (
        Entrance.objects.filter(building__community_id__in=community_ids)
        .select_related("building")
        .order_by("building__sort_key", "sort_key")
    )
    coverage = {p.pk: Coverage() for p in proposals}
    for entrance in entrances:
        for proposal in proposals:
            n, reached = per_entrance[proposal.pk].get(entrance.pk, (0, 0))
            if not n:
                continue
            entry = coverage[proposal.pk]
            entry.households += n
            if (
                entrance.pk in assigned_entrances[proposal.pk]
                or entrance.building_id in assigned_buildings[proposal.pk]
            ):
                entry.assigned += n
                entry.reached += reached
            else:
                entry.unassigned.append(str(entrance))
    return coverage


@dataclass
class Outstanding:
    """A proposal's bills still to be paid: how many, and how much."""

    bills: int
    amount: Decimal


def bills_outstanding(community: Community) -> dict[int, Outstanding]:
    """Unpaid bills by proposal id, in one query."""
    rows = (
        Bill.objects.filter(proposal__community=community, status=BillStatus.UNPAID)
        .order_by()
        .values("proposal_id")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    )
    # SQLite sums decimals as floats; every amount has two places, so rounding to the fen restores it exactly.
    return {
        row["proposal_id"]: Outstanding(row["n"], Decimal(str(row["amount"] or 0)).quantize(Decimal("0.01")))
        for row in rows
    }


@dataclass
class DashboardRow:
    proposal: Proposal
    participation: dict | None = None
    coverage: Coverage | None = None
    outstanding: Outstanding | None = None


@dataclass
class Dashboard:
    community: Community
    groups: list[tuple[State, list[DashboardRow]]]  # the states that need the committee, in DASHBOARD_STATES order
    done: list[tuple[State, int]]  # published and withdrawn: counts only
    billing: list[DashboardRow]  # proposals with unpaid bills, whatever their state
    now: datetime

    @property
    def unpaid_bills(self) -> int:
        return sum(row.outstanding.bills for row in self.billing)

    @property
    def unpaid_amount(self) -> Decimal:
        return sum((row.outstanding.amount for row in self.billing), Decimal("0.00"))

    def count(self, state: str) -> int:
        return next((len(rows) for group_state, rows in self.groups if group_state == state), 0)

    @property
    def canvassing(self) -> list[DashboardRow]:
        return [row for _state, rows in self.groups for row in rows if row.coverage]

    @property
    def unassigned_entrances(self) -> int:
        return sum(len(row.coverage.unassigned) for row in self.canvassing)


def community_dashboard(community: Community, *, now: datetime) -> Dashboard:
    """Everything the committee's dashboard shows, in 5 queries whatever the number of proposals and households."""
    proposals = list(with_participation(Proposal.objects.of(community)).order_by("-number"))
    for proposal in proposals:
        proposal.community = community  # the scope reads it: one object, not a query per proposal
    coverage = canvass_coverage(proposals)
    outstanding = (
        bills_outstanding(community) if any(p.state in (State.CLOSED, State.PUBLISHED) for p in proposals) else {}
    )
    rows = {
        p.pk: DashboardRow(
            proposal=p,
            participation=participation(p) if p.state in (State.VOTING, State.CLOSED, State.PUBLISHED) else None,
            coverage=coverage.get(p.pk),
            outstanding=outstanding.get(p.pk),
        )
        for p in proposals
    }
    groups = []
    for state in DASHBOARD_STATES:
        in_state = [row for row in rows.values() if row.proposal.state == state]
        if state == State.VOTING:  # the nearest deadline first
            in_state.sort(key=lambda row: (row.proposal.voting_closes_at or now, row.proposal.number))
        if in_state:
            groups.append((state, in_state))
    done = [(state, sum(p.state == state for p in proposals)) for state in DASHBOARD_DONE_STATES]
    billing = [row for row in rows.values() if row.outstanding]
    return Dashboard(community=community, groups=groups, done=[d for d in done if d[1]], billing=billing, now=now)


@dataclass(frozen=True)
class HouseholdStatus:
    """One of the user's flats on one proposal in its vote: its ballot (None: not voted) and its share, if any.
    `show_receipt` is False where the flat's ballot is its owner's for several flats and the account is not the
    owner's: the receipt would name the owner's other flats (as on the proposal page)."""

    household: Household
    ballot: Ballot | None
    share: Decimal | None
    show_receipt: bool


def household_statuses(proposals: list[Proposal], bindings: list[HouseholdBinding]) -> dict[int, list]:
    """{proposal id: [HouseholdStatus]} for the proposals in their vote, for the bound households in their
    electorate. Two queries, whatever the number of households and proposals."""
    voting = [p.pk for p in proposals if p.state in (State.VOTING, State.CLOSED, State.PUBLISHED)]
    if not voting or not bindings:
        return {}
    by_household = {binding.household_id: binding for binding in bindings}
    electors = (
        Elector.objects.filter(proposal_id__in=voting, household_id__in=list(by_household))
        .select_related("ballot")
        .order_by("proposal_id", "household_id")
    )
    shares = {
        (proposal_id, household_id): amount
        for proposal_id, household_id, amount in Share.objects.filter(
            plan__proposal_id__in=voting, plan__locked_at__isnull=False, household_id__in=list(by_household)
        ).values_list("plan__proposal_id", "household_id", "amount")
    }
    statuses: dict[int, list] = {}
    for elector in electors:
        binding = by_household[elector.household_id]
        ballot = getattr(elector, "ballot", None)
        owner = binding.relation == HouseholdBinding.Relation.OWNER
        statuses.setdefault(elector.proposal_id, []).append(
            HouseholdStatus(
                household=binding.household,
                ballot=ballot,
                share=shares.get((elector.proposal_id, elector.household_id)),
                show_receipt=ballot is not None and (owner or not ballot.shared_head),
            )
        )
    return statuses
