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
from reports.ledger import ledger_context, year_allowed

# Narrower charts for the A4 column (the SVG scales to the width; this sets its text's size against the page).
PDF_CHART_WIDTH = 560


def ledger_html(community: Community, year: int) -> str:
    context = {
        "community": community,
        "year": year,
        **ledger_context(selectors.ledger(community, year, compare_years=True), width=PDF_CHART_WIDTH),
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
