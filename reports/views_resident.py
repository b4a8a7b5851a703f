"""The resident's report pages: report a problem from a phone (or, at the door, for a household), follow it step by
step, confirm and rate what was done; one's own reports and the neighbours' public ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from community.access import permitted_community
from community.selectors import place_choices
from core.uploads import private_png_response
from reports.forms import ReportForm
from reports.models import Category, Report, ReportPhoto, ReportState
from reports.selectors import (
    own_household,
    public_reports,
    report_history,
    reports_by,
)
from reports.services import report_confirm, report_create

REPORTS_PER_PAGE = 20


def _report(request, pk: int, perm: str) -> Report:
    report = get_object_or_404(
        Report.objects.select_related(
            "community", "building", "entrance__building", "household__entrance__building", "reporter", "proposal"
        ),
        pk=pk,
    )
    if not request.user.has_perm(perm, report):
        raise PermissionDenied
    return report


@login_required
def report_new(request, slug: str):
    community = permitted_community(request, slug, "reports.add_report")
    for_household = request.user.has_perm("reports.report_for_household", community)
    form = ReportForm(
        request.POST if request.method == "POST" else None, community=community, for_household=for_household
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        building, entrance = data["place"]
        on_behalf = data["household"] is not None
        try:
            report = report_create(
                community=community,
                by=request.user,
                category=data["category"],
                description=data["description"],
                photos=request.FILES.getlist("photos"),
                building=building,
                entrance=entrance,
                location=data["location"],
                public=data["public"],
                household=data["household"] if on_behalf else own_household(community, request.user),
                reporter_phone=data["phone"] if on_behalf else "",
                on_behalf=on_behalf,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your report number: #%(n)s") % {"n": report.number})
            return redirect("report_detail", pk=report.pk)
    return render(
        request,
        "reports/report_new.html",
        {
            "community": community,
            "form": form,
            "categories": Category.choices,
            "places": place_choices(community, whole_building=gettext_lazy("%(building)s (the whole building)")),
            "for_household": for_household,
        },
        status=400 if form.errors else 200,
    )


# What the state means for the reporter, and what comes next.
STATE_WORDS = {
    ReportState.NEW: (
        gettext_lazy("Received. The community will look at it and send someone to deal with it."),
        gettext_lazy("Every step will show below. When it is done, you will be asked whether you are satisfied."),
    ),
    ReportState.ASSIGNED: (
        gettext_lazy("Someone in the community is dealing with it."),
        gettext_lazy("When it is done, you will be asked whether you are satisfied."),
    ),
    ReportState.ESCALATED: (
        gettext_lazy("The community blew the whistle: the district's departments are dealing with it."),
        gettext_lazy("When the departments have finished, you will be asked whether you are satisfied."),
    ),
    ReportState.DONE: (
        gettext_lazy("It has been dealt with. Please say whether you are satisfied."),
        gettext_lazy("Not satisfied reopens it once. Without an answer it closes by itself after a week."),
    ),
    ReportState.CLOSED: (gettext_lazy("Closed."), ""),
    ReportState.MERGED: (gettext_lazy("It repeats another report, which goes on in its place."), ""),
    ReportState.PROPOSED: (gettext_lazy("It needs the owners' decision: it became a proposal."), ""),
}


@require_safe
@login_required
def report_detail(request, pk: int):
    report = _report(request, pk, "reports.view_report")
    user = request.user
    follows = user.has_perm("reports.follow_report", report)
    sees_reporter = user.has_perm("reports.see_reporter_phone", report)
    now_words, next_words = STATE_WORDS[ReportState(report.state)]
    photos = list(report.photos.order_by("added_at", "pk"))
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "follows": follows,
            "is_reporter": user.has_perm("reports.rate_report", report),
            "sees_reporter": sees_reporter,
            "state_now": now_words,
            "state_next": next_words,
            "reported_photos": [p for p in photos if p.stage == ReportPhoto.Stage.REPORTED],
            "done_photos": [p for p in photos if p.stage == ReportPhoto.Stage.DONE],
            "history": report_history(report, user, sees_reporter=sees_reporter or follows),
            "can_confirm": user.has_perm("reports.confirm_report", report),
            "merged_into": report.duplicate_of if report.state == ReportState.MERGED else None,
            # The handlers' page of this report (views_triage): for the community's handlers and the assignee.
            "can_manage": user.has_perm("reports.manage_report", report),
        },
    )


@require_safe
@login_required
def report_photo(request, pk: int, photo_id: int):
    """A photo, only to those who may see the report: media is never served from a public URL."""
    report = _report(request, pk, "reports.view_report")
    photo = get_object_or_404(ReportPhoto, pk=photo_id, report=report)
    return private_png_response(photo.image)


@require_POST
@login_required
def report_confirm_view(request, pk: int):
    report = _report(request, pk, "reports.confirm_report")
    answer = request.POST.get("satisfied")
    if answer not in ("yes", "no"):
        messages.error(request, _("Choose “satisfied” or “not satisfied”."))
        return redirect("report_detail", pk=report.pk)
    try:
        report = report_confirm(
            report=report, by=request.user, satisfied=answer == "yes", comment=request.POST.get("comment", "")[:2000]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if report.state == ReportState.CLOSED:
            messages.success(request, _("Thank you: your answer is recorded and the report is closed."))
        else:
            messages.success(request, _("Your answer is recorded: the report is being handled again."))
    return redirect("report_detail", pk=report.pk)


@require_safe
@login_required
def my_reports(request, slug: str):
    community = permitted_community(request, slug, "community.view_community")
    own = reports_by(community, request.user)
    mine = Paginator(own, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    neighbours = None
    if request.user.has_perm("reports.view_public_reports", community):
        public = public_reports(community).exclude(pk__in=own.values("pk"))
        neighbours = Paginator(public, REPORTS_PER_PAGE).get_page(request.GET.get("neighbours"))
    return render(
        request,
        "reports/my_reports.html",
        {
            "community": community,
            "mine": mine,
            "neighbours": neighbours,
            "can_add": request.user.has_perm("reports.add_report", community),
        },
    )
