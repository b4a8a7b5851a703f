"""One household for the committee: its owner, its join code with the QR code, the accounts bound to it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.models import Community, Household, HouseholdBinding, JoinCode
from community.qr import join_qr_svg
from community.services import binding_remove as binding_remove_service
from community.services import binding_set_relation
from community.services import join_code_issue as join_code_issue_service
from community.services import join_code_revoke as join_code_revoke_service
from core.access import refuse
from core.identity import mask_phone

RECENT_CODES = 10


def _household_or_refuse(request, slug: str, pk: int, perm: str):
    """(community, household, None) when the user holds `perm` there; else (.., .., the refusal)."""
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm(perm, community):
        return community, None, refuse(request)
    # Another community's household is not found here, whatever its pk.
    household = get_object_or_404(Household.objects.of(community).with_location(), pk=pk)
    return community, household, None


def household_detail(request, slug: str, pk: int):
    community, household, refusal = _household_or_refuse(request, slug, pk, "community.view_roster")
    if refusal:
        return refusal
    user = request.user
    full_phones = user.has_perm("community.see_full_phones", community)
    codes = list(household.join_codes.select_related("used_by").order_by("-created_at")[:RECENT_CODES])
    now = timezone.now()
    current = next((code for code in codes if code.is_usable(now)), None)
    bindings = list(household.bindings.select_related("user", "verified_by").order_by("created_at", "pk"))
    for binding in bindings:
        binding.masked_phone = mask_phone(binding.user.phone) if binding.user.phone else ""
    join_url = request.build_absolute_uri(reverse("join_with_code", args=[current.code])) if current else ""
    context = {
        "community": community,
        "household": household,
        "owner": household.owner,
        "owner_phone": household.owner.phone if full_phones else household.owner.masked_phone,
        "current_code": current,
        "join_url": join_url,
        "qr_svg": join_qr_svg(join_url) if current else "",
        "codes": codes,
        "now": now,
        "bindings": bindings,
        "can_manage_codes": user.has_perm("community.manage_join_codes", community),
        "can_manage_bindings": user.has_perm("community.manage_bindings", community),
    }
    return render(request, "community/household_detail.html", context)


@require_POST
def join_code_issue(request, slug: str, pk: int):
    _community, household, refusal = _household_or_refuse(request, slug, pk, "community.manage_join_codes")
    if refusal:
        return refusal
    join_code = join_code_issue_service(household=household, by=request.user)
    messages.success(request, _("New join code %(code)s. Earlier unused codes no longer work.") % {"code": join_code})
    return redirect("household_detail", slug=slug, pk=pk)


@require_POST
def join_code_revoke(request, slug: str, pk: int, code_id: int):
    _community, household, refusal = _household_or_refuse(request, slug, pk, "community.manage_join_codes")
    if refusal:
        return refusal
    join_code = get_object_or_404(JoinCode, pk=code_id, household=household)
    try:
        join_code_revoke_service(join_code=join_code, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Join code %(code)s no longer works.") % {"code": join_code})
    return redirect("household_detail", slug=slug, pk=pk)


@require_POST
def binding_remove(request, slug: str, pk: int, binding_id: int):
    _community, household, refusal = _household_or_refuse(request, slug, pk, "community.manage_bindings")
    if refusal:
        return refusal
    binding = get_object_or_404(HouseholdBinding.objects.select_related("user"), pk=binding_id, household=household)
    binding_remove_service(binding=binding, by=request.user)
    messages.success(request, _("%(account)s is no longer bound to this household.") % {"account": binding.user})
    return redirect("household_detail", slug=slug, pk=pk)


@require_POST
def binding_relation(request, slug: str, pk: int, binding_id: int):
    """The committee marks a bound account as the household's verified owner, or as a family member or tenant."""
    _community, household, refusal = _household_or_refuse(request, slug, pk, "community.manage_bindings")
    if refusal:
        return refusal
    binding = get_object_or_404(HouseholdBinding.objects.select_related("user"), pk=binding_id, household=household)
    try:
        binding_set_relation(binding=binding, relation=request.POST.get("relation", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("%(account)s is now bound as: %(relation)s.")
            % {"account": binding.user, "relation": binding.get_relation_display()},
        )
    return redirect("household_detail", slug=slug, pk=pk)
