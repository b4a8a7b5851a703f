"""The ledger (台账) of a community's reports for its handlers: the page with its tables and charts, and its .xlsx."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from community.models import Community
from config.xlsx import XLSX_TYPE
from core.access import refuse
from core.params import int_param
from reports import selectors
from reports.ledger import ledger_context, ledger_xlsx, period_label, year_allowed


def ledger_year(request) -> int | None:
    """?year=2020, or all years when absent or empty; anything else that is no year of the site is a 404."""
    text = request.GET.get("year", "")
    if text in ("", "all"):
        return None
    year = int_param(text)
    if year is None or not year_allowed(year):
        raise Http404
    return year


def ledger_community(request, slug: str):
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("reports.view_ledger", community):
        return None
    return community


@require_GET
def ledger(request, slug: str):
    community = ledger_community(request, slug)
    if community is None:
        return refuse(request)
    year = ledger_year(request)
    context = ledger_context(selectors.ledger(community, year))
    return render(
        request,
        "reports/ledger.html",
        {"community": community, "year": year, "period": period_label(year), **context},
    )


@require_GET
def ledger_xlsx_download(request, slug: str):
    community = ledger_community(request, slug)
    if community is None:
        return refuse(request)
    year = ledger_year(request)
    # The spreadsheet lists every report of the period anyway: comparing the years too costs it little.
    data = selectors.ledger(community, year, compare_years=True)
    body = ledger_xlsx(data, selectors.ledger_rows(community, year))
    response = HttpResponse(body, content_type=XLSX_TYPE)
    name = f"ledger-{community.slug}-{year or 'all'}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
