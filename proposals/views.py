"""The committee's proposal pages: the list, create and edit with a scope picker, lifecycle moves, attachments."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from community.models import Community, Entrance
from proposals.forms import AttachmentForm, MoveForm, ProposalForm
from proposals.markdown import render_markdown
from proposals.models import Attachment, Category, Proposal, RuleCode, Scope, State
from proposals.services import (
    EDITABLE,
    attachment_add,
    proposal_close,
    proposal_close_if_due,
    proposal_create,
    proposal_open_voting,
    proposal_publish,
    proposal_start_consultation,
    proposal_update,
    proposal_withdraw,
    rule_for,
)

PROPOSALS_PER_PAGE = 30
# How many building or entrance names a list row spells out before it just counts them.
SCOPE_NAMES_SHOWN = 5
CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp", ".pdf": "application/pdf"}


def _proposal(request, pk: int, perm: str) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    if not request.user.has_perm(perm, proposal):
        raise PermissionDenied
    return proposal


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The list ----------------------------------------------------------------------------------------------


def _with_list_columns(proposals):
    """Participation and scope sizes as subqueries, scope names prefetched: a page costs the same at any size."""
    from voting.models import Ballot

    ballots = Ballot.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal")
    chosen = (
        Proposal.scope_households.through.objects.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return proposals.annotate(
        voted_households=Subquery(ballots.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        voted_heads=Subquery(ballots.annotate(n=Count("head", distinct=True)).values("n"), output_field=IntegerField()),
        voted_area=Subquery(
            ballots.annotate(a=Sum("area")).values("a"), output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
        chosen_households=Subquery(chosen, output_field=IntegerField()),
    ).prefetch_related(
        "scope_buildings",
        Prefetch("scope_entrances", queryset=Entrance.objects.select_related("building")),
    )


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _names(items, count_message) -> str:
    names = sorted(items, key=lambda item: str(item))
    shown = "、".join(str(item) for item in names[:SCOPE_NAMES_SHOWN]) + ("…" if len(names) > SCOPE_NAMES_SHOWN else "")
    return count_message(len(names)) % {"count": len(names), "names": shown}


def scope_summary(proposal: Proposal) -> str:
    """ "3号楼、5号楼" or "14户": who a proposal is put to, in a few words."""
    if proposal.scope == Scope.BUILDINGS:
        return _names(
            proposal.scope_buildings.all(),
            lambda n: ngettext("%(count)d building: %(names)s", "%(count)d buildings: %(names)s", n),
        )
    if proposal.scope == Scope.ENTRANCES:
        return _names(
            proposal.scope_entrances.all(),
            lambda n: ngettext("%(count)d entrance: %(names)s", "%(count)d entrances: %(names)s", n),
        )
    if proposal.scope == Scope.HOUSEHOLDS:
        n = getattr(proposal, "chosen_households", None)
        n = proposal.scope_households.count() if n is None else n
        return ngettext("%(count)d chosen household", "%(count)d chosen households", n) % {"count": n}
    return str(Scope.COMMUNITY.label)


def _close_due(community: Community) -> None:
    # "Closed on the next access": a vote whose window has ended is closed before the list shows it.
    due = Proposal.objects.of(community).filter(state=State.VOTING, voting_closes_at__lte=timezone.now())
    for proposal in due:
        proposal_close_if_due(proposal=proposal)


@login_required
def proposal_list(request, slug: str):
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("community.view_community", community):
        raise PermissionDenied
    _close_due(community)
    proposals = Proposal.objects.of(community).order_by("-number")
    # The committee and its secretary prepare proposals, so they also see drafts and withdrawn ones; that is
    sees_drafts = request.user.has_perm("proposals.view_drafts", community)
    if not sees_drafts:
        proposals = proposals.exclude(state__in=[State.DRAFT, State.WITHDRAWN])
    page = Paginator(_with_list_columns(proposals), PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    for proposal in page.object_list:
        proposal.scope_text = scope_summary(proposal)
        if proposal.state in (State.VOTING, State.CLOSED, State.PUBLISHED):
            proposal.participation = {
                "households": proposal.voted_households or 0,
                "electorate": proposal.electorate_households,
                "heads_percent": _percent(proposal.voted_heads, proposal.electorate_heads),
                "area_percent": _percent(proposal.voted_area, proposal.electorate_area),
            }
    return render(
        request,
        "proposals/proposal_list.html",
        {
            "community": community,
            "page": page,
            "sees_drafts": sees_drafts,
            "can_add": request.user.has_perm("proposals.add_proposal", community),
        },
    )


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
            # The saved text as households will see it; render_markdown keeps only safe HTML.
            "preview": mark_safe(render_markdown(proposal.body)) if proposal and proposal.body else "",
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
    proposal = _proposal(request, pk, "proposals.manage_proposal")
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


# --- Lifecycle moves ---------------------------------------------------------------------------------------


def _move(proposal: Proposal, action: str, by, data: dict) -> Proposal:
    if action == "consultation":
        return proposal_start_consultation(proposal=proposal, by=by)
    if action == "open":
        return proposal_open_voting(proposal=proposal, by=by, closes_at=data["closes_at"], opens_at=data["opens_at"])
    if action == "close":
        return proposal_close(proposal=proposal, by=by)
    if action == "publish":
        return proposal_publish(proposal=proposal, by=by)
    return proposal_withdraw(proposal=proposal, by=by, reason=data["reason"].strip())


def _moved_message(proposal: Proposal, action: str) -> str:
    if action == "consultation":
        return _("The consultation has started: households in scope can now read the proposal.")
    if action == "open":
        closes_at = formats.date_format(timezone.localtime(proposal.voting_closes_at), "DATETIME_FORMAT")
        return _("Voting is open until %(closes_at)s.") % {"closes_at": closes_at}
    if action == "close":
        return _("Voting is closed: the proposal passed.") if proposal.passed else _("Voting is closed: not passed.")
    if action == "publish":
        return _("The result is published.")
    return _("The proposal is withdrawn.")


@require_POST
@login_required
def proposal_move(request, pk: int):
    proposal = _proposal(request, pk, "proposals.manage_proposal")
    form = MoveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("proposal_detail", pk=proposal.pk)
    action = form.cleaned_data["action"]
    if action == "close" and proposal.state == State.VOTING and not form.cleaned_data["confirm"]:
        # Closing cannot be undone: a second page asks first, without relying on JavaScript.
        from voting.selectors import tally_json

        return render(request, "proposals/close_confirm.html", {"proposal": proposal, "tally": tally_json(proposal)})
    if action == "close" and proposal.state in (State.CLOSED, State.PUBLISHED):
        messages.info(request, _("Voting was already closed."))
        return redirect("proposal_detail", pk=proposal.pk)
    try:
        proposal = _move(proposal, action, request.user, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _moved_message(proposal, action))
    return redirect("proposal_detail", pk=proposal.pk)


# --- Attachments -------------------------------------------------------------------------------------------


@require_POST
@login_required
def attachment_upload(request, pk: int):
    proposal = _proposal(request, pk, "proposals.manage_proposal")
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
    proposal = _proposal(request, pk, "proposals.view_proposal")
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
