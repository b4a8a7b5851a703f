"""Payment notices (缴费通知): one A4 page per household still to pay, with its amount and how to pay, for the
committee to print and put in letterboxes. Small enough to render in the request (WeasyPrint, documents.render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.params import int_param
from costs.models import Bill, BillStatus
from costs.selectors import bills_of, payment_instructions_for, plan_for
from costs.templatetags.cost_tags import method_phrase
from documents.builders import pdf_lang
from documents.render import png_data_url, render_pdf
from documents.selectors import place_label
from documents.views import pdf_response
from proposals.access import proposal_for

# One page per household renders in about a tenth of a second: a building's notices fit in a request; the whole
# of a large community is printed building by building (the page says so).
INLINE_NOTICES = 300
NOTICE_RELATED = ("household__owner", "household__entrance__building")


def _place(bill: Bill) -> str:
    household = bill.household
    return place_label(household.entrance.building.name, household.entrance.name, household.room)


def render_payment_notices(proposal, bills: list[Bill]) -> bytes:
    """One page per bill in `bills` (with its household, entrance, building and owner): the amount still to pay
    and how to pay it."""
    plan = plan_for(proposal)
    instructions = payment_instructions_for(proposal.community)
    context = {
        "proposal": proposal,
        "community": proposal.community,
        "plan": plan,
        "method_phrase": method_phrase(plan.method),
        "notices": [{"bill": bill, "place": _place(bill)} for bill in bills],
        "instructions": instructions if instructions and not instructions.is_empty else None,
        "qr": png_data_url(instructions.qr if instructions is not None else None),
        "printed_at": timezone.localtime(),
        "lang": pdf_lang(),
    }
    return render_pdf(render_to_string("documents/payment_notice.html", context))


@never_cache
@require_GET
@login_required
def payment_notices(request, pk: int):
    """?bill=<id>: that household's notice; else every bill still to pay (optionally ?building=&entrance=)."""
    proposal = proposal_for(request, pk, "costs.record_payment")
    back = reverse("bill_collection", args=[proposal.pk])
    plan = plan_for(proposal)
    if plan is None or plan.billed_at is None:
        messages.info(request, _("There are no bills: they are made when a proposal with a cost plan passes."))
        return redirect("proposal_detail", pk=proposal.pk)
    bill_id = request.GET.get("bill", "")
    if bill_id:
        bill = get_object_or_404(
            Bill.objects.select_related(*NOTICE_RELATED), pk=int_param(bill_id) or 0, proposal=proposal
        )
        bills = [bill]
        filename = f"payment-notice-{proposal.number}-{bill.label}.pdf"
    else:
        building = request.GET.get("building", "")[:30]
        entrance = request.GET.get("entrance", "")[:30] if building else ""
        unpaid = bills_of(proposal, status=BillStatus.UNPAID, building=building, entrance=entrance).select_related(
            *NOTICE_RELATED
        )
        bills = list(unpaid[: INLINE_NOTICES + 1])
        if not bills:
            messages.info(request, _("No bill is still to pay here, so there is no notice to print."))
            return redirect(back)
        if len(bills) > INLINE_NOTICES:
            messages.error(
                request,
                _("That is more than %(count)s notices at once: choose a building (and entrance), then print again.")
                % {"count": INLINE_NOTICES},
            )
            return redirect(f"{back}?{urlencode({'status': BillStatus.UNPAID})}")
        place = "-".join(value for value in (building, entrance) if value) or "all"
        filename = f"payment-notices-{proposal.number}-{place}.pdf"
    return pdf_response(render_payment_notices(proposal, bills), filename)
