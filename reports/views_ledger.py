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
from reports.ledger import building_label, ledger_charts, ledger_xlsx, month_label, period_label, year_allowed
from reports.models import Category


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
    data = selectors.ledger(community, year)
    categories = data.per_month.categories()
    return render(
        request,
        "reports/ledger.html",
        {
            "community": community,
            "ledger": data,
            "year": year,
            "period": period_label(year),
            "charts": ledger_charts(data),
            "category_rows": [(Category(c).label, sum(data.per_month.series(c))) for c in categories],
            "building_rows": [(building_label(b.name), b.total) for b in data.per_building],
            "handling_rows": [(month_label(data, m), data.handling.get(m)) for m in data.handling.months],
        },
    )


@require_GET
def ledger_xlsx_download(request, slug: str):
    community = ledger_community(request, slug)
    if community is None:
        return refuse(request)
    year = ledger_year(request)
    body = ledger_xlsx(selectors.ledger(community, year), selectors.ledger_rows(community, year))
    response = HttpResponse(body, content_type=XLSX_TYPE)
    name = f"ledger-{community.slug}-{year or 'all'}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
