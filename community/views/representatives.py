"""The register of residents' representatives (居民代表): the committee and the secretary list, add and remove them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.access import community_or_refuse
from community.models import Community, Representative
from community.selectors import household_at, representative_rows
from community.services import representative_add as representative_add_service
from community.services import representative_remove as representative_remove_service


def _list_page(request, community: Community, *, typed: dict | None = None, error: str = "", status: int = 200):
    full_phones = request.user.has_perm("community.see_full_phones", community)
    rows = representative_rows(community)
    for row in rows:
        row.shown_phone = row.phone if full_phones else row.masked_phone
    return render(
        request,
        "community/representatives.html",
        {
            "community": community,
            "representatives": rows,
            "can_manage": request.user.has_perm("community.manage_representatives", community),
            # After a refusal: what was typed, back in the form (nothing was saved), and why.
            "typed": typed or {},
            "error": error,
        },
        status=status,
    )


@login_required
def representative_list(request, slug: str):
    community, refusal = community_or_refuse(request, slug, "community.view_representatives")
    if refusal:
        return refusal
    return _list_page(request, community)


@require_POST
def representative_add(request, slug: str):
    community, refusal = community_or_refuse(request, slug, "community.manage_representatives")
    if refusal:
        return refusal
    typed = {
        "name": request.POST.get("name", "")[:200],
        "flat": request.POST.get("flat", "")[:60],
        "phone": request.POST.get("phone", "")[:30],
    }
    try:
        representative = representative_add_service(
            community=community,
            by=request.user,
            name=typed["name"],
            household=household_at(community, typed["flat"]),
            phone=typed["phone"],
        )
    except ValidationError as error:
        return _list_page(request, community, typed=typed, error=error.messages[0])
    messages.success(
        request,
        _("%(name)s now represents %(flat)s.") % {"name": representative.name, "flat": representative.household.code},
    )
    return redirect("representative_list", slug=slug)


@require_POST
def representative_remove(request, slug: str, pk: int):
    community, refusal = community_or_refuse(request, slug, "community.manage_representatives")
    if refusal:
        return refusal
    representative = get_object_or_404(Representative.objects.of(community), pk=pk)
    try:
        representative_remove_service(representative=representative, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("%(name)s is no longer a representative.") % {"name": representative.name})
    return redirect("representative_list", slug=slug)
