"""The committee's register of ballots (with its XLSX export), the secretary's paper and proxy entry, the bulk import
of paper ballots from a spreadsheet, and the ballots' evidence files (never under a public media URL)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.models import Household
from config.xlsx import XLSX_TYPE
from core.params import MAX_ID, int_param
from core.spreadsheet import UnreadableFile, file_kind
from core.uploads import sniff_upload
from proposals.access import proposal_for
from proposals.models import Attachment, Proposal
from voting.models import Ballot, BallotEvent, Channel, Choice, Elector
from voting.paper_import import Problem as SheetProblem
from voting.paper_services import (
    BATCH_EVIDENCE_MAX_BYTES,
    ImportPlan,
    PaperImportInvalid,
    PaperUpload,
    paper_ballot_record,
    paper_ballots_import,
    paper_import_plan,
    paper_upload_claim,
    paper_upload_parse,
    paper_upload_stash,
)
from voting.selectors import (
    REGISTER_STATUS_NONE,
    REGISTER_STATUS_VOTED,
    RegisterFilters,
    electorate_search,
    register_electors,
    register_entrances,
    register_export_rows,
    register_order,
    register_page_rows,
    register_rows,
    register_totals,
)
from voting.services import UNDO_SECONDS, VotingError, ballot_entry_undo
from voting.xlsx import register_xlsx

REGISTER_PER_PAGE = 100
SHEET_MAX_BYTES = 5 * 1024 * 1024
PROBLEMS_SHOWN = 500
REPLACEMENTS_SHOWN = 200
_CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp", ".pdf": "application/pdf"}


def _voting_open(proposal: Proposal) -> bool:
    return proposal.voting_status() == Proposal.OPEN


def _channel_word(channel: str) -> str:
    return {
        Channel.PAPER: pgettext("ballot channel, short", "paper"),
        Channel.PROXY: pgettext("ballot channel, short", "proxy"),
    }.get(channel, pgettext("ballot channel, short", "online"))


# --- The register -------------------------------------------------------------------------------------------------


class _CountedPaginator(Paginator):
    """The totals query has counted the rows already; no second COUNT(*) over a large electorate."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _filter_text(filters: RegisterFilters, entrances) -> str:
    parts = []
    if filters.building:
        parts += {str(e.building) for e in entrances if e.building_id == filters.building}
    if filters.entrance:
        parts += [str(e) for e in entrances if e.pk == filters.entrance]
    if filters.channel:
        parts.append(str(Channel(filters.channel).label))
    if filters.status == REGISTER_STATUS_NONE:
        parts.append(pgettext("register status", "not voted"))
    elif filters.status == REGISTER_STATUS_VOTED:
        parts.append(pgettext("register status", "voted"))
    elif filters.status:
        parts.append(str(Choice(filters.status).label))
    return "，".join(parts) or gettext("all households")


def _register_xlsx(request, proposal: Proposal, filters: RegisterFilters, electors, full_phones: bool):
    about = [
        (gettext("Proposal"), f"#{proposal.number} {proposal.title}"),
        (gettext("Community"), proposal.community.name),
        (pgettext("register filter", "Households"), _filter_text(filters, register_entrances(proposal))),
        (gettext("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (gettext("Exported by"), str(request.user)),
    ]
    content = register_xlsx(rows=register_export_rows(proposal, electors), full_phones=full_phones, about=about)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="register-{proposal.community.slug}-{proposal.number}.xlsx"'
    )
    return response


@login_required
@require_GET
@never_cache
def register(request, pk: int):
    proposal = proposal_for(request, pk, "voting.view_register")
    community = proposal.community
    full_phones = request.user.has_perm("community.see_full_phones", community)
    filters = RegisterFilters.from_query(request.GET)
    electors = register_electors(proposal, filters)
    if request.GET.get("format") == "xlsx":
        return _register_xlsx(request, proposal, filters, electors, full_phones)
    totals = register_totals(electors)
    page = _CountedPaginator(register_order(electors), REGISTER_PER_PAGE, count=totals.electorate.households).get_page(
        request.GET.get("page")
    )
    entrances = register_entrances(proposal)
    buildings = {e.building_id: e.building for e in entrances}
    return render(
        request,
        "voting/register.html",
        {
            "proposal": proposal,
            "community": community,
            "filters": filters,
            "entrances": entrances,
            "buildings": list(buildings.values()),
            "channels": Channel.choices,
            "statuses": [
                (REGISTER_STATUS_NONE, pgettext("register status", "not voted")),
                (REGISTER_STATUS_VOTED, pgettext("register status", "voted")),
                *Choice.choices,
            ],
            "totals": totals,
            "page": page,
            "rows": register_page_rows(proposal, page.object_list),
            "full_phones": full_phones,
            "can_record": request.user.has_perm("voting.record_paper", proposal),
            "voting_open": _voting_open(proposal),
        },
    )


# --- Paper and proxy entry, one household at a time ---------------------------------------------------------------


class PaperEntryForm(forms.Form):
    household = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    choice = forms.ChoiceField(
        choices=Choice.choices, error_messages={"required": _("Tap 同意, 不同意 or 弃权 to record the choice.")}
    )
    channel = forms.ChoiceField(
        choices=[(Channel.PAPER, _("Paper ballot")), (Channel.PROXY, _("Proxy"))],
        initial=Channel.PAPER,
        widget=forms.RadioSelect,
    )
    proxy_name = forms.CharField(label=_("Name of the proxy"), max_length=60, required=False)
    evidence = forms.FileField(
        label=_("Photo or scan of the signed ballot or the authorisation letter"),
        error_messages={
            "required": _("Attach a photo or scan of the signed ballot or the authorisation letter."),
            "empty": _("The file is empty."),
        },
    )


def _recorded_message(label: str, ballots: list[Ballot]) -> str:
    text = gettext("Recorded %(household)s: %(choice)s (%(channel)s).") % {
        "household": label,
        "choice": Choice(ballots[0].choice).label,
        "channel": _channel_word(ballots[0].channel),
    }
    others = len(ballots) - 1
    if others > 0:
        text += " " + ngettext(
            "The same choice was recorded for %(count)s other flat of the same owner.",
            "The same choice was recorded for %(count)s other flats of the same owner.",
            others,
        ) % {"count": others}
    return text


def _elector(proposal: Proposal, household_id) -> Elector | None:
    number = int_param(household_id)
    if number is None:
        return None
    return register_rows(Elector.objects.filter(proposal=proposal, household_id=number)).first()


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def paper_entry(request, pk: int):
    proposal = proposal_for(request, pk, "voting.record_paper")
    community = proposal.community
    full_phones = request.user.has_perm("community.see_full_phones", community)
    context = {"proposal": proposal, "community": community, "full_phones": full_phones, "q": "", "found": []}
    if request.method == "POST":
        form = PaperEntryForm(request.POST, request.FILES)
        elector = _elector(proposal, request.POST.get("household", ""))
        if form.is_valid():
            household = Household.objects.of(community).filter(pk=form.cleaned_data["household"]).first()
            if household is None:
                form.add_error(None, gettext("There is no such household in this community."))
            else:
                try:
                    ballots = paper_ballot_record(
                        proposal=proposal,
                        household=household,
                        choice=form.cleaned_data["choice"],
                        channel=form.cleaned_data["channel"],
                        by=request.user,
                        proxy_name=form.cleaned_data["proxy_name"],
                        evidence=form.cleaned_data["evidence"],
                    )
                except VotingError as exc:
                    form.add_error(None, exc.messages[0])
                else:
                    label = elector.label if elector else ballots[0].elector.label
                    messages.success(request, _recorded_message(label, ballots))
                    # The page offers to undo this entry for a few seconds (paper_undo checks it again).
                    return redirect(f"{reverse('paper_entry', args=[proposal.pk])}?entered={ballots[0].seq}")
        context.update(form=form, selected=elector, voting_open=_voting_open(proposal))
        return render(request, "voting/paper.html", context)

    undo = _undo_offer(proposal, request.user, request.GET.get("entered", ""))
    text = request.GET.get("q", "").strip()[:100]
    selected = _elector(proposal, request.GET["household"]) if request.GET.get("household") else None
    found, outside = [], False
    if text and selected is None:
        found, outside = electorate_search(proposal, text, full_phones=full_phones)
        if len(found) == 1:
            selected, found = found[0], []
    context.update(
        q=text,
        found=found,
        outside=outside,
        selected=selected,
        form=PaperEntryForm(initial={"household": selected.household_id}) if selected else None,
        voting_open=_voting_open(proposal),
        undo=undo,
    )
    return render(request, "voting/paper.html", context)


def _undo_offer(proposal: Proposal, user, entered: str) -> dict | None:
    """The entry this user just made (log entry `entered`), while it may still be undone; else None. A read: the
    offer is only shown, ballot_entry_undo decides."""
    seq = int_param(entered)
    if seq is None:
        return None
    event = (
        BallotEvent.objects.filter(proposal_id=proposal.pk, seq=seq, by_id=user.pk, undoes=None)
        .exclude(channel=Channel.ONLINE)
        .annotate(
            label=Subquery(
                Elector.objects.filter(proposal_id=proposal.pk, household_id=OuterRef("household_id")).values("label")
            )
        )
        .first()
    )
    if event is None:
        return None
    left = UNDO_SECONDS - (timezone.now() - event.at).total_seconds()
    if left <= 0:
        return None
    return {"event": event, "seconds": int(left)}


@login_required
@require_POST
def paper_undo(request, pk: int):
    """Undo the paper or proxy entry this user made a few seconds ago (ballot_entry_undo checks who, when, and that
    nothing came after it), then back to the entry screen on that household."""
    proposal = proposal_for(request, pk, "voting.record_paper")
    seq = int_param(request.POST.get("seq", ""))
    if seq is None:
        messages.error(request, gettext("There is no such paper or proxy entry to undo."))
        return redirect("paper_entry", proposal.pk)
    try:
        undone = ballot_entry_undo(proposal=proposal, seq=seq, by=request.user)
    except VotingError as exc:
        messages.error(request, exc.messages[0])
        return redirect("paper_entry", proposal.pk)
    first = undone[0]
    messages.success(
        request,
        gettext("Undone: the entry for %(household)s (%(choice)s) was reversed; the log keeps both.")
        % {"household": _elector_label(proposal, first.household_id), "choice": Choice(first.new_choice).label},
    )
    return redirect(f"{reverse('paper_entry', args=[proposal.pk])}?household={first.household_id}")


def _elector_label(proposal: Proposal, household_id: int) -> str:
    return Elector.objects.filter(proposal=proposal, household_id=household_id).values_list("label", flat=True).first()


# --- Paper ballots from a spreadsheet ----------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


class PaperImportForm(forms.Form):
    sheet = forms.FileField(
        label=_("Ballot sheet (.xlsx or .csv)"),
        error_messages={"required": _("Choose the ballot sheet first."), "empty": _("The file is empty.")},
    )
    evidence = forms.FileField(
        label=_("Scan of the signed ballots (PDF)"),
        error_messages={
            "required": _("Attach the scan of the signed ballots (one PDF for the whole sheet)."),
            "empty": _("The file is empty."),
        },
    )

    def clean_sheet(self):
        uploaded = self.cleaned_data["sheet"]
        if uploaded.size > SHEET_MAX_BYTES:
            raise forms.ValidationError(
                gettext("This file is %(size)s MB; the limit is %(limit)s MB.")
                % {"size": _megabytes(uploaded.size), "limit": _megabytes(SHEET_MAX_BYTES)}
            )
        content = uploaded.read()
        try:
            file_kind(uploaded.name, content)
        except UnreadableFile as exc:
            raise forms.ValidationError(SheetProblem.of(exc).message(gettext)) from exc
        self.sheet_content = content
        return uploaded

    def clean_evidence(self):
        uploaded = self.cleaned_data["evidence"]
        try:
            kind, _extension = sniff_upload(uploaded, max_bytes=BATCH_EVIDENCE_MAX_BYTES)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0]) from exc
        if kind != Attachment.Kind.PDF:
            raise forms.ValidationError(gettext("The scan of the signed ballots must be one PDF file."))
        uploaded.seek(0)
        self.evidence_content = uploaded.read()
        return uploaded


def _problem_rows(problems) -> list[dict]:
    return [{"row": p.row, "column": p.column, "reason": p.message(gettext)} for p in problems]


def _preview(request, proposal: Proposal, *, upload: PaperUpload, plan, ignored, token: str = "", status=200):
    problems = _problem_rows(plan.problems)
    choices, channels = dict(Choice.choices), dict(Channel.choices)
    replacements = [
        {
            "row": r.row,
            "label": r.label,
            "old": f"{choices[r.old_choice]}（{_channel_word(r.old_channel)}）",
            "new": f"{choices[r.new_choice]}（{_channel_word(r.new_channel)}）",
        }
        for r in plan.replacements[:REPLACEMENTS_SHOWN]
    ]
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "upload": upload,
        "plan": plan,
        "ignored": ignored,
        "token": token,
        "problems": problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN),
        "problem_title": ngettext(
            "%(count)s problem: nothing was recorded.", "%(count)s problems: nothing was recorded.", len(problems)
        )
        % {"count": len(problems)},
        "replacements": replacements,
        "replacements_hidden": max(0, len(plan.replacements) - REPLACEMENTS_SHOWN),
        "channel_counts": [(channels[c], plan.channels[c]) for c in (Channel.PAPER, Channel.PROXY) if plan.channels[c]],
        "form": PaperImportForm(),
        "max_mb": _megabytes(SHEET_MAX_BYTES),
        "evidence_max_mb": _megabytes(BATCH_EVIDENCE_MAX_BYTES),
    }
    return render(request, "voting/paper_import_preview.html", context, status=status)


def _imported_message(plan) -> str:
    return ngettext(
        "%(count)s paper ballot recorded: %(agree)s agree, %(disagree)s disagree, %(abstain)s abstain.",
        "%(count)s paper ballots recorded: %(agree)s agree, %(disagree)s disagree, %(abstain)s abstain.",
        plan.households,
    ) % {"count": plan.households, "agree": plan.agree, "disagree": plan.disagree, "abstain": plan.abstain}


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def paper_import(request, pk: int):
    proposal = proposal_for(request, pk, "voting.record_paper")
    voting_open = _voting_open(proposal)
    form = PaperImportForm()
    if request.method == "POST" and "token" in request.POST:
        # The confirmation: the files checked on the preview, taken from the cache (another process may have shown it).
        upload = paper_upload_claim(proposal=proposal, user=request.user, token=request.POST["token"])
        if upload is None:
            messages.warning(
                request, gettext("This check has expired or its ballots are recorded already. Upload the file again.")
            )
            return redirect("paper_import", proposal.pk)
        parsed = paper_upload_parse(upload)
        try:
            plan = paper_ballots_import(
                proposal=proposal, parsed=parsed, by=request.user, evidence=ContentFile(upload.evidence)
            )
        except PaperImportInvalid as exc:
            # Something changed since the preview (the roster, or the electorate): show what, write nothing.
            plan = ImportPlan(problems=exc.problems)
            return _preview(request, proposal, upload=upload, plan=plan, ignored=parsed.ignored_columns)
        except VotingError as exc:
            messages.error(request, exc.messages[0])
            return redirect("paper_import", proposal.pk)
        messages.success(request, _imported_message(plan))
        return redirect("register", proposal.pk)
    if request.method == "POST":
        form = PaperImportForm(request.POST, request.FILES)
        if not voting_open:
            form.add_error(None, gettext("Voting on this proposal is not open."))
        elif form.is_valid():
            upload = PaperUpload(
                filename=form.cleaned_data["sheet"].name,
                content=form.sheet_content,
                evidence_name=form.cleaned_data["evidence"].name,
                evidence=form.evidence_content,
            )
            parsed = paper_upload_parse(upload)
            plan = paper_import_plan(proposal=proposal, parsed=parsed)
            token = paper_upload_stash(proposal=proposal, user=request.user, upload=upload) if plan.ok else ""
            return _preview(request, proposal, upload=upload, plan=plan, ignored=parsed.ignored_columns, token=token)
    return render(
        request,
        "voting/paper_import.html",
        {
            "proposal": proposal,
            "community": proposal.community,
            "form": form,
            "voting_open": voting_open,
            "max_mb": _megabytes(SHEET_MAX_BYTES),
            "evidence_max_mb": _megabytes(BATCH_EVIDENCE_MAX_BYTES),
        },
    )


# --- Evidence files ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def evidence_file(request, pk: int, ballot_id: int):
    """A ballot's photo or scan, to the committee and the secretary only: media/ is never served for it."""
    proposal = proposal_for(request, pk, "voting.view_register")
    ballot = get_object_or_404(Ballot.objects.select_related("elector"), pk=ballot_id, proposal=proposal)
    if not ballot.evidence:
        raise Http404("no evidence")
    try:
        handle = ballot.evidence.open("rb")
    except FileNotFoundError:
        raise Http404("evidence file missing") from None
    try:
        _kind, extension = sniff_upload(handle, max_bytes=1 << 40)
        content_type = _CONTENT_TYPES[extension]
    except ValidationError:
        # Not an image or PDF we recognise (it would not have been accepted): download it, never render it.
        response = FileResponse(handle, as_attachment=True, filename=f"ballot-{ballot.pk}.bin")
        response["Content-Type"] = "application/octet-stream"
    else:
        response = FileResponse(handle, content_type=content_type, filename=f"ballot-{ballot.elector.label}{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
