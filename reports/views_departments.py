"""The district's side of the whistle: a department's inbox of summonses (报到, actions, 办结), the photos of the
reports whistled to it, and the district's page of every escalation with the departments' punctuality."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from community.models import District
from core.uploads import private_png_response
from reports.models import Department, ReportPhoto, Summons
from reports.selectors import LISTED_AFTER_ENDING, department_inbox, district_overview, user_departments
from reports.services import summons_acknowledge, summons_act, summons_complete


def _inbox(request, departments, *, district=None, department=None):
    # Every report listed was whistled to a department of the user's: reports.see_reporter_phone holds for each (its
    # is_summoned), so the number is shown without asking the rules once per report (tests check they agree).
    summonses, older = department_inbox(departments)
    context = {
        "summonses": summonses,
        "older": older,
        "listed_days": LISTED_AFTER_ENDING.days,
        "departments": departments,
        "department": department,
        "district": district,
        "next": request.get_full_path(),
    }
    return render(request, "reports/department_inbox.html", context)


@require_safe
@login_required
def department_inbox_mine(request):
    """The summonses to every department the user is a member of."""
    departments = user_departments(request.user)
    if not departments:
        raise PermissionDenied
    return _inbox(request, departments)


@require_safe
@login_required
def department_inbox_one(request, slug: str, pk: int):
    """One department's summonses, for its members."""
    department = get_object_or_404(Department.objects.select_related("district"), pk=pk, district__slug=slug)
    if not request.user.has_perm("reports.view_department", department):
        raise PermissionDenied
    return _inbox(request, [department], district=department.district, department=department)


def _summons_for(request, pk: int) -> Summons:
    """The summons, to a member of its department: to anyone else it does not exist."""
    summons = get_object_or_404(Summons.objects.select_related("whistle", "department"), pk=pk)
    if not request.user.has_perm("reports.answer_summons", summons):
        raise Http404("no such summons for this user")
    return summons


def _back(request):
    # Back to the inbox the form was on (a path of this site only).
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("department_inbox")


@require_POST
@login_required
def summons_acknowledge_view(request, pk: int):
    summons = _summons_for(request, pk)
    try:
        summons_acknowledge(summons=summons, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(department)s has reported for duty.") % {"department": summons.department})
    return _back(request)


@require_POST
@login_required
def summons_act_view(request, pk: int):
    summons = _summons_for(request, pk)
    try:
        summons_act(summons=summons, by=request.user, text=request.POST.get("text", "")[:2000])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The action is recorded."))
    return _back(request)


@require_POST
@login_required
def summons_complete_view(request, pk: int):
    summons = _summons_for(request, pk)
    try:
        summons_complete(summons=summons, by=request.user, text=request.POST.get("text", "")[:2000])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Completed. The community will confirm with the resident."))
    return _back(request)


@require_safe
@login_required
def summons_photo(request, pk: int, photo_id: int):
    """A photo of a report whistled to the user's department: media is never served from a public URL."""
    summons = _summons_for(request, pk)
    photo = get_object_or_404(ReportPhoto, pk=photo_id, report__whistles=summons.whistle_id)
    return private_png_response(photo.image)


@require_safe
@login_required
def district_page(request, slug: str):
    """The district's escalations still open or lately finished, overdue ones first and flagged, and each
    department's punctuality. The flag on this page is how overdue parts reach the district: no job sends anything."""
    district = get_object_or_404(District, slug=slug)
    if not request.user.has_perm("reports.view_district", district):
        raise PermissionDenied
    escalations, older, punctuality = district_overview(district)
    context = {
        "district": district,
        "escalations": escalations,
        "older": older,
        "listed_days": LISTED_AFTER_ENDING.days,
        "all": len(escalations) + older,
        "punctuality": punctuality,
        "overdue": sum(1 for e in escalations if e.days_overdue),
        "open": sum(1 for e in escalations if e.open),
    }
    return render(request, "reports/district.html", context)
