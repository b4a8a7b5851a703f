"""The community's side of residents' reports: the handlers' queue (committee, secretary, party organisation, property
company), and a report's manage page where they merge it, assign it, record what was done, turn it into a proposal,
whistle it (吹哨) to the district's departments and record the joint meeting (专题会) that follows. Pages only read;
each action is a POST checked by reports.rules, calling one service of reports.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from community.models import Community
from reports.forms_triage import AssignForm, DoneForm, MeetingForm, MergeForm, TriageFilterForm, WhistleForm
from reports.models import DONE_FROM, TRIAGE_STATES, WHISTLE_STATES, Report, ReportPhoto
from reports.selectors import report_whistles, triage_queue
from reports.services import (
    ReportError,
    joint_meeting_record,
    report_assign,
    report_done,
    report_merge,
    report_to_proposal,
    whistle_blow,
)

# The triage forms of the page, by their own names (ReportPageForm.name); "done" is offered apart (to the assignee too).
TRIAGE_FORMS = {form.name: form for form in (MergeForm, AssignForm, WhistleForm, MeetingForm)}


def no_district() -> str:
    return _("This community does not belong to a district yet: there is no department to whistle to.")


# --- The queue ---------------------------------------------------------------------------------------------------


@login_required
@require_safe
@never_cache
def queue(request, slug: str):
    """The open reports of the community, new first, then assigned (soonest due first, overdue flagged), escalated,
    and done waiting for the reporter; filtered by state, category and building."""
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("reports.triage_community", community):
        raise PermissionDenied
    form = TriageFilterForm(request.GET or None, community=community)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = triage_queue(
        community,
        state=filters.get("state", ""),
        category=filters.get("category", ""),
        building=filters.get("building"),
    )
    return render(
        request,
        "reports/triage_queue.html",
        {
            "community": community,
            "form": form,
            "rows": rows,
            "filtered": any(filters.values()),
            "overdue": sum(row.overdue for row in rows),
        },
    )


# --- A report's manage page ----------------------------------------------------------------------------------------


def _report(pk: int) -> Report:
    return get_object_or_404(Report.objects.select_related("community", "building", "entrance__building"), pk=pk)


def _may_manage(user, report: Report) -> bool:
    return user.has_perm("reports.manage_report", report)


def _page(request, report: Report, bound: dict | None = None, status: int = 200):
    bound = bound or {}
    user = request.user
    can_triage = user.has_perm("reports.triage_report", report)
    whistles = report_whistles(report)
    forms = {}
    if can_triage:
        forms = {name: bound.get(name) or form(report=report) for name, form in TRIAGE_FORMS.items()}
        if not whistles:
            forms.pop("meeting")
    if user.has_perm("reports.record_done", report) and report.state in DONE_FROM:
        forms[DoneForm.name] = bound.get(DoneForm.name) or DoneForm(report=report)
    photos = {stage: 0 for stage in ReportPhoto.Stage.values}
    for photo in report.photos.all():
        photos[photo.stage] += 1
    return render(
        request,
        "reports/manage.html",
        {
            "report": report,
            "community": report.community,
            "can_triage": can_triage,
            "can_queue": user.has_perm("reports.triage_community", report.community),
            "can_propose": can_triage and user.has_perm("proposals.add_proposal", report.community),
            "see_phone": user.has_perm("reports.see_reporter_phone", report),
            "may_merge": report.state in TRIAGE_STATES,
            "may_assign": report.state in TRIAGE_STATES,
            "may_whistle": report.state in WHISTLE_STATES,
            "no_district": "" if report.community.district_id else no_district(),
            "forms": forms,
            "whistles": whistles,
            "events": report.events.select_related("by", "department"),
            "duplicates": Report.objects.filter(duplicate_of=report).order_by("number"),
            "photos": photos,
        },
        status=status,
    )


@login_required
@require_safe
@never_cache
def manage(request, pk: int):
    report = _report(pk)
    if not _may_manage(request.user, report):
        raise PermissionDenied
    return _page(request, report)


def _refused(request, report: Report, perm: str):
    """None when the user may do it; else a redirect with the reason (a handler on a closed report), or a 403."""
    if request.user.has_perm(perm, report):
        return None
    if _may_manage(request.user, report) and not report.is_open:
        messages.error(
            request,
            _("This report is %(state)s: nothing was changed.") % {"state": report.get_state_display()},
        )
        return redirect("report_manage", pk=report.pk)
    raise PermissionDenied


def _invalid(request, report: Report, form, error: ReportError | None = None):
    if error is not None:
        form.add_error(None, error.messages)
    text = " ".join(" ".join(errors) for errors in form.errors.values())
    messages.error(request, _("Nothing was changed: %(why)s") % {"why": text})
    return _page(request, report, bound={form.name: form}, status=400)


@login_required
@require_POST
def merge(request, pk: int):
    report = _report(pk)
    if refused := _refused(request, report, "reports.triage_report"):
        return refused
    form = MergeForm(request.POST, report=report)
    if not form.is_valid():
        return _invalid(request, report, form)
    into = form.cleaned_data["number"]
    try:
        report_merge(report=report, into=into, by=request.user)
    except ReportError as error:
        return _invalid(request, report, form, error)
    messages.success(request, _("Report #%(a)s is merged into #%(b)s.") % {"a": report.number, "b": into.number})
    return redirect("report_manage", pk=into.pk)


@login_required
@require_POST
def assign(request, pk: int):
    report = _report(pk)
    if refused := _refused(request, report, "reports.triage_report"):
        return refused
    form = AssignForm(request.POST, report=report)
    if not form.is_valid():
        return _invalid(request, report, form)
    data = form.cleaned_data
    try:
        report_assign(report=report, to=data["assignee"], due_on=data["due_on"], note=data["note"], by=request.user)
    except ReportError as error:
        return _invalid(request, report, form, error)
    messages.success(request, _("Assigned to %(who)s.") % {"who": data["assignee"]})
    return redirect("report_manage", pk=report.pk)


@login_required
@require_POST
def done(request, pk: int):
    report = _report(pk)
    if refused := _refused(request, report, "reports.record_done"):
        return refused
    form = DoneForm(request.POST, request.FILES, report=report)
    if not form.is_valid():
        return _invalid(request, report, form)
    try:
        report_done(report=report, by=request.user, text=form.cleaned_data["text"], photos=form.cleaned_data["photos"])
    except ReportError as error:
        return _invalid(request, report, form, error)
    messages.success(request, _("Recorded. The reporter is asked to confirm."))
    return redirect("report_manage", pk=report.pk)


@login_required
@require_POST
def to_proposal(request, pk: int):
    report = _report(pk)
    if refused := _refused(request, report, "reports.triage_report"):
        return refused
    if not request.user.has_perm("proposals.add_proposal", report.community):
        messages.error(request, _("Only the committee may turn a report into a proposal: nothing was changed."))
        return redirect("report_manage", pk=report.pk)
    try:
        proposal = report_to_proposal(report=report, by=request.user)
    except ReportError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("report_manage", pk=report.pk)
    messages.success(request, _("Proposal #%(n)s is drafted from the report: finish it here.") % {"n": proposal.number})
    return redirect("proposal_edit", pk=proposal.pk)


@login_required
@require_POST
def whistle(request, pk: int):
    report = _report(pk)
    if refused := _refused(request, report, "reports.triage_report"):
        return refused
    if report.community.district_id is None:
        messages.error(request, no_district())
        return redirect("report_manage", pk=report.pk)
    form = WhistleForm(request.POST, report=report)
    if not form.is_valid():
        return _invalid(request, report, form)
    data = form.cleaned_data
    try:
        whistle_blow(
            reports=[report, *data["bundle"]],
            departments=list(data["departments"]),
            deadline=data["deadline"],
            note=data["note"],
            by=request.user,
        )
    except ReportError as error:
        return _invalid(request, report, form, error)
    messages.success(
        request,
        _("Whistled to %(departments)s: they are asked to report for duty.")
        % {"departments": "、".join(d.name for d in data["departments"])},
    )
    return redirect("report_manage", pk=report.pk)


@login_required
@require_POST
def meeting(request, pk: int):
    report = _report(pk)
    if refused := _refused(request, report, "reports.triage_report"):
        return refused
    form = MeetingForm(request.POST, report=report)
    if not form.is_valid():
        return _invalid(request, report, form)
    data = form.cleaned_data
    try:
        joint_meeting_record(
            whistle=data["whistle"],
            held_on=data["held_on"],
            place=data["place"],
            departments=list(data["departments"]),
            decisions=data["decisions"],
            by=request.user,
        )
    except ReportError as error:
        return _invalid(request, report, form, error)
    messages.success(request, _("The joint meeting is recorded in the history of each report of the whistle."))
    return redirect("report_manage", pk=report.pk)
