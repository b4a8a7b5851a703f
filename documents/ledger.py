"""The printed yearly summary of a community's reports ledger (台账): one A4 PDF with the ledger's figures, tables
and charts, for the wall of the community office or the party organisation's meeting. The figures and the charts
are reports' own (reports.selectors.ledger, reports.ledger); this module only lays them out and prints them."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from community.models import Community
from core.access import refuse
from documents.builders import folio_css, pdf_lang
from documents.render import render_pdf
from documents.views import pdf_response
from reports import selectors
from reports.ledger import building_label, ledger_charts, month_label, year_allowed
from reports.models import Category

# Narrower charts for the A4 column (the SVG scales to the width; this sets its text's size against the page).
PDF_CHART_WIDTH = 560


def ledger_html(community: Community, year: int) -> str:
    data = selectors.ledger(community, year)
    categories = data.per_month.categories()
    context = {
        "community": community,
        "year": year,
        "ledger": data,
        "charts": ledger_charts(data, width=PDF_CHART_WIDTH),
        "category_rows": [(Category(c).label, sum(data.per_month.series(c))) for c in categories],
        "building_rows": [(building_label(b.name), b.total) for b in data.per_building],
        "handling_rows": [(month_label(data, m), data.handling.get(m)) for m in data.handling.months],
        "printed_at": timezone.localtime(),
        "folio_css": folio_css(),
        "lang": pdf_lang(),
    }
    return render_to_string("documents/ledger_pdf.html", context)


def render_ledger(community: Community, year: int) -> bytes:
    return render_pdf(ledger_html(community, year))


@require_GET
def ledger_pdf(request, slug: str, year: int):
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("reports.view_ledger", community):
        return refuse(request)
    if not year_allowed(year):
        raise Http404
    return pdf_response(render_ledger(community, year), f"ledger-{community.slug}-{year}.pdf")
