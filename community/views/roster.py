"""The committee's roster pages: the community overview (building grids) and the searchable household list."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from community.models import Building, Community
from community.search import parse_household_query, phone_lookup
from community.selectors import community_grids, community_totals, household_rows, household_search, household_totals
from core.params import int_param

# Above this many households the overview shows counts per entrance and floor instead of every room:
# 30,000 links on one page is neither readable nor fast. One building's full grid is a click away.
OVERVIEW_FULL_GRID_LIMIT = 3000
HOUSEHOLDS_PER_PAGE = 50


def _roster_community(request, slug: str) -> Community:
    community = get_object_or_404(Community, slug=slug)
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
            # A household's page is household_list + "<pk>/": reversing once beats reversing 3,000 times.
            "household_base": reverse("household_list", args=[community.slug]),
        },
    )


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
