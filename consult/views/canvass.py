"""Canvassing pages: assignments and demand tags (committee), the phone walk list and visits (canvassers, also sent
later from an offline phone as JSON), the live building board, the demands summary and the canvass outcome."""

import json
import uuid
from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from community.models import Building, Entrance, Household
from config.xlsx import XLSX_TYPE
from consult import selectors, services, xlsx
from consult.models import Assignment, DemandTag, Visit
from core.params import int_param
from proposals.access import proposal_for
from proposals.models import Proposal
from voting.models import Choice

# Offered on the tags page; saved in the committee's language like any tag it types.
PRESET_TAGS = [
    gettext_lazy("cost"),
    gettext_lazy("location"),
    gettext_lazy("noise"),
    gettext_lazy("safety"),
    gettext_lazy("charging"),
    gettext_lazy("parking"),
]
# The buttons of the record form: one tap records the outcome and, if somebody was met, the stance.
RESULTS = {
    Visit.Stance.SUPPORT: (Visit.Outcome.MET, Visit.Stance.SUPPORT),
    Visit.Stance.OPPOSE: (Visit.Outcome.MET, Visit.Stance.OPPOSE),
    Visit.Stance.UNDECIDED: (Visit.Outcome.MET, Visit.Stance.UNDECIDED),
    Visit.Stance.CONDITIONAL: (Visit.Outcome.MET, Visit.Stance.CONDITIONAL),
    Visit.Outcome.NOBODY_HOME: (Visit.Outcome.NOBODY_HOME, ""),
    Visit.Outcome.REFUSED: (Visit.Outcome.REFUSED, ""),
}


# --- Assignments and tags (committee) -----------------------------------------------------------------------


@login_required
def assignments(request, pk: int):
    proposal = proposal_for(request, pk, "consult.manage_canvassing")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                assignment = get_object_or_404(
                    Assignment, pk=int_param(request.POST.get("assignment")) or 0, proposal=proposal
                )
                services.assignment_remove(assignment=assignment, by=request.user)
                messages.success(request, _("Assignment removed: %(what)s.") % {"what": assignment})
            else:
                canvasser, building, entrance = _assignment_input(request, proposal)
                assignment = services.assignment_create(
                    proposal=proposal, canvasser=canvasser, building=building, entrance=entrance, by=request.user
                )
                messages.success(request, _("Assigned: %(what)s.") % {"what": assignment})
        except services.CanvassError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("canvass_assignments", pk=proposal.pk)
    entrances = selectors.canvass_entrances(proposal)
    buildings = list({entrance.building_id: entrance.building for entrance in entrances}.values())
    by_canvasser: dict[int, dict] = {}
    for assignment in selectors.assignment_list(proposal):
        entry = by_canvasser.setdefault(assignment.canvasser_id, {"canvasser": assignment.canvasser, "items": []})
        entry["items"].append(assignment)
    return render(
        request,
        "consult/canvass_assignments.html",
        {
            "proposal": proposal,
            "canvassing": proposal.state in selectors.CANVASS_STATES,
            "groups": list(by_canvasser.values()),
            "people": selectors.canvasser_choices(proposal.community),
            "buildings": buildings,
            "entrances": entrances,
        },
    )


def _assignment_input(request, proposal: Proposal):
    """(canvasser, building, entrance) from the add form; a clear message for anything missing or foreign."""
    canvasser_id = int_param(request.POST.get("canvasser"))
    canvasser = get_user_model().objects.filter(pk=canvasser_id).first() if canvasser_id else None
    if canvasser is None:
        raise services.CanvassError(_("Choose a person to assign."))
    target = str(request.POST.get("target", ""))
    kind, _sep, target_id = target.partition("-")
    target_id = int_param(target_id)
    building = entrance = None
    if kind == "b" and target_id:
        building = Building.objects.filter(pk=target_id, community=proposal.community).first()
    elif kind == "e" and target_id:
        entrance = (
            Entrance.objects.select_related("building")
            .filter(pk=target_id, building__community=proposal.community)
            .first()
        )
    if building is None and entrance is None:
        raise services.CanvassError(_("Choose a building or an entrance of this community."))
    return canvasser, building, entrance


@login_required
def tags(request, pk: int):
    proposal = proposal_for(request, pk, "consult.manage_canvassing")
    community = proposal.community
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                tag = get_object_or_404(DemandTag, pk=int_param(request.POST.get("tag")) or 0, community=community)
                services.demand_tag_remove(tag=tag, by=request.user)
                messages.success(request, _("Tag removed: %(name)s.") % {"name": tag.name})
            else:
                tag = services.demand_tag_create(
                    community=community, name=request.POST.get("name", ""), by=request.user
                )
                messages.success(request, _("Tag added: %(name)s.") % {"name": tag.name})
        except services.CanvassError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("canvass_tags", pk=proposal.pk)
    existing = list(DemandTag.objects.filter(community=community).annotate(used=Count("visits")).order_by("name"))
    names = {tag.name for tag in existing}
    return render(
        request,
        "consult/canvass_tags.html",
        {
            "proposal": proposal,
            "tags": existing,
            "presets": [str(name) for name in PRESET_TAGS if str(name) not in names],
            "max_length": services.TAG_NAME_MAX_LENGTH,
        },
    )


# --- The walk list and visits (canvassers) ------------------------------------------------------------------


def _walk_context(request, proposal: Proposal, *, entrance_id=None, household_id=None, form=None) -> dict:
    """Everything the walk list shows, in a constant number of queries."""
    user = request.user
    manage = user.has_perm("consult.manage_canvassing", proposal)
    mine = selectors.assigned_entrance_ids(proposal, user)
    if not manage and not mine:
        raise PermissionDenied
    # The committee may look at any entrance; a canvasser sees only their own.
    entrances = selectors.canvass_entrances(proposal, None if manage else mine)
    entrance = next((e for e in entrances if e.pk == entrance_id), None)
    if entrance is None and entrance_id is not None:
        raise PermissionDenied  # not one of this user's entrances (or not in the scope)
    if entrance is None and entrances:
        entrance = next((e for e in entrances if e.pk in mine), entrances[0])
    floors = selectors.walk_floors(proposal, entrance) if entrance else []
    rooms = [room for floor in floors for room in floor.rooms]
    canvassing = proposal.state in selectors.CANVASS_STATES
    recordable = bool(entrance and entrance.pk in mine and canvassing)
    selected = next((room for room in rooms if room.id == household_id), None) if recordable else None
    visited = sum(1 for room in rooms if room.last)
    voted = sum(1 for room in rooms if room.voted)
    return {
        "proposal": proposal,
        "canvassing": canvassing,
        "entrances": entrances,
        "entrance": entrance,
        "floors": floors,
        "mine": mine,
        "manage": manage,
        "recordable": recordable,
        "selected": selected if selected and not selected.voted else None,
        "counts": {"total": len(rooms), "visited": visited, "voted": voted},
        "tags": selectors.demand_tags(proposal.community),
        "new_key": uuid.uuid4().hex,
        "today": timezone.localdate().isoformat(),
        "form": form or {},
        "walk_config": {
            "postUrl": reverse("visit_record", args=[proposal.pk]),
            "proposal": proposal.pk,
            "user": user.pk,
            "statuses": _status_labels(),
            "strings": _walk_strings(),
        },
    }


def _status_labels() -> dict:
    return {
        selectors.SUPPORT: Visit.Stance.SUPPORT.label,
        selectors.OPPOSE: Visit.Stance.OPPOSE.label,
        selectors.UNDECIDED: Visit.Stance.UNDECIDED.label,
        selectors.CONDITIONAL: Visit.Stance.CONDITIONAL.label,
        selectors.NOBODY_HOME: Visit.Outcome.NOBODY_HOME.label,
        selectors.REFUSED: Visit.Outcome.REFUSED.label,
        "-": _("not visited"),
    }


def _walk_strings() -> dict:
    return {
        "pending": _("%(n)s waiting to be sent"),
        "visited": _("visited %(visited)s of %(total)s"),
        "sending": _("sending…"),
        "waiting": _("waiting for a connection"),
        "failed": _("not recorded"),
        "login": _("Log in again to send the waiting visits."),
        "discard": _("Discard"),
        "retry": _("Send again"),
        "queued": _("waiting to be sent"),
        "reload": _("The page is out of date; reload it to send the waiting visits."),
        "storage": _("This phone cannot keep visits offline (private mode?); they are sent at once."),
    }


@login_required
def walk_list(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    return render(
        request,
        "consult/walk_list.html",
        _walk_context(
            request,
            proposal,
            entrance_id=int_param(request.GET.get("entrance")),
            household_id=int_param(request.GET.get("household")),
        ),
    )


class _BadInput(Exception):
    pass


def _parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    parsed = parse_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise _BadInput(_("The follow-up date is not a date."))
    return parsed


def _parse_moment(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = parse_datetime(str(value)) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise _BadInput(_("The time of the visit is not a time."))
    return parsed


def _visit_input(request, is_json: bool) -> dict:
    """The fields of one visit from the phone's JSON (the offline queue) or from the plain form."""
    if is_json:
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _BadInput(_("The visit could not be read.")) from None
        if not isinstance(data, dict):
            raise _BadInput(_("The visit could not be read."))
        tags = data.get("tags") or []
        if not isinstance(tags, list):
            raise _BadInput(_("The visit could not be read."))
        outcome, stance = data.get("outcome"), data.get("stance") or ""
        household, demands, key = data.get("household"), data.get("demands") or "", data.get("idempotency_key")
        follow_up_on, visited_at = data.get("follow_up_on"), data.get("visited_at")
    else:
        post = request.POST
        outcome, stance = RESULTS.get(post.get("result", ""), (post.get("outcome", ""), post.get("stance", "")))
        household, demands, key = post.get("household"), post.get("demands", ""), post.get("idempotency_key")
        tags, follow_up_on, visited_at = post.getlist("tags"), post.get("follow_up_on"), post.get("visited_at")
    if not all(isinstance(v, str) for v in (outcome, stance, demands)) or not isinstance(key, str):
        raise _BadInput(_("The visit could not be read."))
    household_id = household if isinstance(household, int) and not isinstance(household, bool) else int_param(household)
    if not household_id:
        raise _BadInput(_("Choose a household."))
    return {
        "household_id": household_id,
        "outcome": outcome,
        "stance": stance,
        "demands": demands,
        "tag_ids": tags,
        "follow_up_on": _parse_date(follow_up_on),
        "visited_at": _parse_moment(visited_at),
        "idempotency_key": key,
    }


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


@require_POST
def visit_record(request, pk: int):
    is_json = (request.content_type or "").startswith("application/json")
    if not request.user.is_authenticated:
        # A queued visit from a phone whose session ended: keep it queued, ask to log in.
        if is_json:
            return _json_error(_("Log in again to send the waiting visits."), 401)
        return redirect_to_login(reverse("walk_list", args=[pk]))
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    if not request.user.has_perm("consult.canvass", proposal):
        if is_json:
            return _json_error(_("You are not assigned to canvass for this proposal."), 403)
        raise PermissionDenied
    fields: dict = {}
    try:
        fields = _visit_input(request, is_json)
        household = Household.objects.select_related("entrance__building").filter(pk=fields.pop("household_id")).first()
        if household is None:
            raise _BadInput(_("This household does not exist (any more)."))
        visit, created = services.visit_record(proposal=proposal, household=household, canvasser=request.user, **fields)
    except PermissionDenied as error:
        message = str(error) or _("You are not assigned to this household's building or entrance.")
        if is_json:
            return _json_error(message, 403)
        raise
    except (services.CanvassError, _BadInput) as error:
        message = " ".join(error.messages) if isinstance(error, services.CanvassError) else str(error)
        if is_json:
            return _json_error(message, 409 if isinstance(error, services.KeyConflict) else 400)
        return _form_error(request, proposal, message)
    if is_json:
        return JsonResponse(
            {"ok": True, "created": created, **selectors.visit_summary(visit)}, status=201 if created else 200
        )
    text = visit.get_stance_display() if visit.stance else selectors.OUTCOME_LABELS[visit.outcome]
    if created:
        messages.success(request, _("Recorded for %(room)s: %(result)s.") % {"room": household.code, "result": text})
    else:
        messages.info(request, _("Already recorded for %(room)s.") % {"room": household.code})
    url = reverse("walk_list", args=[proposal.pk]) + f"?entrance={household.entrance_id}#h-{household.pk}"
    return redirect(url)


def _form_error(request, proposal: Proposal, message: str):
    """The walk list again with the form as it was sent and what is wrong with it; nothing was written."""
    post = request.POST
    messages.error(request, message)
    context = _walk_context(
        request,
        proposal,
        entrance_id=int_param(post.get("entrance")),
        household_id=int_param(post.get("household")),
        form={
            "demands": post.get("demands", ""),
            "tags": {t for t in post.getlist("tags")},
            "follow_up_on": post.get("follow_up_on", ""),
        },
    )
    if context["selected"] is not None:
        context["new_key"] = post.get("idempotency_key") or context["new_key"]
    return render(request, "consult/walk_list.html", context, status=400)


# --- The live board -----------------------------------------------------------------------------------------


def _board_view(request, proposal: Proposal) -> selectors.BoardView:
    building = int_param(request.GET.get("building"))
    return selectors.board_view_for(proposal, request.user, building)


@login_required
def board(request, pk: int):
    proposal = proposal_for(request, pk, "consult.view_board")
    view = _board_view(request, proposal)
    query = f"?building={view.building_id}" if view.building_id else ""
    return render(
        request,
        "consult/board.html",
        {
            "proposal": proposal,
            "view": view,
            "can_walk": bool(view.entrance_ids) or request.user.has_perm("consult.manage_canvassing", proposal),
            "buildings": selectors.board_buildings(proposal, view),
            "json_url": reverse("canvass_board_json", args=[proposal.pk]) + query,
            "ws_path": f"/ws/proposals/{proposal.pk}/board/{query}",
            "board_strings": {
                "statuses": _status_labels(),
                "voted": _("voted"),
                "visited": _("visited"),
                "households": _("households visited"),
                "visits": _("number of visits"),
                "reached": _("households met"),
                "name": _("Canvasser"),
                "areas": _("Assigned to"),
                "floor": _("F%(n)s"),
                "follow_up": _("follow up on %(date)s"),
                "nobody_home": _("nobody home"),
                "more": _("… and %(n)s more"),
                "none": _("Nobody to revisit."),
                "no_canvassers": _("No canvasser has been assigned yet."),
                "empty": _("No household to show."),
                "live": _("live"),
                "connecting": _("connecting…"),
                "polling": _("updating every 10 seconds"),
                "offline": _("not updating"),
            },
        },
    )


@never_cache
@login_required
def board_json(request, pk: int):
    proposal = proposal_for(request, pk, "consult.view_board")
    return JsonResponse(
        selectors.board_json(proposal, _board_view(request, proposal)), json_dumps_params={"ensure_ascii": False}
    )


# --- Demands and outcome (committee and secretary) ----------------------------------------------------------


@login_required
def demands(request, pk: int):
    proposal = proposal_for(request, pk, "consult.view_demands")
    building = None
    building_id = request.GET.get("building", "")
    if building_id:
        building = get_object_or_404(Building, pk=int_param(building_id) or 0, community=proposal.community)
    summary = selectors.demands_summary(proposal, building_id=building.pk if building else None)
    if request.GET.get("format") == "xlsx":
        about = [
            (_("Proposal"), str(proposal)),
            (_("Community"), proposal.community.name),
            (_("Building"), str(building) if building else _("all buildings")),
            (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ]
        response = HttpResponse(xlsx.demands_xlsx(summary=summary, about=about), content_type=XLSX_TYPE)
        name = f"demands-{proposal.community.slug}-{proposal.number}" + (f"-b{building.pk}" if building else "")
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    return render(
        request,
        "consult/demands_summary.html",
        {
            "proposal": proposal,
            "summary": summary,
            "building": building,
            "buildings": list(Building.objects.filter(community=proposal.community).order_by("sort_key")),
        },
    )


@login_required
def canvass_outcome(request, pk: int):
    proposal = proposal_for(request, pk, "consult.view_demands")
    available = proposal.state in selectors.ELECTORATE_STATES
    total, buildings = selectors.canvass_outcome(proposal) if available else (None, [])
    labels = _status_labels()
    rows = [(code or "-", labels[code or "-"]) for code in selectors.OUTCOME_ROWS]
    columns = [(choice.value, choice.label) for choice in Choice] + [(selectors.NO_BALLOT, _("did not vote"))]
    row_codes, column_codes = list(selectors.OUTCOME_ROWS), [code for code, _label in columns]

    def table(cross):
        grid = cross.grid(row_codes, column_codes)
        body = [
            {"code": code, "label": label, "cells": cells} for (code, label), cells in zip(rows, grid, strict=False)
        ]
        return {"cross": cross, "rows": body, "totals": grid[-1]}

    return render(
        request,
        "consult/canvass_outcome.html",
        {
            "proposal": proposal,
            "available": available,
            "total": table(total) if total else None,
            "buildings": [table(cross) for cross in buildings],
            "columns": columns,
        },
    )
