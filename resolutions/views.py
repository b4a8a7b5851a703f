"""The resolution's pages: the resolution page (sign, print, notices), its PDF and annex, the result notices' PDFs,
and the public verification page a printed QR code opens (or a pasted fingerprint or document text). A proposal's
and an owners' meeting's resolution share every step here; only the permission checked first differs."""

import contextlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.throttle import Limit, client_ip
from documents.chunked import merge_pdfs
from documents.models import DocumentJob
from documents.services import document_job_start
from meetings.access import meeting_or_refuse
from meetings.models import Meeting
from proposals.access import proposal_or_refuse
from proposals.models import Proposal
from resolutions import canonical as resolution
from resolutions.documents import (
    ANNEX_JOB_KIND,
    annex_pdf,
    annex_title,
    content_view,
    notice_pdf,
    resolution_pdf,
)
from resolutions.forms import NoticeForm, SignForm, VerifyForm
from resolutions.models import NoticeStage, Resolution, ResultNotice, SignerRole
from resolutions.selectors import (
    annex_rows,
    has_result,
    notices_of,
    resolution_by_fingerprint,
    resolution_by_text,
    resolution_canonical,
    resolution_check,
    resolution_state,
    signatures_of,
    signer_role,
    subject_of,
)
from resolutions.services import resolution_sign as sign_service
from resolutions.services import result_notice_publish

# Up to this many households the annex is rendered in the request (documents.views uses the same bound); above it
# the register annex is a background job of the documents app.
INLINE_ANNEX_ROWS = 2000
# The public check rebuilds a record: enough for a person scanning codes, not for a script hammering the page.
VERIFY_PER_CLIENT = Limit("verify-ip", max_hits=30, window=60)

# The content's sections as a reader of the verification page knows them.
SECTION_NAMES = {
    "proposal": gettext_lazy("the proposal's text"),
    "community": pgettext_lazy("verification section", "the community"),
    "convener": gettext_lazy("the convener"),
    "scope": gettext_lazy("the scope"),
    "rule": gettext_lazy("the decision rule"),
    "voting": gettext_lazy("the voting period"),
    "electorate": gettext_lazy("the electorate"),
    "tally": gettext_lazy("the tally"),
    "channels": gettext_lazy("how owners voted"),
    "costs": gettext_lazy("the cost sharing"),
    "positions": gettext_lazy("the parties' positions"),
    "ballots": gettext_lazy("the ballot log"),
    "format": gettext_lazy("the format"),
    "meeting": gettext_lazy("the meeting"),
    "matters": gettext_lazy("the matters and their results"),
    "elections": gettext_lazy("the elections and their results"),
    "(all)": gettext_lazy("the record as a whole (it no longer matches the printed fingerprint)"),
}


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _verify_url(request, fingerprint: str) -> str:
    return request.build_absolute_uri(reverse("resolution_verify", args=[fingerprint])) if fingerprint else ""


def _no_result(request, proposal: Proposal):
    return render(request, "resolutions/resolution_none.html", {"proposal": proposal}, status=409)


# --- The resolution page ------------------------------------------------------------------------------------------


def _page(request, subject, *, template: str, extra: dict):
    """The resolution page of a proposal or a meeting whose result is in (the caller checked who may read it)."""
    state = resolution_state(subject, request.user)
    can_sign = request.user.has_perm("resolutions.sign_resolution", subject) and not state.signed_by_me
    role = signer_role(request.user, subject.community) if can_sign else None
    notices = notices_of(subject)
    preliminary = notices.get(NoticeStage.PRELIMINARY)
    context = {
        "res": state,
        "can_sign": can_sign and role is not None,
        "signer_role": SignerRole(role).label if role else "",
        "can_publish": request.user.has_perm("resolutions.publish_result_notice", subject),
        "sign_form": SignForm(),
        "preliminary": preliminary,
        "final": notices.get(NoticeStage.FINAL),
        "final_open": preliminary is not None and preliminary.objections_until <= timezone.now(),
        "preliminary_form": NoticeForm(initial={"stage": NoticeStage.PRELIMINARY}),
        "final_form": NoticeForm(initial={"stage": NoticeStage.FINAL}),
        "subject_pk": subject.pk,
        **extra,
    }
    return render(request, template, context)


@never_cache
@require_GET
def resolution_page(request, pk: int):
    proposal, refusal = proposal_or_refuse(request, pk, "proposals.view_proposal")
    if refusal:
        return refusal
    if not has_result(proposal):
        return _no_result(request, proposal)
    extra = {
        "proposal": proposal,
        "can_annex": request.user.has_perm("voting.view_register", proposal),
        "large_annex": proposal.electorate_households > INLINE_ANNEX_ROWS,
        "sign_url": reverse("resolution_sign", args=[proposal.pk]),
        "notice_url": reverse("notice_publish", args=[proposal.pk]),
        "notice_pdf_name": "notice_pdf",
        "final_publishes": _("Publishing the final notice also publishes the result of the proposal.")
        if proposal.state == "closed"
        else "",
    }
    return _page(request, proposal, template="resolutions/resolution.html", extra=extra)


def _signed(request, signature) -> None:
    messages.success(
        request,
        _("You signed the resolution at %(when)s. Fingerprint %(fingerprint)s.")
        % {
            "when": timezone.localtime(signature.signed_at).strftime("%Y-%m-%d %H:%M"),
            "fingerprint": signature.resolution.fingerprint[:16] + "…",
        },
    )


def _sign(request, **subject):
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter your password to sign."))
        return
    try:
        signature = sign_service(**subject, user=request.user, password=form.cleaned_data["password"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _signed(request, signature)


@require_POST
def resolution_sign(request, pk: int):
    # Anybody who may read the proposal gets an answer; the service says who may sign and in which capacity.
    proposal, refusal = proposal_or_refuse(request, pk, "proposals.view_proposal")
    if refusal:
        return refusal
    _sign(request, proposal=proposal)
    return redirect("resolution", pk=proposal.pk)


# --- The PDF and its annex --------------------------------------------------------------------------------------


def _content_and_record(subject):
    """(content, record, signatures): the frozen content once signed, else the content computed now."""
    state = resolution_state(subject, None)
    if state.record is not None:
        return resolution.load(state.record.content), state.record, state.signatures
    return resolution.load(resolution_canonical(subject)), None, []


@never_cache
@require_GET
def resolution_document(request, pk: int):
    proposal, refusal = proposal_or_refuse(request, pk, "proposals.view_proposal")
    if refusal:
        return refusal
    if not has_result(proposal):
        return _no_result(request, proposal)
    content, record, signatures = _content_and_record(proposal)
    fingerprint = record.fingerprint if record else ""
    pdf = resolution_pdf(
        content, signatures=signatures, fingerprint=fingerprint, verify_url=_verify_url(request, fingerprint)
    )
    # Who voted how is the committee's (voting.view_register): households get the resolution without the annex.
    if request.user.has_perm("voting.view_register", proposal) and proposal.electorate_households <= INLINE_ANNEX_ROWS:
        with_shares = content.get("costs") is not None
        annex = annex_pdf(
            annex_rows(proposal, with_shares=with_shares),
            content=content,
            fingerprint=fingerprint,
            with_shares=with_shares,
        )
        pdf = merge_pdfs([pdf, annex], title=_("Resolution on proposal #%(number)s") % {"number": proposal.number})
    return _pdf(pdf, f"resolution-{proposal.community.slug}-{proposal.number}.pdf")


@never_cache
@require_http_methods(["GET", "POST"])
def resolution_annex(request, pk: int):
    """The annex on its own: in the request up to INLINE_ANNEX_ROWS households, else a background job (a POST)."""
    proposal, refusal = proposal_or_refuse(request, pk, "voting.view_register")
    if refusal:
        return refusal
    if not has_result(proposal):
        return _no_result(request, proposal)
    filename = f"resolution-annex-{proposal.community.slug}-{proposal.number}.pdf"
    if proposal.electorate_households > INLINE_ANNEX_ROWS:
        if request.method == "POST":
            job = document_job_start(
                kind=ANNEX_JOB_KIND,
                community=proposal.community,
                proposal=proposal,
                by=request.user,
                title=annex_title({"proposal": {"number": proposal.number}}),
                filename=filename,
            )
            return redirect("document_job", pk=job.pk)
        context = {"proposal": proposal, "size": proposal.electorate_households, "recent_jobs": _recent_jobs(request)}
        return render(request, "resolutions/resolution_annex_large.html", context)
    if request.method == "POST":
        return redirect("resolution_annex", pk=proposal.pk)
    content, record, _signatures = _content_and_record(proposal)
    with_shares = content.get("costs") is not None
    pdf = annex_pdf(
        annex_rows(proposal, with_shares=with_shares),
        content=content,
        fingerprint=record.fingerprint if record else "",
        with_shares=with_shares,
    )
    return _pdf(pdf, filename)


def _recent_jobs(request) -> list:

    return list(DocumentJob.objects.filter(requested_by=request.user, kind=ANNEX_JOB_KIND).order_by("-pk")[:5])


# --- Result notices ---------------------------------------------------------------------------------------------


def _publish(request, **subject) -> None:
    form = NoticeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return
    try:
        notice = result_notice_publish(
            **subject,
            by=request.user,
            stage=form.cleaned_data["stage"],
            objection_days=form.cleaned_data["objection_days"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The %(stage)s was published.") % {"stage": notice.get_stage_display()})


@require_POST
def notice_publish(request, pk: int):
    proposal, refusal = proposal_or_refuse(request, pk, "resolutions.publish_result_notice")
    if refusal:
        return refusal
    _publish(request, proposal=proposal)
    return redirect("resolution", pk=proposal.pk)


@never_cache
@require_GET
def notice_document(request, pk: int, notice_id: int):
    proposal, refusal = proposal_or_refuse(request, pk, "proposals.view_proposal")
    if refusal:
        return refusal
    notice = get_object_or_404(ResultNotice, pk=notice_id, proposal=proposal)
    pdf = notice_pdf(notice, resolution.load(notice.content), verify_url=_verify_url(request, notice.fingerprint))
    return _pdf(pdf, f"notice-{notice.stage}-{proposal.community.slug}-{proposal.number}.pdf")


# --- Public verification ----------------------------------------------------------------------------------------


@never_cache
@require_GET
def verify(request, fingerprint: str):
    """Public, no login: whether the records on the platform today still hash to the fingerprint printed on paper
    (the one in the address), the result and its signers. Only the exact fingerprint finds a resolution; anything
    else is the same plain "not found". Throttled per client: each check rebuilds the record."""
    ident = client_ip(request)
    if VERIFY_PER_CLIENT.exceeded(ident):
        return render(request, "429.html", status=429)
    VERIFY_PER_CLIENT.hit(ident)
    record = resolution_by_fingerprint(fingerprint)
    if record is None:
        return render(request, "resolutions/verify_unknown.html", status=404)
    check = resolution_check(record, record.fingerprint)
    changed: dict[str, list[str]] = {}
    for path in check.changed:
        changed.setdefault(path.split(".")[0], []).append(path)
    sections = [
        {"section": SECTION_NAMES.get(section, section), "paths": ", ".join(paths)}
        for section, paths in changed.items()
    ]
    # The signed copy is shown only while it still hashes to the printed fingerprint; otherwise the page shows what
    # the records say today, under the verdict that they do not match the paper.
    shown = record.content
    if not check.signed_copy_intact:
        # When nothing can be rebuilt (resolution_check said why), the page shows the stored copy.
        with contextlib.suppress(ValueError):
            shown = resolution_canonical(subject_of(record))
    context = {
        "record": record,
        "meeting": bool(record.meeting_id),
        "r": content_view(resolution.load(shown)),
        "signatures": signatures_of(record),
        "check": check,
        "changed": sections,
    }
    return render(request, "resolutions/verify.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_lookup(request):
    """Public, no login: a reader pastes the fingerprint printed on a resolution, or the document's text (its
    canonical content), and is sent to the verification page of the signed resolution it matches — a proposal's or
    a meeting's; anything else, a changed text included, is "not found". Nothing is written."""
    form = VerifyForm(request.POST or None)
    if request.method == "GET":
        return render(request, "resolutions/verify_lookup.html", {"form": form})
    ident = client_ip(request)
    if VERIFY_PER_CLIENT.exceeded(ident):
        return render(request, "429.html", status=429)
    VERIFY_PER_CLIENT.hit(ident)
    if not form.is_valid():
        return render(request, "resolutions/verify_lookup.html", {"form": form}, status=400)
    text = form.cleaned_data["text"]
    record = resolution_by_fingerprint(text) if resolution.is_fingerprint(text.lower()) else resolution_by_text(text)
    if record is None:
        return render(request, "resolutions/verify_unknown.html", {"form": VerifyForm(), "pasted": True}, status=404)
    return redirect("resolution_verify", fingerprint=record.fingerprint)


# --- An owners' meeting's resolution (会议决议) and result notice (会议结果公告) ---------------------------------


def _meeting_no_result(request, meeting: Meeting):
    return render(request, "resolutions/meeting_resolution_none.html", {"meeting": meeting}, status=409)


@never_cache
@require_GET
def meeting_resolution_page(request, pk: int):
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal:
        return refusal
    if not has_result(meeting):
        return _meeting_no_result(request, meeting)
    content, _record, _signatures = _content_and_record(meeting)
    extra = {
        "meeting": meeting,
        "r": content_view(content),
        "sign_url": reverse("meeting_resolution_sign", args=[meeting.pk]),
        "notice_url": reverse("meeting_notice_publish", args=[meeting.pk]),
        "notice_pdf_name": "meeting_notice_pdf",
        "can_text": request.user.has_perm("resolutions.sign_resolution", meeting),
        "final_publishes": _("Publishing the final notice also publishes the result of each matter of the meeting."),
    }
    return _page(request, meeting, template="resolutions/meeting_resolution.html", extra=extra)


@require_POST
def meeting_resolution_sign(request, pk: int):
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal:
        return refusal
    _sign(request, meeting=meeting)
    return redirect("meeting_resolution", pk=meeting.pk)


@never_cache
@require_GET
def meeting_resolution_document(request, pk: int):
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal:
        return refusal
    if not has_result(meeting):
        return _meeting_no_result(request, meeting)
    content, record, signatures = _content_and_record(meeting)
    fingerprint = record.fingerprint if record else ""
    pdf = resolution_pdf(
        content, signatures=signatures, fingerprint=fingerprint, verify_url=_verify_url(request, fingerprint)
    )
    return _pdf(pdf, f"meeting-resolution-{meeting.community.slug}-{meeting.pk}.pdf")


@never_cache
@require_GET
def meeting_resolution_text(request, pk: int):
    """The signed resolution's canonical text, the bytes its fingerprint is taken of: for the committee to hand to
    whoever checks it (the verification page takes it pasted). Not public: the matters' share tables name every
    household."""
    meeting, refusal = meeting_or_refuse(request, pk, "resolutions.sign_resolution")
    if refusal:
        return refusal
    record = get_object_or_404(Resolution, meeting=meeting)
    response = HttpResponse(record.content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"meeting-resolution-{meeting.community.slug}-{meeting.pk}-{record.fingerprint[:12]}.json"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def meeting_notice_publish(request, pk: int):
    meeting, refusal = meeting_or_refuse(request, pk, "resolutions.publish_result_notice")
    if refusal:
        return refusal
    _publish(request, meeting=meeting)
    return redirect("meeting_resolution", pk=meeting.pk)


@never_cache
@require_GET
def meeting_notice_document(request, pk: int, notice_id: int):
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.view_meeting")
    if refusal:
        return refusal
    notice = get_object_or_404(ResultNotice, pk=notice_id, meeting=meeting)
    pdf = notice_pdf(notice, resolution.load(notice.content), verify_url=_verify_url(request, notice.fingerprint))
    return _pdf(pdf, f"meeting-notice-{notice.stage}-{meeting.community.slug}-{meeting.pk}.pdf")
