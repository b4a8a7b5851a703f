"""The committee's roster import page: upload a file → preview (every problem, or what will change) → confirm.

The upload is kept in the database between the steps, since another process may serve the next request.
"""

import csv
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from community.importing import (
    RosterInvalid,
    UploadAlreadyImported,
    roster_upload_confirm,
    roster_upload_create,
    roster_upload_preview,
)
from community.models import Community, RosterUpload
from community.roster_file import Problem, template_csv, template_xlsx
from config.xlsx import XLSX_TYPE
from core.spreadsheet import UnreadableFile, file_kind

# A file with a mistake repeated on every row has as many problems as rows: show the first ones,
# and offer them all as a spreadsheet to work through.
PROBLEMS_SHOWN = 500
CHANGES_SHOWN = 200
ABSENT_SHOWN = 100


def _import_community(request, slug: str) -> Community:
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("community.import_roster", community):
        raise PermissionDenied
    return community


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("Choose the roster file first."), "empty": _("The file is empty.")},
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = settings.ROSTER_UPLOAD_MAX_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                gettext("This file is %(size)s MB; the limit is %(limit)s MB. Upload only the roster sheet.")
                % {"size": _megabytes(uploaded.size), "limit": _megabytes(limit)}
            )
        content = uploaded.read()
        try:
            file_kind(uploaded.name, content)  # a zip bomb is refused here, before the upload is kept
        except UnreadableFile as exc:
            raise forms.ValidationError(Problem.of(exc).message(gettext)) from exc
        self.content = content
        return uploaded


def _template_response(kind: str) -> HttpResponse:
    if kind == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        filename = "roster-template.csv"
    else:
        response = HttpResponse(template_xlsx(), content_type=XLSX_TYPE)
        filename = "roster-template.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def roster_upload(request, slug: str):
    community = _import_community(request, slug)
    if request.method == "GET" and request.GET.get("template"):
        return _template_response(request.GET["template"])
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = roster_upload_create(
                community=community, user=request.user, filename=form.cleaned_data["file"].name, content=form.content
            )
            return redirect("roster_import_preview", community.slug, upload.pk)
    else:
        form = RosterUploadForm()
    return render(
        request,
        "community/import_upload.html",
        {"community": community, "form": form, "max_mb": _megabytes(settings.ROSTER_UPLOAD_MAX_BYTES)},
    )


def _problem_rows(problems) -> list[dict]:
    return [{"row": problem.row, "column": problem.column, "reason": problem.message(gettext)} for problem in problems]


def _cell(text: str) -> str:
    # Column names come from the uploaded file; Excel would run "=…" as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _problems_csv(upload: RosterUpload, rows: list[dict]) -> HttpResponse:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([gettext("Row"), gettext("Column"), gettext("Problem")])
    writer.writerows([row["row"] or "", _cell(row["column"]), _cell(row["reason"])] for row in rows)
    # With a BOM, Excel on Windows reads the Chinese as UTF-8.
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="problems-{upload.pk}.csv"'
    return response


def _success_message(community: Community, summary) -> str:
    return gettext(
        "The roster is imported: %(created)s new and %(updated)s updated households. "
        "%(name)s now has %(households)s households, %(heads)s heads and %(area)s m²."
    ) % {
        "created": summary.households_created,
        "updated": summary.households_updated,
        "name": community.name,
        "households": summary.households_total,
        "heads": summary.heads,
        "area": summary.area,
    }


@login_required
@require_http_methods(["GET", "POST"])
def roster_preview(request, slug: str, upload_id: int):
    community = _import_community(request, slug)
    upload = get_object_or_404(RosterUpload, pk=upload_id, community=community)
    if upload.imported_at is not None:
        messages.info(request, gettext("This file has been imported already."))
        return redirect("community_overview", community.slug)
    if request.method == "POST":
        try:
            summary = roster_upload_confirm(upload=upload)
        except UploadAlreadyImported:  # a second click, or a second tab
            messages.info(request, gettext("This file has been imported already."))
            return redirect("community_overview", community.slug)
        except RosterInvalid:
            pass  # its problems are shown below, as on the preview
        else:
            messages.success(request, _success_message(community, summary))
            return redirect("community_overview", community.slug)

    preview = roster_upload_preview(upload=upload)
    problems = _problem_rows(preview.problems)
    if request.GET.get("problems") == "csv":
        return _problems_csv(upload, problems)
    plan = preview.plan
    context = {
        "community": community,
        "upload": upload,
        "problems": problems[:PROBLEMS_SHOWN],
        "problem_count": len(problems),
        "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN),
        "problem_title": ngettext(
            "%(count)s problem: nothing was imported.", "%(count)s problems: nothing was imported.", len(problems)
        )
        % {"count": len(problems)},
        "plan": plan,
        "summary": plan.summary if plan else None,
        "changes": plan.changes[:CHANGES_SHOWN] if plan else [],
        "changes_hidden": max(0, len(plan.changes) - CHANGES_SHOWN) if plan else 0,
        "absent": plan.absent[:ABSENT_SHOWN] if plan else [],
        "absent_hidden": max(0, len(plan.absent) - ABSENT_SHOWN) if plan else 0,
        "form": RosterUploadForm(),
        "max_mb": _megabytes(settings.ROSTER_UPLOAD_MAX_BYTES),
    }
    return render(request, "community/import_preview.html", context)
