"""The party members' contact card of an entrance (党员联系牌): one A4 page per entrance, in big type, with the photo,
name, phone and what they help with of each member who agreed to be listed — to print and post in the stairwell.
Small: rendered in the request (WeasyPrint, documents.render)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from community.models import Building, Community, Entrance
from community.volunteers import ContactCard, contact_cards
from core.access import refuse
from core.params import int_param
from documents.builders import pdf_lang
from documents.render import png_data_url, render_pdf
from documents.views import pdf_response

# A card is a page: a whole large community's entrances are printed building by building.
INLINE_CARDS = 200


def render_contact_cards(community: Community, cards: list[ContactCard]) -> bytes:
    """One page per card: the entrance and its listed members, party members first."""
    pages = [
        {
            "entrance": card.entrance,
            "members": [{"volunteer": v, "photo": png_data_url(v.photo)} for v in card.volunteers],
        }
        for card in cards
    ]
    context = {"community": community, "pages": pages, "printed_at": timezone.localtime(), "lang": pdf_lang()}
    return render_pdf(render_to_string("documents/contact_cards.html", context))


@never_cache
@require_GET
def contact_cards_pdf(request, slug: str):
    """?entrance=<id>: that entrance's card; ?building=<id>: every card of the building; else the community's."""
    community = get_object_or_404(Community, slug=slug)
    if not request.user.has_perm("community.manage_volunteers", community):
        return refuse(request)
    entrance = building = None
    part = "all"
    if request.GET.get("entrance"):
        entrance = get_object_or_404(
            Entrance.objects.select_related("building"),
            pk=int_param(request.GET.get("entrance")) or 0,
            building__community=community,
        )
        part = f"{entrance.building.name}-{entrance.name}"
    elif request.GET.get("building"):
        building = get_object_or_404(Building, pk=int_param(request.GET.get("building")) or 0, community=community)
        part = building.name
    cards = contact_cards(community, building=building, entrance=entrance)
    if not cards:
        messages.info(request, _("Nobody here has agreed to be listed yet, so there is no contact card to print."))
        return redirect("volunteer_list", slug=community.slug)
    if len(cards) > INLINE_CARDS:
        messages.error(
            request,
            _("That is more than %(count)s cards at once: print them building by building.") % {"count": INLINE_CARDS},
        )
        return redirect("volunteer_list", slug=community.slug)
    return pdf_response(render_contact_cards(community, cards), f"contact-cards-{community.slug}-{part}.pdf")
