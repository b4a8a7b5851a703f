"""Consultation pages: residents' opinions on a proposal (phone first), moderated by the owners' committee, and
the record of negotiation meetings (协商会议) with each party's position."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consult import meetings as meeting_services
from consult import opinions as opinion_services
from consult.forms import HideForm, MeetingForm, OpinionForm, ReplyForm, party_formset
from consult.models import Meeting, Opinion
from proposals.access import proposal_or_refuse
from proposals.models import Proposal

OPINIONS_PER_PAGE = 20


def _opinions_url(proposal: Proposal, opinion: Opinion | None = None) -> str:
    url = reverse("opinions", args=[proposal.pk])
    return f"{url}#opinion-{opinion.pk}" if opinion else url


# --- Opinions -------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def opinions(request, pk: int):
    perm = "consult.post_opinion" if request.method == "POST" else "consult.view_opinions"
    proposal, refusal = proposal_or_refuse(request, pk, perm)
    if refusal:
        return refusal
    mine = opinion_services.households_in_scope(proposal, request.user) if opinion_services.is_open(proposal) else []
    cannot_post = opinion_services.posting_refusal(proposal, mine)
    form = None
    if request.method == "POST":
        if cannot_post:
            messages.error(request, cannot_post)
        else:
            form = OpinionForm(request.POST, request.FILES, households=mine)
            if form.is_valid():
                try:
                    opinion = opinion_services.opinion_post(
                        proposal=proposal,
                        household=form.cleaned_data["household"],
                        by=request.user,
                        text=form.cleaned_data["text"],
                        photo=form.cleaned_data["photo"],
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("Thank you. Your opinion is published below."))
                    return redirect(_opinions_url(proposal, opinion))
    elif not cannot_post:
        form = OpinionForm(households=mine)
    page = Paginator(opinion_services.opinions_of(proposal), OPINIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "page_obj": page,
        "form": form,
        # Why there is no form, for those who could post at another time or for another household.
        "cannot_post": cannot_post if request.user.has_perm("consult.post_opinion", proposal) else "",
        "mine": mine,
        "can_moderate": request.user.has_perm("consult.moderate_opinions", proposal),
    }
    return render(request, "consult/opinions.html", context)


def _opinion_or_refuse(request, pk: int, opinion_id: int, perm: str):
    proposal, refusal = proposal_or_refuse(request, pk, perm)
    if refusal:
        return proposal, None, refusal
    # Another proposal's opinion is not found here, whatever its id.
    return proposal, get_object_or_404(Opinion, pk=opinion_id, proposal=proposal), None


@require_POST
def opinion_hide(request, pk: int, opinion_id: int):
    proposal, opinion, refusal = _opinion_or_refuse(request, pk, opinion_id, "consult.moderate_opinions")
    if refusal:
        return refusal
    form = HideForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        opinion_services.opinion_hide(opinion=opinion, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The opinion is hidden. Residents see only that it was hidden, and why."))
    return redirect(_opinions_url(proposal, opinion))


@require_POST
def opinion_reply(request, pk: int, opinion_id: int):
    proposal, opinion, refusal = _opinion_or_refuse(request, pk, opinion_id, "consult.moderate_opinions")
    if refusal:
        return refusal
    form = ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["text"])
        opinion_services.opinion_reply(opinion=opinion, by=request.user, text=form.cleaned_data["text"])
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The reply is published under the opinion."))
    return redirect(_opinions_url(proposal, opinion))


@require_GET
def opinion_photo(request, pk: int, opinion_id: int):
    """The photo itself, only to those who may read the opinions: uploads are never served from a public URL."""
    proposal, opinion, refusal = _opinion_or_refuse(request, pk, opinion_id, "consult.view_opinions")
    if refusal:
        return refusal
    if not opinion.photo:
        raise Http404("no photo")
    if opinion.hidden_at and not request.user.has_perm("consult.moderate_opinions", proposal):
        raise Http404("hidden")
    try:
        handle = opinion.photo.open("rb")
    except FileNotFoundError as missing:
        raise Http404("photo file missing") from missing
    response = FileResponse(handle, content_type=opinion_services.photo_content_type(opinion))
    response["X-Content-Type-Options"] = "nosniff"
    # Should a crafted file ever be opened as a page, it may run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Negotiation meetings -------------------------------------------------------------------------------------


@require_GET
def meetings(request, pk: int):
    proposal, refusal = proposal_or_refuse(request, pk, "consult.view_meetings")
    if refusal:
        return refusal
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "meetings": meeting_services.meetings_of(proposal),
        "positions": meeting_services.party_positions(proposal),
        "can_manage": request.user.has_perm("consult.manage_meetings", proposal),
        "can_change": meeting_services.can_change(proposal),
    }
    return render(request, "consult/meetings.html", context)


def _meeting_fields(form: MeetingForm) -> dict:
    data = form.cleaned_data
    return {key: data[key] for key in ("held_at", "place", "minutes", "decisions")}


def _render_meeting_form(request, proposal, form, formset, meeting=None):
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "form": form,
        "formset": formset,
        "meeting": meeting,
        "can_change": meeting_services.can_change(proposal),
    }
    return render(request, "consult/meeting_form.html", context)


@require_http_methods(["GET", "POST"])
def meeting_new(request, pk: int):
    proposal, refusal = proposal_or_refuse(request, pk, "consult.manage_meetings")
    if refusal:
        return refusal
    if request.method == "POST":
        form, formset = MeetingForm(request.POST), party_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                meeting = meeting_services.meeting_create(
                    proposal=proposal, by=request.user, parties=formset.parties(), **_meeting_fields(form)
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The meeting is recorded."))
                return redirect("meeting_detail", pk=proposal.pk, meeting_id=meeting.pk)
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form, formset = MeetingForm(initial={"held_at": now}), party_formset()
    return _render_meeting_form(request, proposal, form, formset)


@require_http_methods(["GET", "POST"])
def meeting_detail(request, pk: int, meeting_id: int):
    editing = request.method == "POST" or "edit" in request.GET
    proposal, refusal = proposal_or_refuse(
        request, pk, "consult.manage_meetings" if editing else "consult.view_meetings"
    )
    if refusal:
        return refusal
    meeting = get_object_or_404(Meeting, pk=meeting_id, proposal=proposal)
    if request.method == "POST":
        form, formset = MeetingForm(request.POST), party_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                meeting_services.meeting_update(
                    meeting=meeting, by=request.user, parties=formset.parties(), **_meeting_fields(form)
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The meeting's record is updated."))
                return redirect("meeting_detail", pk=proposal.pk, meeting_id=meeting.pk)
        return _render_meeting_form(request, proposal, form, formset, meeting)
    parties = meeting_services.parties_of(meeting)
    if editing:
        initial = {
            "held_at": timezone.localtime(meeting.held_at),
            "place": meeting.place,
            "minutes": meeting.minutes,
            "decisions": meeting.decisions,
        }
        form, formset = MeetingForm(initial=initial), party_formset(parties=parties)
        return _render_meeting_form(request, proposal, form, formset, meeting)
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "meeting": meeting,
        "parties": parties,
        "can_manage": request.user.has_perm("consult.manage_meetings", proposal),
        "can_change": meeting_services.can_change(proposal),
    }
    return render(request, "consult/meeting_detail.html", context)
