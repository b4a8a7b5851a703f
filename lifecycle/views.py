"""The committee's lifecycle buttons: start the consultation, open and close voting, publish, withdraw."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lifecycle.services import proposal_close, proposal_open_voting, proposal_publish
from proposals.access import proposal_for
from proposals.forms import MoveForm
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


@require_POST
@login_required
def proposal_move(request, pk: int):
    proposal = proposal_for(request, pk, "proposals.manage_proposal")
    form = MoveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("proposal_detail", pk=proposal.pk)
    action = form.cleaned_data["action"]
    if action == "close" and proposal.state == State.VOTING and not form.cleaned_data["confirm"]:
        # Closing cannot be undone: a second page asks first, without relying on JavaScript.
        return render(request, "lifecycle/close_confirm.html", {"proposal": proposal, "tally": tally_json(proposal)})
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
