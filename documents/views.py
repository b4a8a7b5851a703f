"""The printed documents' pages: join slips, walk sheets, the register annex, a meeting's notice and ballots, and the
progress of large ones.

Small documents come back as the PDF of the request itself; large ones start a DocumentJob (on a POST) and
the secretary watches its progress page. Reading never writes: issuing missing join codes is a POST.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from community.models import Building, Community, Entrance
from core.access import refuse
from core.params import int_param
from documents import meetings as meeting_documents
from documents.builders import register_title, render_register, render_slips, render_walk_sheet, slips_title
from documents.jobs import job_allowed, job_file_type, job_volumes
from documents.models import DocumentJob
from documents.selectors import SlipScope, electorate_size, households_without_code, walk_sheet_entrances
from documents.services import document_job_start, slip_codes_issue_missing
from meetings.access import meeting_or_refuse
from proposals.models import Proposal

# Above these sizes a document is a background job rather than the answer to the request (bench/README.md:
# ~2,000 register rows or ~120 slips (15 sheets) take a few seconds in one render).
INLINE_SLIPS = 120
INLINE_REGISTER_ROWS = 2000
RECENT_JOBS = 5


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    number = int_param(value)
    if number is None:
        raise Http404
    return number


def _recent_jobs(user, **filters):
    return list(DocumentJob.objects.filter(requested_by=user, **filters).order_by("-pk")[:RECENT_JOBS])


# --- Join slips -------------------------------------------------------------------------------------------


def _slip_scope(request, community: Community):
    """(scope, place, filename part) from ?entrance= / ?building= / ?all=1, or (None, ..) for the chooser."""
    entrance_id, building_id = _int_param(request, "entrance"), _int_param(request, "building")
    if entrance_id is not None:
        entrance = get_object_or_404(
            Entrance.objects.select_related("building"), pk=entrance_id, building__community=community
        )
        scope = SlipScope(community=community, entrance_id=entrance.pk)
        return scope, str(entrance), f"{entrance.building.name}-{entrance.name}"
    if building_id is not None:
        building = get_object_or_404(Building, pk=building_id, community=community)
        return SlipScope(community=community, building_id=building.pk), str(building), building.name
    if request.GET.get("all") == "1":
        return SlipScope(community=community), community.name, "all"
    return None, "", ""


@never_cache
@require_http_methods(["GET", "POST"])
def join_slips(request, slug: str):
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("community.manage_join_codes", community):
        return refuse(request)
    scope, place, part = _slip_scope(request, community)
    if scope is None:
        entrances = (
            Entrance.objects.filter(building__community=community)
            .select_related("building")
            .annotate(households_count=Count("households"))
            .order_by("building__sort_key", "sort_key")
        )
        return render(request, "documents/slips_choose.html", {"community": community, "entrances": entrances})
    total = scope.households().count()
    inline = bool(scope.params) and total <= INLINE_SLIPS
    filename = f"join-slips-{community.slug}-{part}.pdf"
    if request.method == "POST":
        slip_codes_issue_missing(scope=scope, by=request.user)
        if inline:
            return pdf_response(render_slips(scope, base_url=_base_url(request), place=place), filename)
        job = document_job_start(
            kind="slips",
            community=community,
            by=request.user,
            title=slips_title(scope, place),
            filename=filename,
            params={**scope.params, "base_url": _base_url(request), "place": place},
        )
        return redirect("document_job", pk=job.pk)
    missing = households_without_code(scope).count()
    if inline and total and not missing:
        return pdf_response(render_slips(scope, base_url=_base_url(request), place=place), filename)
    context = {
        "community": community,
        "place": place,
        "total": total,
        "missing": missing,
        "inline": inline,
        "recent_jobs": _recent_jobs(request.user, kind="slips", community=community),
    }
    return render(request, "documents/slips_confirm.html", context)


# --- Walk sheets -------------------------------------------------------------------------------------------


@never_cache
@require_GET
def walk_sheet(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    if not request.user.has_perm("documents.print_walk_sheet", proposal):
        return refuse(request)
    entrances = walk_sheet_entrances(proposal, request.user)
    entrance_id = _int_param(request, "entrance")
    if entrance_id is None:
        return render(request, "documents/walk_sheet_choose.html", {"proposal": proposal, "entrances": entrances})
    entrance = entrances.filter(pk=entrance_id).first()
    if entrance is None:
        if Entrance.objects.filter(pk=entrance_id, building__community=proposal.community).exists():
            raise PermissionDenied  # an entrance of this community that is not this canvasser's
        raise Http404
    filename = f"walk-sheet-{proposal.number}-{entrance.building.name}-{entrance.name}.pdf"
    return pdf_response(render_walk_sheet(proposal, entrance), filename)


# --- The register annex --------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def register_pdf(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("community"), pk=pk)
    if not request.user.has_perm("voting.view_register", proposal):
        return refuse(request)
    size = electorate_size(proposal)
    context = {"proposal": proposal, "size": size}
    if not size:
        return render(request, "documents/register_none.html", context, status=409)
    filename = f"register-{proposal.community.slug}-{proposal.number}.pdf"
    if request.method == "POST":
        job = document_job_start(
            kind="register",
            community=proposal.community,
            proposal=proposal,
            by=request.user,
            title=register_title(proposal),
            filename=filename,
        )
        return redirect("document_job", pk=job.pk)
    if size <= INLINE_REGISTER_ROWS:
        return pdf_response(render_register(proposal), filename)
    context["recent_jobs"] = _recent_jobs(request.user, kind="register", proposal=proposal)
    return render(request, "documents/register_large.html", context)


# --- Jobs: progress page, progress JSON, download ------------------------------------------------------------


def _job_or_refuse(request, pk: int):
    job = get_object_or_404(DocumentJob.objects.select_related("community", "proposal__community"), pk=pk)
    if not request.user.is_authenticated or not job_allowed(request.user, job):
        return job, refuse(request)
    return job, None


def job_json(job: DocumentJob) -> dict:
    state = job.shown_state
    message = job.message
    if job.is_stale:
        message = _("The document stopped being made (the server may have restarted). Please start it again.")
    return {
        "id": job.pk,
        "state": state,
        "state_label": str(DocumentJob.State(state).label),
        "pages_done": job.pages_done,
        "pages_total": job.pages_total,
        "percent": job.percent,
        "message": message,
        "download_url": reverse("document_job_download", args=[job.pk]) if state == DocumentJob.State.DONE else None,
        **_download_words(job_volumes(job)),
    }


def _download_words(volumes: int) -> dict:
    """The download button's words and what the file is: one PDF, or a ZIP of `volumes` PDF volumes."""
    if not volumes:
        return {"download_label": _("Download the PDF"), "download_note": ""}
    return {
        "download_label": ngettext(
            "Download the ZIP (%(volumes)s volume)", "Download the ZIP (%(volumes)s volumes)", volumes
        )
        % {"volumes": volumes},
        "download_note": ngettext(
            "The document is a ZIP of %(volumes)s PDF volume, in walking order: print each volume on its own.",
            "The document is a ZIP of %(volumes)s PDF volumes, in walking order: print each volume on its own.",
            volumes,
        )
        % {"volumes": volumes},
    }


@never_cache
@require_GET
def job_detail(request, pk: int):
    job, refusal = _job_or_refuse(request, pk)
    if refusal:
        return refusal
    return render(request, "documents/job.html", {"job": job, "status": job_json(job)})


@never_cache
@require_GET
def job_progress(request, pk: int):
    job, refusal = _job_or_refuse(request, pk)
    if refusal:
        return refusal
    return JsonResponse(job_json(job))


@never_cache
@require_GET
def job_download(request, pk: int):
    job, refusal = _job_or_refuse(request, pk)
    if refusal:
        return refusal
    if job.shown_state != DocumentJob.State.DONE or not job.file:
        raise Http404
    content_type, filename = job_file_type(job)
    response = FileResponse(
        job.file.open("rb"),
        content_type=content_type,
        as_attachment=content_type != "application/pdf",
        filename=filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- An owners' meeting: the notice and the batch of ballots --------------------------------------------------------


def _meeting_refused(request, meeting, reason: str):
    """The page saying why a meeting's document cannot be made now (nothing was started)."""
    context = {"meeting": meeting, "community": meeting.community, "reason": reason}
    return render(request, "documents/meeting_refused.html", context, status=409)


@never_cache
@require_GET
def meeting_notice_pdf(request, pk: int):
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal is not None:
        return refusal
    reason = meeting_documents.refusal(meeting)
    if reason:
        return _meeting_refused(request, meeting, reason)
    pdf = meeting_documents.render_notice(meeting, base_url=_base_url(request))
    return pdf_response(pdf, meeting_documents.notice_filename(meeting))


@never_cache
@require_http_methods(["GET", "POST"])
def meeting_ballots(request, pk: int):
    """GET: how many ballots, for the whole meeting and building by building, and the buttons; POST (?building= for
    one building): the batch starts as a document job (its progress page)."""
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.manage_meeting")
    if refusal is not None:
        return refusal
    reason = meeting_documents.ballots_refusal(meeting)
    if reason:
        return _meeting_refused(request, meeting, reason)
    buildings = meeting_documents.electorate_buildings(meeting)
    building_id = _int_param(request, "building")
    building = None
    if building_id is not None:
        building = next((b for b, _count in buildings if b.pk == building_id), None)
        if building is None:
            raise Http404
    if request.method == "POST":
        job = document_job_start(
            kind="meeting_ballots",
            community=meeting.community,
            by=request.user,
            title=meeting_documents.ballots_title(meeting, building),
            filename=meeting_documents.ballots_filename(meeting, building),
            params={
                "meeting": meeting.pk,
                "base_url": _base_url(request),
                **({"building": building.pk} if building else {}),
            },
        )
        return redirect("document_job", pk=job.pk)
    size = sum(count for _building, count in buildings)
    per_volume = meeting_documents.ballots_per_volume()
    context = {
        "meeting": meeting,
        "community": meeting.community,
        "size": size,
        "representatives": meeting_documents.is_representatives_meeting(meeting),
        "per_volume": per_volume,
        "volumes": -(-size // per_volume) if size > per_volume else 0,
        "buildings": buildings if len(buildings) > 1 else [],
        "recent_jobs": _recent_jobs(
            request.user, kind="meeting_ballots", community=meeting.community, params__meeting=meeting.pk
        ),
    }
    return render(request, "documents/meeting_ballots.html", context)
