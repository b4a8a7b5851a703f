"""Consultation blocks for the household proposal page: the latest opinions and the parties' current positions.

Each tag computes its own context in a constant number of queries, so the including page only loads the tags.
"""

from django import template

from consult import opinions
from consult.meetings import party_positions

register = template.Library()

LATEST_OPINIONS = 3


@register.inclusion_tag("consult/_opinions.html")
def proposal_opinions(proposal, user):
    """The latest opinions, how many there are, and the "leave an opinion" button for a household in scope."""
    if not user.has_perm("consult.view_opinions", proposal):
        return {"visible": False}
    latest = list(opinions.opinions_of(proposal)[:LATEST_OPINIONS])
    count = len(latest) if len(latest) < LATEST_OPINIONS else opinions.opinions_of(proposal).order_by().count()
    is_open = opinions.is_open(proposal)
    can_post = (
        is_open
        and user.has_perm("consult.post_opinion", proposal)
        and bool(opinions.households_in_scope(proposal, user))
    )
    return {
        "visible": True,
        "proposal": proposal,
        "latest": latest,
        "count": count,
        "open": is_open,
        "can_post": can_post,
    }


@register.inclusion_tag("consult/_positions.html")
def proposal_positions(proposal):
    """The parties' positions at their latest negotiation meetings (one query); nothing before the first meeting."""
    return {"proposal": proposal, "positions": party_positions(proposal)}
