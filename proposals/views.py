"""The committee's proposal pages: the list, create and edit with a scope picker, lifecycle moves, attachments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from community.models import Community
from proposals.access import proposal_for
from proposals.forms import AttachmentForm, ProposalForm
from proposals.models import Attachment, Category, RuleCode
from proposals.selectors import proposal_body_html
from proposals.services import (
    EDITABLE,
    attachment_add,
    proposal_create,
    proposal_update,
    rule_for,
)

PROPOSALS_PER_PAGE = 30
# How many building or entrance names a list row spells out before it just counts them.
SCOPE_NAMES_SHOWN = 5
CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp", ".pdf": "application/pdf"}


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Create and edit ---------------------------------------------------------------------------------------


def _form_page(request, form, *, community, proposal=None, editable=True, status=200):
    return render(
        request,
        "proposals/proposal_form.html",
        {
            "community": community,
            "proposal": proposal,
            "form": form,
            "editable": editable,
            # What "by law" means for each matter, shown live next to the matter select.
            "derived_rules": {value: str(RuleCode(rule_for(category=value)).label) for value in Category.values},
            # The saved text as households will see it: safe HTML, images only from its own attachments.
            "preview": mark_safe(proposal_body_html(proposal)) if proposal and proposal.body else "",
        },
        status=status,
    )


@login_required
def proposal_new(request, slug: str):
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("proposals.add_proposal", community):
        raise PermissionDenied
    form = ProposalForm(request.POST if request.method == "POST" else None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_create(community=community, by=request.user, **form.service_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The draft is saved. Start the consultation when it is ready."))
            return redirect("proposal_detail", pk=proposal.pk)
    return _form_page(request, form, community=community)


@login_required
def proposal_edit(request, pk: int):
    proposal = proposal_for(request, pk, "proposals.manage_proposal")
    community = proposal.community
    if request.method == "POST":
        form = ProposalForm(request.POST, community=community)
        if form.is_valid():
            try:
                proposal_update(proposal=proposal, by=request.user, **form.service_fields())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The changes are saved."))
                return redirect("proposal_detail", pk=proposal.pk)
    else:
        form = ProposalForm(initial=ProposalForm.initial_for(proposal), community=community)
    return _form_page(request, form, community=community, proposal=proposal, editable=proposal.state in EDITABLE)


# --- Attachments -------------------------------------------------------------------------------------------


@require_POST
@login_required
def attachment_upload(request, pk: int):
    proposal = proposal_for(request, pk, "proposals.manage_proposal")
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("proposal_detail", pk=proposal.pk)
    try:
        attachment = attachment_add(
            proposal=proposal, by=request.user, upload=form.cleaned_data["file"], title=form.cleaned_data["title"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("“%(title)s” is attached.") % {"title": attachment.title})
    return redirect("proposal_detail", pk=proposal.pk)


@require_safe
@login_required
def attachment_file(request, pk: int, attachment_id: int):
    """The file itself, only to those who may see the proposal: media is never served from a public URL."""
    proposal = proposal_for(request, pk, "proposals.view_proposal")
    attachment = get_object_or_404(Attachment, pk=attachment_id, proposal=proposal)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("attachment file missing") from missing
    filename = attachment.title
    if not filename.lower().endswith(attachment.extension):
        filename += attachment.extension
    # The type was judged by content at upload; the extension stored then names it.
    response = FileResponse(handle, content_type=CONTENT_TYPES[attachment.extension], filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
