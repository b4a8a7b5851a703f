"""A community named in a URL, for someone who holds a permission on it: found (or 404) and checked, the same way
on every page that takes a community's slug."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from community.models import Community
from core.access import refuse


def permitted_community(request, slug: str, perm: str) -> Community:
    """The community, or 404; PermissionDenied when the user lacks `perm` on it (for views behind login_required)."""
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm(perm, community):
        raise PermissionDenied
    return community


def community_or_refuse(request, slug: str, perm: str):
    """(the community, None), or (the community, the refusal: log in first, or 403) when the user lacks `perm`."""
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm(perm, community):
        return community, refuse(request)
    return community, None
