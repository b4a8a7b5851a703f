"""A proposal's page checks one permission first: the proposal, or the refusal (config.access.refuse)."""

from django.shortcuts import get_object_or_404

from config.access import refuse
from proposals.models import Proposal


def proposal_or_refuse(request, pk: int, perm: str):
    """(proposal, None) when the user holds `perm` on it; else (proposal, the redirect to log in), or 403."""
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    if not request.user.has_perm(perm, proposal):
        return proposal, refuse(request)
    return proposal, None
