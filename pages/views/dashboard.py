"""The committee's dashboard of a community: what needs doing now, each figure with a link to where it is done."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from community.models import Community
from pages.selectors import community_dashboard
from proposals.models import State


@login_required
@require_GET
@never_cache
def dashboard(request, slug: str):
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("pages.view_dashboard", community):
        raise PermissionDenied
    board = community_dashboard(community, now=timezone.now())
    context = {
        "community": community,
        "board": board,
        "voting_count": board.count(State.VOTING),
        "consultation_count": board.count(State.CONSULTATION),
        # Opening and closing voting, editing and assigning canvassers are the committee's; the secretary records.
        "is_committee": request.user.has_perm("proposals.manage_proposal", community),
    }
    return render(request, "pages/dashboard.html", context)
