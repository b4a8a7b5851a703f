"""The meeting pages: the committee's list and editor (agenda, elections, candidates, the notice) and the notice
page households read (会议通知 with 候选人公示). Every write is a POST calling one service; bad input gets a
message and changes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from community.models import Community
from core.uploads import private_png_response
from meetings import services
from meetings.access import meeting_or_refuse
from meetings.forms import CandidateForm, ElectionForm, MatterForm, MeetingForm, NoticeSettingsForm
from meetings.models import AgendaItem, Candidate, Election, Meeting
from meetings.selectors import agenda_rows, meeting_before_close, proposals_for_agenda


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_errors(form) -> str:
    return " ".join(
        f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
        for name, errors in form.errors.items()
    )


def _community_for(request, slug: str, perm: str) -> Community:
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm(perm, community):
        raise PermissionDenied
    return community


def _managed(request, pk: int) -> Meeting:
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.manage_meeting")
    if refusal is not None:
        raise PermissionDenied
    return meeting


# --- The committee's list and a new meeting ------------------------------------------------------------------


@login_required
@require_safe
def meeting_list(request, slug: str):
    community = _community_for(request, slug, "meetings.add_meeting")
    meetings = Meeting.objects.filter(community=community).select_related("building")
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "community": community,
            "meetings": meetings,
            "notice_days": services.minimum_notice_days(community),
            "settings_form": NoticeSettingsForm(
                initial={"minimum_notice_days": services.minimum_notice_days(community)}
            ),
        },
    )


@login_required
@require_POST
def notice_settings(request, slug: str):
    community = _community_for(request, slug, "meetings.add_meeting")
    form = NoticeSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        services.meeting_settings_set(community=community, minimum_notice_days=form.cleaned_data["minimum_notice_days"])
        messages.success(request, _("The minimum notice is saved."))
    return redirect("meeting_list", slug=community.slug)


def _meeting_form_page(request, form, *, community, meeting=None):
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "community": community,
            "meeting": meeting,
            "form": form,
            "notice_days": services.minimum_notice_days(community),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def meeting_new(request, slug: str):
    community = _community_for(request, slug, "meetings.add_meeting")
    form = MeetingForm(request.POST if request.method == "POST" else None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(community=community, by=request.user, **form.service_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting is saved as a draft. Now add its agenda."))
            return redirect("meeting_edit", pk=meeting.pk)
    return _meeting_form_page(request, form, community=community)


@login_required
def meeting_change(request, pk: int):
    """The draft's title, organiser, electorate, window and blank rule: the form filled with what is saved."""
    meeting = _managed(request, pk)
    community = meeting.community
    if not meeting.is_draft:
        messages.info(request, _("The notice of this meeting is already published."))
        return redirect("meeting_detail", pk=meeting.pk)
    if request.method == "POST":
        form = MeetingForm(request.POST, community=community)
        if form.is_valid():
            try:
                services.meeting_update(meeting=meeting, by=request.user, **form.service_fields())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The meeting's details are saved."))
                return redirect("meeting_edit", pk=meeting.pk)
    else:
        form = MeetingForm(initial=MeetingForm.initial_of(meeting), community=community)
    return _meeting_form_page(request, form, community=community, meeting=meeting)


# --- The editor ---------------------------------------------------------------------------------------------


@login_required
@require_safe
def meeting_edit(request, pk: int):
    meeting = _managed(request, pk)
    community = meeting.community
    return render(
        request,
        "meetings/meeting_edit.html",
        {
            "community": community,
            "meeting": meeting,
            "rows": agenda_rows(meeting),
            "matter_form": MatterForm(proposals=proposals_for_agenda(meeting)) if meeting.is_draft else None,
            "election_form": ElectionForm(electorate=meeting.electorate) if meeting.is_draft else None,
            "notice_days": services.minimum_notice_days(community),
        },
    )


def _run(request, meeting: Meeting, action, success: str):
    """Call a service; its refusal becomes the message. Back to the editor either way."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect("meeting_edit", pk=meeting.pk)


@login_required
@require_POST
def matter_add(request, pk: int):
    meeting = _managed(request, pk)
    form = MatterForm(request.POST, proposals=proposals_for_agenda(meeting))
    if not form.is_valid():
        messages.error(request, _("Choose one of the proposals offered."))
        return redirect("meeting_edit", pk=meeting.pk)
    proposal = form.proposals[form.cleaned_data["proposal"]]
    return _run(
        request,
        meeting,
        lambda: services.agenda_matter_add(meeting=meeting, by=request.user, proposal=proposal),
        _("The matter is on the agenda."),
    )


@login_required
@require_POST
def election_add(request, pk: int):
    meeting = _managed(request, pk)
    form = ElectionForm(request.POST, electorate=meeting.electorate)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("meeting_edit", pk=meeting.pk)
    return _run(
        request,
        meeting,
        lambda: services.agenda_election_add(meeting=meeting, by=request.user, **form.cleaned_data),
        _("The election is on the agenda. Now add its candidates."),
    )


@login_required
@require_POST
def candidate_add(request, pk: int, election_id: int):
    meeting = _managed(request, pk)
    election = get_object_or_404(
        Election.objects.select_related("item__meeting"), pk=election_id, item__meeting=meeting
    )
    form = CandidateForm(request.POST, community=meeting.community)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("meeting_edit", pk=meeting.pk)
    data = form.cleaned_data
    return _run(
        request,
        meeting,
        lambda: services.candidate_add(
            election=election,
            by=request.user,
            name=data["name"],
            household=data["flat"],
            statement=data["statement"],
            party_member=data["party_member"],
            show_party=data["show_party"],
            photo=request.FILES.get("photo"),
        ),
        _("The candidate is on the list."),
    )


@login_required
@require_POST
def candidate_remove(request, pk: int, candidate_id: int):
    meeting = _managed(request, pk)
    candidate = get_object_or_404(
        Candidate.objects.select_related("election__item__meeting"), pk=candidate_id, election__item__meeting=meeting
    )
    return _run(
        request,
        meeting,
        lambda: services.candidate_remove(candidate=candidate, by=request.user),
        _("The candidate is removed from the list."),
    )


@login_required
@require_POST
def item_move(request, pk: int, item_id: int):
    meeting = _managed(request, pk)
    item = get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=item_id, meeting=meeting)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Choose whether to move the item up or down."))
        return redirect("meeting_edit", pk=meeting.pk)
    return _run(
        request,
        meeting,
        lambda: services.agenda_move(item=item, by=request.user, up=direction == "up"),
        _("The agenda's order is saved."),
    )


@login_required
@require_POST
def item_remove(request, pk: int, item_id: int):
    meeting = _managed(request, pk)
    item = get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=item_id, meeting=meeting)
    return _run(
        request,
        meeting,
        lambda: services.agenda_item_remove(item=item, by=request.user),
        _("The item is taken off the agenda."),
    )


@login_required
def meeting_publish(request, pk: int):
    """GET asks (listing what still stops the notice); POST with confirm publishes it."""
    meeting = _managed(request, pk)
    if not meeting.is_draft:
        messages.info(request, _("The notice of this meeting is already published."))
        return redirect("meeting_detail", pk=meeting.pk)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.meeting_publish_notice(meeting=meeting, by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The notice is published. Households of the community can read it now."))
            return redirect("meeting_detail", pk=meeting.pk)
    elif request.method == "POST":
        messages.error(request, _("Tick the box to confirm that the agenda and candidates are final."))
    return render(
        request,
        "meetings/meeting_publish.html",
        {
            "community": meeting.community,
            "meeting": meeting,
            "rows": agenda_rows(meeting),
            "problems": services.publish_problems(meeting, timezone.now()),
            "notice_days": services.minimum_notice_days(meeting.community),
        },
    )


# --- The notice households read --------------------------------------------------------------------------------


@require_safe
def meeting_detail(request, pk: int):
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal is not None:
        return refusal
    can_manage = request.user.has_perm("meetings.manage_meeting", meeting)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "community": meeting.community,
            "meeting": meeting,
            "rows": agenda_rows(meeting),
            "can_manage": can_manage,
            "before_close": can_manage and meeting_before_close(meeting),  # the committee's text reminder
        },
    )


@require_safe
def candidate_photo(request, pk: int, candidate_id: int):
    """A candidate's photo, to those who may read the meeting's notice: media is never served from a public URL."""
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal is not None:
        return refusal
    candidate = get_object_or_404(Candidate, pk=candidate_id, election__item__meeting=meeting)
    return private_png_response(candidate.photo)
