"""The committee's roster pages: the community overview (building grids) and the searchable household list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.models import Building, Community
from community.search import parse_household_query, phone_lookup
from community.selectors import community_grids, community_totals, household_rows, household_search, household_totals
from community.services import developer_voter_designate
from core.access import refuse
from core.identity import mask_phone
from core.params import int_param

# Above this many households the overview shows counts per entrance and floor instead of every room:
# 30,000 links on one page is neither readable nor fast. One building's full grid is a click away.
OVERVIEW_FULL_GRID_LIMIT = 3000
HOUSEHOLDS_PER_PAGE = 50


def _roster_community(request, slug: str) -> Community:
    community = get_object_or_404(Community.objects.select_related("developer_voter"), slug=slug)
    if not request.user.has_perm("community.view_roster", community):
        raise PermissionDenied
    return community


@login_required
def community_overview(request, slug: str):
    community = _roster_community(request, slug)
    totals = community_totals(community)
    building = None
    building_id = request.GET.get("building", "")
    if building_id:
        if int_param(building_id) is None:
            raise Http404("no such building")
        building = get_object_or_404(Building, pk=int_param(building_id), community=community)
    full = building is not None or totals.households <= OVERVIEW_FULL_GRID_LIMIT
    return render(
        request,
        "community/overview.html",
        {
            "community": community,
            "totals": totals,
            "grids": community_grids(community, full=full, building=building),
            "building": building,
            "summary_mode": not full,
            "full_grid_limit": OVERVIEW_FULL_GRID_LIMIT,
            "can_import": request.user.has_perm("community.import_roster", community),
            "can_manage_bindings": request.user.has_perm("community.manage_bindings", community),
            "developer_voter_phone": _developer_voter_phone(request.user, community),
            # A household's page is household_list + "<pk>/": reversing once beats reversing 3,000 times.
            "household_base": reverse("household_list", args=[community.slug]),
        },
    )


def _developer_voter_phone(user, community: Community) -> str:
    voter = community.developer_voter
    if voter is None or not voter.phone:
        return ""
    return voter.phone if user.has_perm("community.see_full_phones", community) else mask_phone(voter.phone)


@require_POST
def developer_voter(request, slug: str):
    """The committee designates the one account that votes for the developer's flats (or clears it)."""
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("community.manage_bindings", community):
        return refuse(request)
    try:
        user = developer_voter_designate(community=community, phone=request.POST.get("phone", "")[:30], by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if user is None:
            messages.success(request, _("No account votes for the developer's flats now."))
        else:
            messages.success(request, _("%(account)s now votes for the developer's flats.") % {"account": user})
    return redirect("community_overview", slug=slug)


@login_required
def household_list(request, slug: str):
    community = _roster_community(request, slug)
    full_phones = request.user.has_perm("community.see_full_phones", community)
    text = request.GET.get("q", "").strip()[:100]
    query = parse_household_query(text)
    phone_refused = bool(query.phone_digits) and phone_lookup(query.phone_digits, full_phones=full_phones) is None
    found = household_search(community, query, full_phones=full_phones)
    page = Paginator(household_rows(found), HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/household_list.html",
        {
            "community": community,
            "q": text,
            "query": query,
            "page": page,
            # The totals of what was found: "3-5" → that entrance's households, heads and area.
            "found_totals": household_totals(found) if not query.is_empty else None,
            "full_phones": full_phones,
            "phone_refused": phone_refused,
        },
    )
