"""Pages that compose several apps: the community's proposal list (with participation from the ballots)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404, render
from django.utils.translation import ngettext

from community.models import Community, Entrance
from pages.selectors import participation, with_participation
from proposals.models import Proposal, Scope, State

PROPOSALS_PER_PAGE = 30
# How many building or entrance names a list row spells out before it just counts them.
SCOPE_NAMES_SHOWN = 5


def _with_list_columns(proposals):
    """Participation and scope sizes as subqueries, scope names prefetched: a page costs the same at any size."""
    chosen = (
        Proposal.scope_households.through.objects.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        with_participation(proposals)
        .annotate(chosen_households=Subquery(chosen, output_field=IntegerField()))
        .prefetch_related(
            "scope_buildings",
            Prefetch("scope_entrances", queryset=Entrance.objects.select_related("building")),
        )
    )


def _names(items, count_message) -> str:
    names = sorted(items, key=lambda item: str(item))
    shown = "、".join(str(item) for item in names[:SCOPE_NAMES_SHOWN]) + ("…" if len(names) > SCOPE_NAMES_SHOWN else "")
    return count_message(len(names)) % {"count": len(names), "names": shown}


def scope_summary(proposal: Proposal) -> str:
    """ "3号楼、5号楼" or "14户": who a proposal is put to, in a few words."""
    if proposal.scope == Scope.BUILDINGS:
        return _names(
            proposal.scope_buildings.all(),
            lambda n: ngettext("%(count)d building: %(names)s", "%(count)d buildings: %(names)s", n),
        )
    if proposal.scope == Scope.ENTRANCES:
        return _names(
            proposal.scope_entrances.all(),
            lambda n: ngettext("%(count)d entrance: %(names)s", "%(count)d entrances: %(names)s", n),
        )
    if proposal.scope == Scope.HOUSEHOLDS:
        n = getattr(proposal, "chosen_households", None)
        n = proposal.scope_households.count() if n is None else n
        return ngettext("%(count)d chosen household", "%(count)d chosen households", n) % {"count": n}
    return str(Scope.COMMUNITY.label)


@login_required
def proposal_list(request, slug: str):
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("community.view_community", community):
        raise PermissionDenied
    proposals = Proposal.objects.of(community).order_by("-number")
    # The committee and its secretary prepare proposals, so they also see drafts and withdrawn ones; that is
    sees_drafts = request.user.has_perm("proposals.view_drafts", community)
    if not sees_drafts:
        proposals = proposals.exclude(state__in=[State.DRAFT, State.WITHDRAWN])
    page = Paginator(_with_list_columns(proposals), PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    for proposal in page.object_list:
        proposal.scope_text = scope_summary(proposal)
        proposal.voting_ended = proposal.voting_status() == Proposal.ENDED  # until the scheduled job closes it
        if proposal.state in (State.VOTING, State.CLOSED, State.PUBLISHED):
            proposal.participation = participation(proposal)
    return render(
        request,
        "pages/proposal_list.html",
        {
            "community": community,
            "page": page,
            "sees_drafts": sees_drafts,
            "can_add": request.user.has_perm("proposals.add_proposal", community),
        },
    )
