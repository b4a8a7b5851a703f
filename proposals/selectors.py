"""Reads of proposals shared by views, services and documents."""

from community.models import Household
from proposals.models import Proposal, Scope


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
