"""A proposal's page checks one permission first: the proposal, or the refusal (core.access.refuse)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from core.access import refuse
from proposals.models import Proposal


def proposal_or_refuse(request, pk: int, perm: str):
    """(proposal, None) when the user holds `perm` on it; else (proposal, the redirect to log in), or 403."""
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    if not request.user.has_perm(perm, proposal):
        return proposal, refuse(request)
    return proposal, None


def proposal_for(request, pk: int, perm: str):
    """The proposal, for a page behind login_required: a signed-in user without `perm` gets 403."""
    proposal, refusal = proposal_or_refuse(request, pk, perm)
    if refusal is not None:  # only an anonymous visitor gets a redirect, and login_required let none through
        raise PermissionDenied
    return proposal
