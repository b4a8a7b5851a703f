"""Reads of proposals shared by views, services and documents."""

from community.models import Household
from proposals.models import Proposal, Scope, State


def scope_households(proposal: Proposal):
    """The households in a proposal's scope, from the live roster (the electorate freezes them at opening)."""
    households = Household.objects.of(proposal.community)
    if proposal.scope == Scope.BUILDINGS:
        return households.filter(entrance__building__in=proposal.scope_buildings.all())
    if proposal.scope == Scope.ENTRANCES:
        return households.filter(entrance__in=proposal.scope_entrances.all())
    if proposal.scope == Scope.HOUSEHOLDS:
        return households.filter(pk__in=proposal.scope_households.all())
    return households


def proposals_for_households(household_ids) -> list[Proposal]:
    """Open proposals (consultation or voting) whose electorate or scope includes one of these households."""
    from django.db.models import Q

    from voting.models import Elector

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
