"""The committee's lifecycle buttons: start the consultation, open and close voting, publish, withdraw. Opening and
closing voting cannot be undone, so each is asked first on a page of its own (a GET that only reads)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from lifecycle.selectors import open_preview
from lifecycle.services import proposal_close, proposal_open_voting, proposal_publish
from proposals.access import proposal_for
from proposals.forms import DATETIME_LOCAL_FORMAT, MoveForm, allowed_actions, default_closes_at
from proposals.models import Proposal, State
from proposals.services import proposal_start_consultation, proposal_withdraw
from voting.selectors import tally_json


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


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


def _open_confirm(request, proposal: Proposal, *, closes_at: str = "", opens_at: str = ""):
    context = {
        "proposal": proposal,
        "preview": open_preview(proposal),
        "closes_at": closes_at or default_closes_at().strftime(DATETIME_LOCAL_FORMAT),
        "opens_at": opens_at,
    }
    return render(request, "lifecycle/open_confirm.html", context)


def _close_confirm(request, proposal: Proposal):
    return render(request, "lifecycle/close_confirm.html", {"proposal": proposal, "tally": tally_json(proposal)})


@login_required
@require_GET
@never_cache
def proposal_open_confirm(request, pk: int):
    """Asks before voting opens, saying what will be frozen: the households, their area, the cost plan."""
    proposal = proposal_for(request, pk, "proposals.manage_proposal")
    if "open" not in allowed_actions(proposal.state):
        return redirect("proposal_detail", pk=proposal.pk)
    return _open_confirm(request, proposal)


@login_required
@require_GET
@never_cache
def proposal_close_confirm(request, pk: int):
    """Asks before voting closes, with the participation so far and the result if closed now."""
    proposal = proposal_for(request, pk, "proposals.manage_proposal")
    if proposal.state != State.VOTING:
        return redirect("proposal_detail", pk=proposal.pk)
    return _close_confirm(request, proposal)


@require_POST
@login_required
def proposal_move(request, pk: int):
    proposal = proposal_for(request, pk, "proposals.manage_proposal")
    form = MoveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        if request.POST.get("action") == "open" and request.POST.get("confirm"):
            return redirect("proposal_open_confirm", pk=proposal.pk)  # back to the form, with the message
        return redirect("proposal_detail", pk=proposal.pk)
    action = form.cleaned_data["action"]
    # Opening and closing cannot be undone: unconfirmed, they show the page that asks, without relying on JavaScript.
    if action == "open" and proposal.state == State.CONSULTATION and not form.cleaned_data["confirm"]:
        return _open_confirm(
            request, proposal, closes_at=request.POST.get("closes_at", ""), opens_at=request.POST.get("opens_at", "")
        )
    if action == "close" and proposal.state == State.VOTING and not form.cleaned_data["confirm"]:
        return _close_confirm(request, proposal)
    if action == "close" and proposal.state in (State.CLOSED, State.PUBLISHED):
        messages.info(request, _("Voting was already closed."))
        return redirect("proposal_detail", pk=proposal.pk)
    try:
        proposal = _move(proposal, action, request.user, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        if action == "open" and proposal.state == State.CONSULTATION:
            return redirect("proposal_open_confirm", pk=proposal.pk)
    else:
        messages.success(request, _moved_message(proposal, action))
    return redirect("proposal_detail", pk=proposal.pk)
