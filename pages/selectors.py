"""Reads that compose several apps for the pages: which proposals a household's home page lists."""

from django.db.models import Q

from community.models import Household
from proposals.models import Proposal, Scope, State
from voting.models import Elector


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
