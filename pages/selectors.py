"""Reads that compose several apps for the pages: which proposals a household's home page lists."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from community.models import Household, HouseholdBinding
from costs.models import Share
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
