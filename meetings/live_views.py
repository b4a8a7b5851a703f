"""The meeting's live tally pages: tally.json (the socket's JSON), the big screen for the hall, and the tally part
of the meeting page. Totals only, for whoever may read the meeting."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.params import int_param
from meetings.access import meeting_or_refuse
from meetings.models import AgendaItem, Meeting, MeetingState
from meetings.tally import meeting_tally_json
from voting import engine
from voting.views.household import tally_display, tally_strings

# How long the big screen shows each matter and election before the next: 10 s, or ?every=<seconds> (2 to 60).
SCREEN_SLIDE_SECONDS, SCREEN_SLIDE_RANGE = 10, (2, 60)


def _json_error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def meeting_tally(request, pk: int):
    """The same JSON as the socket. A JSON client gets a JSON 403, not a login page."""
    meeting = Meeting.objects.select_related("community").filter(pk=pk).first()
    if meeting is None:
        return _json_error("not found", 404)
    if not request.user.has_perm("meetings.view_meeting", meeting):
        return _json_error("forbidden", 403)
    response = JsonResponse(meeting_tally_json(meeting))
    response["Cache-Control"] = "no-store"
    return response


def meeting_tally_strings(electorate: str = engine.OWNERS) -> dict:
    """The words of the tally (voting's, a head being a representative at a representatives' meeting) and of the
    elections' part, for meeting.js."""
    return tally_strings(electorate) | {
        "elected": _("Elected"),
        "tied": _("Tied: run-off"),
        "alternate": _("Alternate"),
        "qualified": _("Qualified"),
        "not_qualified": _("Not qualified"),
    }


def shows_tally(meeting: Meeting) -> bool:
    """Voting has opened: there is a tally to show (before, every count is nobody)."""
    return meeting.state in (MeetingState.VOTING, MeetingState.CLOSED)


def tally_context(meeting: Meeting) -> dict:
    """What meetings/_tally.html renders at page load (it works without JS): every matter with its number and title
    as voting's tally part shows it, and each election. Three queries (the titles, the agenda, the counts)."""
    strings = meeting_tally_strings(meeting.electorate)
    data = meeting_tally_json(meeting)
    titles = {}
    for number, (proposal_id, title, election_id) in enumerate(
        AgendaItem.objects.filter(meeting_id=meeting.pk)
        .order_by("position")
        .values_list("proposal_id", "proposal__title", "election__pk"),
        start=1,
    ):
        titles[("m", proposal_id) if proposal_id else ("e", election_id)] = (number, title)
    matters = [
        {
            "number": titles.get(("m", each["proposal"]), (0, ""))[0],
            "title": titles.get(("m", each["proposal"]), (0, ""))[1],
            "tally": each,
            "view": tally_display(each, strings),
        }
        for each in data["matters"]
    ]
    elections = []
    for each in data["elections"]:
        elected, tied, alternates = set(each["elected"]), set(each["tied"]), set(each["next"])
        candidates = []
        for candidate in each["candidates"]:
            pk = candidate["candidate"]
            standing = "elected" if pk in elected else "tied" if pk in tied else "alternate" if pk in alternates else ""
            candidates.append({**candidate, "standing": standing})
        elections.append(
            {"number": titles.get(("e", each["election"]), (0, ""))[0], "data": each, "candidates": candidates}
        )
    closed = data["state"] == MeetingState.CLOSED
    return {
        "meeting_tally": data,
        "tally_matters": matters,
        "tally_elections": elections,
        "tally_strings": strings,
        "tally_closed": closed,
        "ws_path": f"/ws/meetings/{meeting.pk}/",
        "json_url": reverse("meeting_tally_json", args=[meeting.pk]),
    }


@never_cache
@require_safe
def meeting_screen(request, pk: int):
    """The hall's big screen: large type, cycling through the matters and the elections every ~10 s."""
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal is not None:
        return refusal
    every = int_param(request.GET.get("every", ""))
    low, high = SCREEN_SLIDE_RANGE
    seconds = min(max(every, low), high) if every is not None else SCREEN_SLIDE_SECONDS
    context = {"meeting": meeting, "community": meeting.community, "slide_ms": seconds * 1000, **tally_context(meeting)}
    return render(request, "meetings/screen.html", context)
