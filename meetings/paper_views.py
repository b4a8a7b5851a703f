"""The secretary's paper ballots of a meeting: one household's whole paper (or proxy) ballot at a time, and the XLSX
sheet of many (its template, then the upload: every row checked first, all recorded or none).

The forms are the proposal's paper entry's (voting.views.register): the same fields, messages and upload checks."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from config.xlsx import XLSX_TYPE
from core.params import int_param
from meetings.access import meeting_or_refuse
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.models import Meeting
from meetings.paper import (
    SheetInvalid,
    SheetPlan,
    ballot_lines,
    elector_search,
    meeting_paper_import,
    paper_elector,
    parse_sheet,
    sheet_columns,
    sheet_plan,
    template_xlsx,
)
from meetings.selectors import agenda_rows, household_ballot, meeting_status
from proposals.models import Proposal
from voting.models import Choice
from voting.paper_services import BATCH_EVIDENCE_MAX_BYTES, EVIDENCE_MAX_BYTES, paper_evidence_check
from voting.services import VotingError
from voting.views.register import SHEET_MAX_BYTES, PaperEntryForm, PaperImportForm

PROBLEMS_SHOWN = 500


def _recorder(request, pk: int) -> Meeting:
    meeting, refusal = meeting_or_refuse(request, pk, "meetings.record_paper")
    if refusal is not None:
        raise PermissionDenied
    return meeting


def _voting_open(meeting: Meeting) -> bool:
    return meeting_status(meeting) == Proposal.OPEN


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


# --- One whole ballot ---------------------------------------------------------------------------------------------


class MeetingPaperForm(PaperEntryForm):
    """The proposal's paper entry form (household, channel, proxy, the scan) with the meeting's questions in place of
    the one choice: a matter each (同意/不同意/弃权/未填) and a box per candidate of each election."""

    choice = None

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        blank = [("", _("Not filled in"))]
        for row in rows:
            if row.election is None:
                self.fields[f"m{row.item.proposal_id}"] = forms.ChoiceField(
                    choices=[*Choice.choices, *blank], required=False
                )
            else:
                self.fields[f"e{row.election.pk}"] = forms.TypedMultipleChoiceField(
                    choices=[(c.pk, c.name) for c in row.election.candidates.all()], coerce=int, required=False
                )

    def answers(self) -> Answers:
        data = self.cleaned_data
        matters, elections = {}, {}
        for row in self.rows:
            if row.election is None:
                matters[row.item.proposal_id] = data[f"m{row.item.proposal_id}"]
            elif chosen := data[f"e{row.election.pk}"]:
                elections[row.election.pk] = frozenset(chosen)
            # No candidate ticked: the election was left blank on this paper; it counts as the meeting says.
        return Answers(matters, elections)


def _items(rows, form):
    """What the template lays out per agenda item: the matter's radio or the election's boxes, with what the form
    holds (after a refused POST) or else nothing ticked."""
    items = []
    for row in rows:
        if row.election is None:
            name = f"m{row.item.proposal_id}"
            value = form[name].value() if form is not None and form.is_bound else None
            items.append({"row": row, "name": name, "value": value or ""})
        else:
            name = f"e{row.election.pk}"
            value = form[name].value() if form is not None and form.is_bound else []
            ticked = {str(v) for v in value or []}
            candidates = [(c, str(c.pk) in ticked) for c in row.election.candidates.all()]
            items.append({"row": row, "name": name, "candidates": candidates})
    return items


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def paper_entry(request, pk: int):
    meeting = _recorder(request, pk)
    community = meeting.community
    full_phones = request.user.has_perm("community.see_full_phones", community)
    rows = agenda_rows(meeting)
    voting_open = _voting_open(meeting)
    context = {"meeting": meeting, "community": community, "q": "", "found": [], "outside": False}
    if request.method == "POST":
        form = MeetingPaperForm(request.POST, request.FILES, rows=rows)
        selected = paper_elector(meeting, int_param(request.POST.get("household", "")))
        if form.is_valid():
            receipt = _record(request, meeting, form, selected)
            if receipt:
                messages.success(
                    request,
                    gettext("Recorded the whole ballot of %(household)s. Receipt: %(receipt)s")
                    % {"household": selected.label, "receipt": receipt},
                )
                return redirect(
                    f"{reverse('meeting_paper_entry', args=[meeting.pk])}?household={selected.household_id}"
                )
        status = 400
    else:
        text = request.GET.get("q", "").strip()[:100]
        selected = paper_elector(meeting, int_param(request.GET.get("household", "")))
        if text and selected is None:
            found, outside = elector_search(meeting, text, full_phones=full_phones)
            if len(found) == 1:
                selected, found = found[0], []
            context.update(q=text, found=found, outside=outside)
        form = MeetingPaperForm(initial={"household": selected.household_id}, rows=rows) if selected else None
        status = 200
    recorded = household_ballot(meeting, selected.household_id) if selected else None
    context.update(
        selected=selected,
        form=form,
        items=_items(rows, form),
        recorded=recorded,
        recorded_lines=ballot_lines(rows, recorded) if recorded and recorded.receipt else [],
        voting_open=voting_open,
        evidence_max_mb=_megabytes(EVIDENCE_MAX_BYTES),
    )
    return render(request, "meetings/paper_entry.html", context, status=status)


def _record(request, meeting: Meeting, form: MeetingPaperForm, selected) -> str:
    """Record the form's ballot; "" after adding the refusal to the form."""
    if selected is None:
        form.add_error(None, gettext("This household is not in the electorate of this meeting."))
        return ""
    evidence = form.cleaned_data["evidence"]
    try:
        paper_evidence_check(evidence)
        return meeting_ballot_cast(
            meeting=meeting,
            household=selected.household,
            answers=form.answers(),
            channel=form.cleaned_data["channel"],
            by=request.user,
            proxy_name=form.cleaned_data["proxy_name"],
            evidence=evidence,
        )
    except VotingError as exc:
        form.add_error(None, exc.messages[0])
        return ""


# --- The sheet ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def paper_template(request, pk: int):
    meeting = _recorder(request, pk)
    response = HttpResponse(template_xlsx(meeting), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}-paper-ballots.xlsx"'
    return response


def _imported_message(plan: SheetPlan) -> str:
    text = ngettext(
        "%(count)s household's paper ballot recorded.", "%(count)s households' paper ballots recorded.", plan.households
    ) % {"count": plan.households}
    if plan.invalid:
        text += " " + ngettext(
            "%(count)s of them chose more candidates than seats: its election ballot is recorded as invalid.",
            "%(count)s of them chose more candidates than seats: their election ballots are recorded as invalid.",
            plan.invalid,
        ) % {"count": plan.invalid}
    return text


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def paper_import(request, pk: int):
    meeting = _recorder(request, pk)
    voting_open = _voting_open(meeting)
    form = PaperImportForm(request.POST, request.FILES) if request.method == "POST" else PaperImportForm()
    context = {
        "meeting": meeting,
        "community": meeting.community,
        "voting_open": voting_open,
        "max_mb": _megabytes(SHEET_MAX_BYTES),
        "evidence_max_mb": _megabytes(BATCH_EVIDENCE_MAX_BYTES),
        "problems": [],
    }
    if request.method == "POST":
        if not voting_open:
            form.add_error(None, gettext("This meeting is not open for voting."))
        elif form.is_valid():
            columns = sheet_columns(agenda_rows(meeting))
            parsed = parse_sheet(form.cleaned_data["sheet"].name, form.sheet_content, columns)
            plan = sheet_plan(meeting, parsed)
            if plan.ok:
                try:
                    plan = meeting_paper_import(
                        meeting=meeting, parsed=parsed, by=request.user, evidence=ContentFile(form.evidence_content)
                    )
                except SheetInvalid as exc:
                    plan = SheetPlan(problems=exc.problems)
                except VotingError as exc:
                    form.add_error(None, exc.messages[0])
            if plan.ok and not form.errors:
                messages.success(request, _imported_message(plan))
                context.update(plan=plan, form=PaperImportForm())
                return render(request, "meetings/paper_import.html", context)
            problems = [{"row": p.row, "column": p.column, "reason": p.message(gettext)} for p in plan.problems]
            context.update(
                problems=problems[:PROBLEMS_SHOWN],
                problems_hidden=max(0, len(problems) - PROBLEMS_SHOWN),
                ignored=parsed.ignored_columns,
            )
    context["form"] = form
    return render(request, "meetings/paper_import.html", context, status=400 if form.errors else 200)
