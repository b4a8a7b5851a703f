"""A household's whole ballot on its phone: one page with every matter and election, one confirmation, one receipt.

As for a proposal: the page's form GETs the confirmation page (read afresh on every visit, so the back button asks
the server again), whose button POSTs the same answers with confirm=1.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from meetings.access import meeting_or_refuse
from meetings.ballots import meeting_ballot_cast
from meetings.forms import MeetingBallotForm
from meetings.models import BlankCountsAs, Meeting
from meetings.selectors import MySeat, agenda_rows, meeting_status, meeting_window_refusal, my_meeting_seats
from proposals.models import Proposal
from voting.models import Channel, Choice
from voting.services import VotingError


def _castable(seats: list[MySeat]) -> list[MySeat]:
    return [seat for seat in seats if seat.elector is not None and not seat.refusal]


@never_cache
@require_GET
def meeting_ballot(request, pk: int):
    """The household's ballot: every matter and election, its answers so far filled in, while voting is open."""
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal is not None:
        return refusal
    rows = agenda_rows(meeting)
    seats = my_meeting_seats(meeting, request.user) if request.user.is_authenticated else []
    ballots = [(seat, _items(rows, seat)) for seat in _castable(seats)]
    return render(
        request,
        "meetings/ballot.html",
        {
            "community": meeting.community,
            "meeting": meeting,
            "rows": rows,
            "seats": seats,
            "ballots": ballots,
            "status": meeting_status(meeting),
            "open": meeting_status(meeting) == Proposal.OPEN,
            "choices": Choice.choices,
        },
    )


def _items(rows, seat: MySeat) -> list[dict]:
    """The agenda as the seat's form shows it: each matter with its current choice, each election with its
    candidates and whether the household agrees with each now."""
    ballot = seat.ballot
    items = []
    for row in rows:
        if row.election is None:
            items.append({"row": row, "choice": ballot.matters.get(row.item.proposal_id, "") if ballot else ""})
        else:
            chosen = (ballot.elections.get(row.election.pk) if ballot else None) or frozenset()
            items.append({"row": row, "candidates": [(c, c.pk in chosen) for c in row.election.candidates.all()]})
    return items


def _seat_for(request, meeting: Meeting, form) -> MySeat:
    """The seat the form votes for: one of the user's castable households, else a clear refusal (or 403)."""
    if not form.is_valid():
        return None
    household_id = form.cleaned_data["household"]
    for seat in my_meeting_seats(meeting, request.user):
        if seat.household.pk == household_id:
            if seat.elector is None:
                messages.error(request, _("This household is not in the electorate of this meeting."))
                return None
            if seat.refusal:
                messages.error(request, seat.refusal)
                return None
            return seat
    raise PermissionDenied


def _summary(form: MeetingBallotForm, meeting: Meeting) -> list[dict]:
    """Each item as the confirmation page reads it back: the answer in words, or what a blank counts as."""
    blank = (
        _("left blank: counts as abstaining")
        if meeting.blank_counts_as == BlankCountsAs.ABSTENTION
        else _("left blank: counts as not taking part")
    )
    lines = []
    for row in form.rows:
        if row.election is None:
            choice = form.cleaned_data.get(f"m{row.item.proposal_id}")
            lines.append(
                {"row": row, "answer": Choice(choice).label if choice else blank, "choice": choice, "blank": not choice}
            )
        else:
            chosen = set(form.cleaned_data.get(f"e{row.election.pk}") or ())
            names = [c.name for c in row.election.candidates.all() if c.pk in chosen]
            lines.append({"row": row, "answer": "、".join(names) or blank, "names": names, "blank": not names})
    return lines


def _confirm(request, meeting: Meeting, seat: MySeat, form: MeetingBallotForm):
    return render(
        request,
        "meetings/ballot_confirm.html",
        {
            "community": meeting.community,
            "meeting": meeting,
            "seat": seat,
            "form": form,
            "lines": _summary(form, meeting),
            "hidden": [(name, value) for name, value in request.GET.lists() if name != "confirm"]
            if request.method == "GET"
            else [
                (name, value) for name, value in request.POST.lists() if name not in ("confirm", "csrfmiddlewaretoken")
            ],
        },
    )


def _checked(request, pk: int, data):
    """(meeting, seat, form) of a ballot the user may cast now; else (None, response)."""
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal is not None:
        return None, refusal
    if problem := meeting_window_refusal(meeting):
        messages.error(request, problem)
        return None, redirect("meeting_ballot", pk=meeting.pk)
    form = MeetingBallotForm(agenda_rows(meeting), data)
    seat = _seat_for(request, meeting, form)
    if seat is None:
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return None, redirect("meeting_ballot", pk=meeting.pk)
    return (meeting, seat, form), None


@never_cache
@require_GET
def meeting_ballot_confirm(request, pk: int):
    """Step 1: the whole ballot read back, with the blanks and what they count as, before anything is recorded."""
    checked, response = _checked(request, pk, request.GET)
    if response is not None:
        return response
    return _confirm(request, *checked)


@never_cache
@require_POST
def meeting_ballot_submit(request, pk: int):
    """Step 2 (confirm=1): record the whole ballot and go back to the ballot page with its receipt."""
    checked, response = _checked(request, pk, request.POST)
    if response is not None:
        return response
    meeting, seat, form = checked
    if not form.cleaned_data["confirm"]:
        return _confirm(request, meeting, seat, form)
    before = seat.ballot.receipt if seat.ballot else ""
    try:
        receipt = meeting_ballot_cast(
            meeting=meeting,
            household=seat.household,
            answers=form.answers(),
            channel=Channel.ONLINE,
            by=request.user,
        )
    except VotingError as error:
        messages.error(request, error.messages[0])
        return redirect("meeting_ballot", pk=meeting.pk)
    if receipt == before:
        messages.success(
            request, _("Already recorded, receipt code %(receipt)s. Nothing changed.") % {"receipt": receipt}
        )
    else:
        messages.success(request, _("Your whole ballot is recorded, receipt code %(receipt)s") % {"receipt": receipt})
    return redirect("meeting_ballot", pk=meeting.pk)
