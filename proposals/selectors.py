"""Reads of proposals shared by views, services and documents."""

from django.urls import reverse

from community.models import Household
from proposals.markdown import render_markdown
from proposals.models import Proposal, Scope


def scope_households(proposal: Proposal):
    """The households in a proposal's scope, from the live roster (the electorate freezes them at opening)."""
    households = Household.objects.of(proposal.community)
    if proposal.scope == Scope.BUILDINGS:
        return households.filter(entrance__building__in=proposal.scope_buildings.all())
    if proposal.scope == Scope.ENTRANCES:
        return households.filter(entrance__in=proposal.scope_entrances.all())
    if proposal.scope == Scope.HOUSEHOLDS:
        return households.filter(pk__in=proposal.scope_households.all())
    return households


def proposal_body_html(proposal: Proposal, attachments=None) -> str:
    """The proposal's text as safe HTML, showing images from its own attachments only (`attachments`: the page's
    list of them when it has one, so they are read once)."""
    ids = [a.pk for a in attachments] if attachments is not None else proposal.attachments.values_list("pk", flat=True)
    images = {reverse("attachment_file", args=[proposal.pk, pk]) for pk in ids}
    return render_markdown(proposal.body, images=images)
